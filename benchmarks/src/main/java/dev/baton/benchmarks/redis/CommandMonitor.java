package dev.baton.benchmarks.redis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Every command a Redis server runs, as {@code MONITOR} reports them, in the order it runs them:
 * what clients send (one line each, tagged with the client's address) and what scripts call
 * inside Redis (tagged {@code lua}). {@link #mark(String)} puts a marker into that order, so the
 * commands between two markers are exactly those Redis ran between them.
 */
final class CommandMonitor implements AutoCloseable {

  private final Socket monitor;
  private final Socket marker;
  /** Every line MONITOR sent, in order; guarded by itself (a run adds hundreds of thousands). */
  private final List<String> lines = new ArrayList<>();

  private CommandMonitor(Socket monitor, Socket marker) {
    this.monitor = monitor;
    this.marker = marker;
  }

  static CommandMonitor attach(int port) throws IOException {
    CommandMonitor commands =
        new CommandMonitor(new Socket("127.0.0.1", port), new Socket("127.0.0.1", port));
    commands.send(commands.monitor, "MONITOR");
    BufferedReader in = new BufferedReader(
        new InputStreamReader(commands.monitor.getInputStream(), StandardCharsets.ISO_8859_1));
    if (!"+OK".equals(in.readLine())) {
      throw new IOException("MONITOR was refused");
    }
    Thread reader = new Thread(() -> {
      try {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          synchronized (commands.lines) {
            commands.lines.add(line);
          }
        }
      } catch (IOException closed) {
        // close() ends the reading.
      }
    }, "redis-monitor");
    reader.setDaemon(true);
    reader.start();
    return commands;
  }

  /** Has Redis run {@code ECHO name} on a connection of this monitor's own, and waits to see it. */
  void mark(String name) throws IOException, InterruptedException {
    send(marker, "echo " + name);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (indexOf(name) < 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("MONITOR never showed the marker " + name);
      }
      Thread.sleep(5);
    }
  }

  /**
   * The commands Redis ran between the markers {@code from} and {@code to}, counted by name
   * ({@code EVALSHA} by script: {@code evalsha <first 8 hex digits of its SHA>}; {@code FCALL} by
   * function: {@code fcall <the script's name>}, as {@code fcall queue_take}), clients' and
   * scripts' apart.
   */
  Counts between(String from, String to) {
    return between(from, to, client -> true);
  }

  /**
   * As {@link #between(String, String)}, counting only the commands of the clients whose address
   * ({@code host:port}) {@code client} accepts, and the commands their scripts ran (MONITOR lists
   * a script's commands right after the script's own line).
   */
  Counts between(String from, String to, Predicate<String> client) {
    Map<String, Integer> sent = new TreeMap<>();
    Map<String, Integer> inScripts = new TreeMap<>();
    boolean counting = false;
    for (String line : linesBetween(from, to)) {
      boolean inScript = line.contains(" lua] ");
      if (!inScript) {
        counting = client.test(addressOf(line));
      }
      if (!counting) {
        continue;
      }
      String[] words = line.substring(line.indexOf(']') + 2).split("\" \"");
      String command = words[0].replace("\"", "").toLowerCase();
      if (command.equals("evalsha")) {
        command += " " + words[1].substring(0, 8);
      } else if (command.equals("fcall")) { // baton_<digest>_<script>
        command += " " + words[1].substring(words[1].indexOf('_', "baton_".length()) + 1);
      }
      (inScript ? inScripts : sent).merge(command, 1, Integer::sum);
    }
    return new Counts(sent, inScripts);
  }

  /** The address of the client that sent the first {@code command} between the two markers. */
  String clientOf(String from, String to, String command) {
    String quoted = "] \"" + command.toLowerCase() + "\"";
    for (String line : linesBetween(from, to)) {
      if (line.toLowerCase().contains(quoted) && !line.contains(" lua] ")) {
        return addressOf(line);
      }
    }
    throw new IllegalStateException("no client sent " + command + " between " + from + " and "
        + to);
  }

  /** The client address in a MONITOR line: {@code <time> [<db> <host:port>] "command" ...}. */
  private static String addressOf(String line) {
    return line.substring(line.indexOf(' ', line.indexOf('[')) + 1, line.indexOf(']'));
  }

  @Override
  public void close() throws IOException {
    monitor.close();
    marker.close();
  }

  /** Commands by name: those clients sent, each one round trip, and those scripts ran. */
  record Counts(Map<String, Integer> sent, Map<String, Integer> inScripts) {

    int totalSent() {
      return sent.values().stream().mapToInt(Integer::intValue).sum();
    }

    int totalInScripts() {
      return inScripts.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** {@code counts} per operation, as {@code (EVALSHA 1.000, TIME 0.004)}. */
    static String perOp(Map<String, Integer> counts, int ops) {
      return counts.entrySet().stream()
          .map(e -> String.format(Locale.ROOT, "%s %.3f", e.getKey(),
              (double) e.getValue() / ops))
          .collect(Collectors.joining(", ", "(", ")"));
    }

    /** {@code counts} as a JSON object. */
    static String toJson(Map<String, Integer> counts) {
      return counts.entrySet().stream()
          .map(e -> "\"" + e.getKey() + "\": " + e.getValue())
          .collect(Collectors.joining(", ", "{", "}"));
    }
  }

  private List<String> linesBetween(String from, String to) {
    synchronized (lines) {
      return new ArrayList<>(lines.subList(indexOf(from) + 1, indexOf(to)));
    }
  }

  /** Where MONITOR showed {@code marker}, searching from the newest line; -1 if not yet. */
  private int indexOf(String marker) {
    String echo = "\"echo\" \"" + marker + "\"";
    synchronized (lines) {
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (lines.get(i).endsWith(echo)) {
          return i;
        }
      }
    }
    return -1;
  }

  private static void send(Socket socket, String inlineCommand) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write((inlineCommand + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }
}
