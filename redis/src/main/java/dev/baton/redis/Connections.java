package dev.baton.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionStateAdapter;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandExpiryWriter;
import io.lettuce.core.protocol.DefaultEndpoint;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.netty.util.NetUtil;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backend's two connections of its own, one for commands and one for pub/sub, to a standalone
 * or Sentinel-managed Redis or to a Redis Cluster, with Lettuce set to reject commands while
 * disconnected (never buffer them for after a reconnect) and to time each command out. Through
 * Sentinel, both move to the new master as soon as a Sentinel announces a switch (see
 * {@link SentinelSwitches}), not only when the old master drops them.
 */
final class Connections {

  private static final Logger log = LoggerFactory.getLogger(Connections.class);
  private static final Duration MIN_REFRESH = Duration.ofSeconds(1);
  private static final Duration MAX_REFRESH = Duration.ofSeconds(10);

  private final AbstractRedisClient client;
  private final StatefulConnection<String, String> commands;
  private final RedisClusterAsyncCommands<String, String> async;
  private final StatefulRedisPubSubConnection<String, String> pubSub;
  private final boolean cluster;
  private final String address;
  /**
   * The server each of the two connections is connected to now, while connected (kept for a
   * Sentinel master only).
   */
  private final Map<RedisChannelHandler<?, ?>, SocketAddress> servers;
  /** For a Sentinel URI, what follows the master's switches; else null. */
  private volatile SentinelSwitches switches;

  private Connections(AbstractRedisClient client, StatefulConnection<String, String> commands,
      RedisClusterAsyncCommands<String, String> async,
      StatefulRedisPubSubConnection<String, String> pubSub, boolean cluster, String address,
      Map<RedisChannelHandler<?, ?>, SocketAddress> servers) {
    this.client = client;
    this.commands = commands;
    this.async = async;
    this.pubSub = pubSub;
    this.cluster = cluster;
    this.address = address;
    this.servers = servers;
  }

