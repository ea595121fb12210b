package dev.baton.benchmarks.redis;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a Redis server reports of its own work, read over a connection of this object's own:
 * the CPU time of the whole {@code redis-server} process ({@code INFO cpu}) and, per command,
 * calls and microseconds spent running them ({@code INFO commandstats}, where a script's time
 * includes the commands it calls, which are also counted under their own names).
 */
final class ServerStats implements AutoCloseable {

  private final Socket socket;
  private final InputStream in;

  private ServerStats(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
  }

  static ServerStats connect(int port) throws IOException {
    return new ServerStats(new Socket("127.0.0.1", port));
  }

  /** Zeroes the command statistics ({@code CONFIG RESETSTAT}). */
  void reset() throws IOException {
    send("CONFIG RESETSTAT");
    String reply = readLine();
    if (!reply.equals("+OK")) {
      throw new IOException("CONFIG RESETSTAT replied " + reply);
    }
  }

  /** User plus system CPU seconds the server process has used since it started. */
  double cpuSeconds() throws IOException {
    Map<String, String> cpu = info("cpu");
    return Double.parseDouble(cpu.get("used_cpu_user"))
        + Double.parseDouble(cpu.get("used_cpu_sys"));
  }

  /** Per command name (lower case): {calls, microseconds}, since the last {@link #reset()}. */
  Map<String, long[]> commands() throws IOException {
    Map<String, long[]> commands = new TreeMap<>();
    info("commandstats").forEach((key, value) -> {
      if (key.startsWith("cmdstat_")) {
        long calls = 0;
        long micros = 0;
        for (String field : value.split(",")) {
          String[] pair = field.split("=");
          if (pair[0].equals("calls")) {
            calls = Long.parseLong(pair[1]);
          } else if (pair[0].equals("usec")) {
            micros = Long.parseLong(pair[1]);
          }
        }
        commands.put(key.substring("cmdstat_".length()), new long[] {calls, micros});
      }
    });
    return commands;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  private Map<String, String> info(String section) throws IOException {
    send("INFO " + section);
    String header = readLine();
    if (!header.startsWith("$")) {
      throw new IOException("INFO " + section + " replied " + header);
    }
    byte[] body = in.readNBytes(Integer.parseInt(header.substring(1)) + 2);
    Map<String, String> fields = new TreeMap<>();
    for (String line : new String(body, StandardCharsets.ISO_8859_1).split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("#")) {
        fields.put(line.substring(0, colon), line.substring(colon + 1));
      }
    }
    return fields;
  }

  private void send(String inlineCommand) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write((inlineCommand + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private String readLine() throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new EOFException("Redis closed the connection");
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }
}
