package dev.baton.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
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
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A backend's two connections of its own, one for commands and one for pub/sub, to a standalone
 * or Sentinel-managed Redis or to a Redis Cluster, with Lettuce set to reject commands while
 * disconnected (never buffer them for after a reconnect) and to time each command out.
 */
final class Connections {

  private final AbstractRedisClient client;
  private final StatefulConnection<String, String> commands;
  private final RedisClusterAsyncCommands<String, String> async;
  private final StatefulRedisPubSubConnection<String, String> pubSub;
  private final boolean cluster;
  private final String address;

  private Connections(AbstractRedisClient client, StatefulConnection<String, String> commands,
      RedisClusterAsyncCommands<String, String> async,
      StatefulRedisPubSubConnection<String, String> pubSub, boolean cluster, String address) {
    this.client = client;
    this.commands = commands;
    this.async = async;
    this.pubSub = pubSub;
    this.cluster = cluster;
    this.address = address;
  }

  /** Connects to a standalone Redis, or to the master a Sentinel URI names. */
  static Connections standalone(RedisURI uri, RedisBackendOptions options) {
    RedisClient client = RedisClient.create(uri);
    ClientOptions.Builder settings = ClientOptions.builder();
    client.setOptions(configure(settings, options).build());
    client.setDefaultTimeout(options.commandTimeout());
    try {
      StatefulRedisConnection<String, String> commands = client.connect(StringCodec.UTF8);
      return new Connections(client, commands, commands.async(),
          client.connectPubSub(StringCodec.UTF8), false, describe(uri));
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
              .map(uri -> uri.getHost() + ":" + uri.getPort()).collect(Collectors.toList()));
    } catch (RuntimeException e) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      throw e;
    }
  }

  /**
   * The cluster's topology is read again at each renewal interval (a third of the lease, at
   * least a second, as each read asks every node), and sooner on a redirect or on reconnects that
   * keep failing, at most once an interval: after a failover, calls and renewals reach the
   * promoted replica within an interval. Lettuce reads it only at connect by default, and with
   * commands rejected while a node is disconnected no redirect ever came to correct it: the dead
   * primary's slots stayed unreachable.
   */
  private static ClusterTopologyRefreshOptions topologyRefresh(RedisBackendOptions options) {
    Duration third = options.lease().dividedBy(3);
    Duration interval = third.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : third;
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

  void shutdown() {
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
