package dev.baton.redis;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code redis-server} (Debian's package) on a free port, without persistence, for tests:
 * started, stopped, restarted empty, paused with SIGSTOP and resumed; closing it leaves nothing
 * behind. With {@code CI=true} a missing {@code redis-server} fails the test instead of skipping
 * it.
 */
public final class RedisServer implements AutoCloseable {

  /**
   * How many default servers {@link #startedAhead()} keeps started ahead: a test taking one
   * every 300 ms still finds it up for more than three seconds.
   */
  private static final int SPARES = 12;
  /** Default servers started ahead, oldest first; guarded by itself. */
  private static final Deque<RedisServer> spares = new ArrayDeque<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      synchronized (spares) {
        spares.forEach(RedisServer::close);
      }
    }, "redis-spares-stop"));
  }

  /** How much higher than its port a cluster node listens for the other nodes. */
  private static final int CLUSTER_BUS_OFFSET = 10_000;
  /** The highest port a cluster node starts on: its bus port must be a port too. */
  private static final int MAX_CLUSTER_PORT = 65_535 - CLUSTER_BUS_OFFSET;

  private final int port;
  private final Path dir;
  /** What comes before the options: a config file and --sentinel for a Sentinel, else nothing. */
  private final List<String> mode;
  private final List<String> settings;
  private Process process;

  private RedisServer(int port, Path dir, List<String> mode, List<String> settings) {
    this.port = port;
    this.dir = dir;
    this.mode = mode;
    this.settings = settings;
  }

  /** Starts a server on a free port, with {@code settings} added to its command line. */
  public static RedisServer start(String... settings) {
    return start(RedisServer::freePort, settings);
  }

  /**
   * A server as {@link #start(String...)} with no settings gives, started some time before this
   * call: the oldest of a few kept started ahead, replaced by a new one. So it has been up for a
   * while, and a Baton backend's restart quarantine (one lease from the server's start) is over
   * sooner. Those still spare when the JVM exits are stopped then.
   */
  public static RedisServer startedAhead() {
    synchronized (spares) {
      while (spares.size() <= SPARES) {
        spares.add(start());
      }
      return spares.poll();
    }
  }

  private static RedisServer start(PortSource port, String... settings) {
    String binary = binary();
    if (binary == null) {
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException("redis-server is not installed: .ci/run installs it");
      }
      Assumptions.abort("redis-server is not installed (apt-get install redis-server)");
    }
    try {
      RedisServer server = new RedisServer(port.next(), Files.createTempDirectory("baton-redis"),
          List.of(), List.of(settings));
      server.startProcess();
      return server;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Starts a server that also serves TLS on {@code tlsPort}, with the certificate {@code cert}
   * and its key, trusting the client certificates that {@code ca} signed; clients must present
   * one only if {@code authClients}.
   */
  public static RedisServer startTls(int tlsPort, Path cert, Path key, Path ca,
      boolean authClients) {
    return start("--tls-port", Integer.toString(tlsPort), "--tls-cert-file", cert.toString(),
        "--tls-key-file", key.toString(), "--tls-ca-cert-file", ca.toString(),
        "--tls-auth-clients", authClients ? "yes" : "no");
  }

  /**
   * Starts {@code size} servers in cluster mode and joins them into one Redis Cluster without
   * replicas, its slots spread over them; returns once every node reports the cluster ok. If
   * the cluster does not form, stops the servers it started (the caller gets none to stop) and
   * fails with what {@code redis-cli --cluster create} said.
   */
  public static List<RedisServer> startCluster(int size) {
    List<RedisServer> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < size; i++) {
        nodes.add(startClusterNode());
      }
      List<String> create = new ArrayList<>(List.of("--cluster", "create"));
      nodes.forEach(node -> create.add("127.0.0.1:" + node.port()));
      create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
      String created = nodes.get(0).cli(create.toArray(String[]::new));
      if (!created.contains("[OK] All 16384 slots covered")) {
        throw new IllegalStateException("redis-cli --cluster create failed: " + created);
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream()
          .allMatch(node -> node.cli("CLUSTER", "INFO").contains("cluster_state:ok")));
      return nodes;
    } catch (RuntimeException | Error e) {
      nodes.forEach(RedisServer::close);
      throw e;
    }
  }

  /**
   * Starts a server in cluster mode, in no cluster yet (for {@link #startCluster} or a test to
   * {@code CLUSTER MEET} it); its peers deem it failed after two seconds without an answer.
   */
  public static RedisServer startClusterNode() {
    return start(RedisServer::clusterPort, "--cluster-enabled", "yes",
        "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000");
  }

  /**
   * Starts a Sentinel on a free port (redis-server in Sentinel mode) that monitors
   * {@code master} as {@code masterName}.
   */
  public static RedisServer startSentinel(RedisServer master, String masterName) {
    try {
      Path dir = Files.createTempDirectory("baton-sentinel");
      Path config = Files.writeString(dir.resolve("sentinel.conf"), "sentinel monitor "
          + masterName + " 127.0.0.1 " + master.port() + " 1\n");
      RedisServer sentinel = new RedisServer(freePort(), dir,
          List.of(config.toString(), "--sentinel"), List.of());
      sentinel.startProcess();
      return sentinel;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public int port() {
    return port;
  }

  public RedisURI uri() {
    return RedisURI.builder().withHost("127.0.0.1").withPort(port)
        .withTimeout(Duration.ofSeconds(2)).build();
  }

  /** Runs {@code redis-cli} against this server and returns its output. */
  public String cli(String... args) {
    try {
      List<String> command = new java.util.ArrayList<>(
          List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
      command.addAll(List.of(args));
      Process cli = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(cli.getInputStream().readAllBytes()).trim();
      if (!cli.waitFor(10, TimeUnit.SECONDS)) {
        cli.destroyForcibly();
        throw new IllegalStateException("redis-cli " + args[0] + " did not finish");
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A lock name whose keys (prefix {@code baton}) live on this node, a cluster's primary. */
  public String lockNameServedHere() {
    return nameServedHere("lock");
  }

  /**
   * A name of a primitive of {@code kind} ({@code lock}, {@code event}...) whose keys (prefix
   * {@code baton}) live on this node, a cluster's primary.
   */
  public String nameServedHere(String kind) {
    String myself = cli("CLUSTER", "NODES").lines()
        .filter(line -> line.contains("myself")).findFirst().orElseThrow();
    String[] fields = myself.split(" ");
    List<String> ranges = List.of(fields).subList(8, fields.length); // after the flags
    for (int i = 0; i < 1000; i++) {
      String name = "on-" + i;
      int slot = Integer.parseInt(cli("CLUSTER", "KEYSLOT",
          "{baton:" + kind + ":" + name + "}"));
      for (String range : ranges) {
        String[] ends = range.split("-");
        if (slot >= Integer.parseInt(ends[0]) && slot <= Integer.parseInt(ends[ends.length - 1])) {
          return name;
        }
      }
    }
    throw new IllegalStateException("no " + kind + " name on node " + port);
  }

  /** Every key on the server, sorted. */
  public List<String> keys() {
    String out = cli("--scan");
    return out.isEmpty() ? List.of() : out.lines().sorted().toList();
  }

  /**
   * A figure of {@code INFO commandstats} for {@code command} (as {@code fcall} or
   * {@code function|load}): {@code calls}, {@code failed_calls}, ...; 0 if it never ran.
   */
  public long commandStat(String command, String figure) {
    return cli("INFO", "commandstats").lines()
        .filter(line -> line.startsWith("cmdstat_" + command + ":"))
        .mapToLong(line -> Long.parseLong(
            line.replaceAll("^.*[:,]" + figure + "=(\\d+)(,.*)?$", "$1"))).sum();
  }

  /** How long the server has been up, in whole seconds (as INFO says), in milliseconds. */
  public long uptimeMillis() {
    return 1000 * Long.parseLong(cli("INFO", "server").lines()
        .filter(line -> line.startsWith("uptime_in_seconds:")).findFirst().orElseThrow()
        .substring("uptime_in_seconds:".length()).trim());
  }

  /** The server's clock now ({@code TIME}), in microseconds. */
  public long timeMicros() {
    List<String> time = cli("TIME").lines().toList();
    return Long.parseLong(time.get(0)) * 1_000_000 + Long.parseLong(time.get(1));
  }

  /** Kills the server (its data is gone: no persistence). */
  public void stop() {
    if (process != null) {
      resume();
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  /** Stops the server and starts a new, empty one on the same port. */
  public void restart() {
    stop();
    startProcess();
  }

  /** SIGSTOP: the server keeps its connections but answers nothing. */
  public void pause() {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause()}. */
  public void resume() {
    signal("CONT");
  }

  /** Stops the server for good and deletes its directory (its log, and any config it made). */
  @Override
  public void close() {
    stop();
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void signal(String signal) {
    if (process == null) {
      return;
    }
    try {
      new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void startProcess() {
    try {
      List<String> command = new java.util.ArrayList<>(List.of(binary()));
      command.addAll(mode);
      command.addAll(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1", "--save",
          "", "--appendonly", "no", "--dir", dir.toString()));
      command.addAll(settings);
      process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("redis.log").toFile())
          .start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!"PONG".equals(cli("ping"))) {
        if (System.nanoTime() > deadline || !process.isAlive()) {
          throw new IllegalStateException("redis-server did not start on port " + port + ": "
              + Files.readString(dir.resolve("redis.log")));
        }
        Thread.onSpinWait();
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String binary() {
    for (String candidate : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    return null;
  }

  /** A port nothing listens on now, from the kernel's ephemeral ones. */
  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /**
   * A free port for a cluster node whose bus port, 10,000 higher, is free too: at most 55535,
   * which a cluster node refuses to start above. Drawn at random below it, not from the kernel's
   * ephemeral ports, which can be higher (Linux's default range, the IANA one of macOS).
   */
  private static int clusterPort() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, MAX_CLUSTER_PORT + 1);
      if (isFree(port) && isFree(port + CLUSTER_BUS_OFFSET)) {
        return port;
      }
    }
    throw new IllegalStateException("found no free port for a Redis Cluster node");
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket(port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** How to choose a server's port. */
  @FunctionalInterface
  private interface PortSource {
    int next() throws IOException;
  }
}