  /** Keeps in a new map the server each connection of {@code client} is connected to now. */
  private static Map<RedisChannelHandler<?, ?>, SocketAddress> servers(
      AbstractRedisClient client) {
    Map<RedisChannelHandler<?, ?>, SocketAddress> servers = new ConcurrentHashMap<>();
    client.addListener(new RedisConnectionStateAdapter() {
      @Override
      public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress socket) {
        servers.put(handler, socket);
      }

      @Override
      public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
        servers.remove(handler);
      }
    });
    return servers;
  }

  /**
   * Connects to a standalone Redis, or to the master a Sentinel URI names. With a Sentinel URI
   * both connections follow the master's switches as soon as a Sentinel announces one: each
   * connected elsewhere is dropped, and Lettuce connects it again to the master Sentinel names.
   */
  static Connections standalone(RedisURI uri, RedisBackendOptions options) {
    RedisClient client = RedisClient.create(uri);
    ClientOptions.Builder settings = ClientOptions.builder();
    ClientOptions clientOptions = configure(settings, options).build();
    client.setOptions(clientOptions);
    client.setDefaultTimeout(options.commandTimeout());
    boolean sentinel = uri.getSentinelMasterId() != null;
    Map<RedisChannelHandler<?, ?>, SocketAddress> servers =
        sentinel ? servers(client) : Map.of();
    try {
      StatefulRedisConnection<String, String> commands = client.connect(StringCodec.UTF8);
      Connections connections = new Connections(client, commands, commands.async(),
          client.connectPubSub(StringCodec.UTF8), false, describe(uri), servers);
      if (sentinel) {
        connections.switches = SentinelSwitches.follow(uri, client.getResources(), clientOptions,
            connections::followSwitch);
      }
      return connections;
    } catch (RuntimeException e) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      throw e;
    }
  }

  /** Connects to the Redis Cluster that {@code seeds} belong to. */
  static Connections cluster(List<RedisURI> seeds, RedisBackendOptions options) {
    RedisClusterClient client = RedisClusterClient.create(seeds);
    ClusterClientOptions.Builder settings = ClusterClientOptions.builder()
        .topologyRefreshOptions(topologyRefresh(options));
    client.setOptions(((ClusterClientOptions.Builder) configure(settings, options)).build());
    client.setDefaultTimeout(options.commandTimeout());
    try {
      StatefulRedisClusterConnection<String, String> commands = client.connect(StringCodec.UTF8);
      return new Connections(client, commands, commands.async(),
          client.connectPubSub(StringCodec.UTF8), true, "cluster " + seeds.stream()
              .map(uri -> uri.getHost() + ":" + uri.getPort()).collect(Collectors.toList()),
          Map.of());
    } catch (RuntimeException e) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      throw e;
    }
  }

  /**
   * The cluster's topology is read again at each renewal interval (a third of the lease, at
   * least a second, as each read asks every node, and at most ten, so that a long lease does not
   * leave it stale), and sooner on a redirect or on reconnects that keep failing, at most once an
   * interval: after a failover, calls and renewals reach the promoted replica within an
   * interval. Lettuce reads it only at connect by default, and with
   * commands rejected while a node is disconnected no redirect ever came to correct it: the dead
   * primary's slots stayed unreachable.
   */
  private static ClusterTopologyRefreshOptions topologyRefresh(RedisBackendOptions options) {
    Duration third = options.lease().dividedBy(3);
    Duration interval = third.compareTo(MIN_REFRESH) < 0 ? MIN_REFRESH
        : third.compareTo(MAX_REFRESH) > 0 ? MAX_REFRESH : third;
    return ClusterTopologyRefreshOptions.builder().enablePeriodicRefresh(interval)
        .enableAllAdaptiveRefreshTriggers().adaptiveRefreshTriggersTimeout(interval).build();
  }

  private static ClientOptions.Builder configure(ClientOptions.Builder settings,
      RedisBackendOptions options) {
    settings.autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .timeoutOptions(TimeoutOptions.enabled(options.commandTimeout()));
    if (options.ssl() != null) {
      settings.sslOptions(options.ssl());
    }
    if (options.connectTimeout() != null) {
      settings.socketOptions(SocketOptions.builder().connectTimeout(options.connectTimeout())
          .build());
    }
    return settings;
  }

  AbstractRedisClient client() {
    return client;
  }

  RedisClusterAsyncCommands<String, String> commands() {
    return async;
  }

  StatefulRedisPubSubConnection<String, String> pubSub() {
    return pubSub;
  }

  /** Whether these are connections to a Redis Cluster. */
  boolean isCluster() {
    return cluster;
  }

  boolean isOpen() {
    return commands.isOpen();
  }

  /**
   * Whether PUBLISH's receiver count shows if a JVM listens: not in a cluster, where it counts
   * only the subscribers connected to the node that ran the script.
   */
  boolean receiverCountIsReliable() {
    return !cluster;
  }

  /** The address to name in messages: {@code host:port}, the Sentinel master, or the cluster. */
  String address() {
    return address;
  }

  /**
   * The master is at {@code host:port} now, a Sentinel says: drops each connection connected to
   * another server, so that Lettuce connects it again through Sentinel (commands are rejected
   * meanwhile, and the backend's reconnect handling runs once it is back).
   */
  void followSwitch(String host, int port) {
    for (RedisChannelHandler<?, ?> connection : List.of(
        (RedisChannelHandler<?, ?>) commands, (RedisChannelHandler<?, ?>) pubSub)) {
      SocketAddress server = servers.get(connection);
      if (server != null && !isAt(server, host, port)) {
        drop(connection);
      }
    }
  }

  /** Whether {@code server} is {@code host:port}, {@code host} a name or an address. */
  static boolean isAt(SocketAddress server, String host, int port) {
    if (!(server instanceof InetSocketAddress inet) || inet.getPort() != port) {
      return false;
    }
    if (host.equals(inet.getHostString())) {
      return true;
    }
    // An address literal may be written several ways (Sentinel writes ::1, Java 0:0:0:0:0:0:0:1):
    // compared as bytes, without a name lookup (this runs on Lettuce's event loop).
    byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
    return literal != null && inet.getAddress() != null
        && Arrays.equals(literal, inet.getAddress().getAddress());
  }

  /**
   * PINGs the pub/sub connection, and drops it if its server does not answer within the command
   * timeout, so that Lettuce connects it again (in a cluster, to the next node of the topology)
   * and subscribes again. A connection that only receives sends nothing by itself: to a server
   * that hangs, or behind a network path that lost it, it stayed open and silent for as long as
   * that lasted, and every grant and wake-up waited for a renewal tick. Not connected (Lettuce is
   * reconnecting it already) or any other failure: left alone.
   */
  CompletableFuture<Void> checkPubSub() {
    return pubSub.async().ping().toCompletableFuture().handle((pong, failure) -> {
      if (Scripts.unwrap(failure) instanceof RedisCommandTimeoutException) {
        log.warn("The pub/sub connection to Redis at {} did not answer a PING: connecting it"
            + " again (grants and wake-ups wait for a renewal tick meanwhile)", address);
        drop((RedisChannelHandler<?, ?>) pubSub);
      }
      return null;
    });
  }

  /**
   * Closes the channel under {@code connection}, not the connection: Lettuce's watchdog connects
   * it again (through Sentinel, to the master it names; in a cluster, to the next node).
   */
  static void drop(RedisChannelHandler<?, ?> connection) {
    RedisChannelWriter writer = connection.getChannelWriter();
    while (writer instanceof CommandExpiryWriter expiring) {
      writer = expiring.getDelegate();
    }
    if (writer instanceof DefaultEndpoint endpoint) {
      endpoint.disconnect();
      return;
    }
    try {
      // A cluster connection writes through Lettuce's ClusterDistributionChannelWriter, a class
      // of its package: its public disconnectDefaultEndpoint() drops the channel to the node the
      // connection itself is connected to (as Lettuce does when that node leaves the topology).
      Method disconnect = writer.getClass().getMethod("disconnectDefaultEndpoint");
      disconnect.setAccessible(true);
      disconnect.invoke(writer);
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.warn("Cannot drop a connection written through {}: it stays where it is until it"
          + " drops by itself", writer.getClass().getName(), e);
    }
  }

  void shutdown() {
    SentinelSwitches following = switches;
    if (following != null) {
      following.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }

  static String describe(RedisURI uri) {
    if (uri.getSentinelMasterId() != null) {
      return "sentinel master '" + uri.getSentinelMasterId() + "' via " + uri.getSentinels()
          .stream().map(s -> s.getHost() + ":" + s.getPort()).toList();
    }
    return uri.getHost() + ":" + uri.getPort();
  }
}
