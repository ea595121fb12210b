package dev.baton.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateAdapter;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.ValueListOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows where the Sentinels of a URI say its master is: a pub/sub connection to each Sentinel,
 * subscribed to {@code +promoted-slave} and {@code +switch-master}, hands every move of that
 * master to a callback as the new master's host and port, as soon as a Sentinel announces it:
 * when it has promoted a replica, from which moment it names that replica to clients that ask.
 * Each time a Sentinel connection is made (at start and after each reconnect, when a move may
 * have been missed) the callback also gets the master that Sentinel names now. A Sentinel
 * unreachable at start is tried again every few seconds; one reached once is reconnected by
 * Lettuce.
 */
final class SentinelSwitches {

  private static final Logger log = LoggerFactory.getLogger(SentinelSwitches.class);
  /** {@code <master-name> <old-ip> <old-port> <new-ip> <new-port>}: once the failover ended. */
  private static final String SWITCH = "+switch-master";
  /**
   * {@code slave <ip>:<port> <ip> <port> @ <master-name> <master-ip> <master-port>}: the replica
   * now master. From then on Sentinel names it to whoever asks for the master, before the
   * failover ends (other replicas reconfigured) and {@code +switch-master} comes.
   */
  private static final String PROMOTED = "+promoted-slave";
  private static final long RETRY_SECONDS = 5;

  private final RedisClient client;
  private final String master;
  private final BiConsumer<String, Integer> onSwitch;
  private final List<StatefulRedisPubSubConnection<String, String>> connections =
      new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private SentinelSwitches(RedisClient client, String master,
      BiConsumer<String, Integer> onSwitch) {
    this.client = client;
    this.master = master;
    this.onSwitch = onSwitch;
  }

  /**
   * Starts following the master {@code uri} names through its Sentinels (whose own credentials
   * and TLS settings the URI holds), with a client of its own on {@code resources}.
   */
  static SentinelSwitches follow(RedisURI uri, ClientResources resources, ClientOptions options,
      BiConsumer<String, Integer> onSwitch) {
    RedisClient client = RedisClient.create(resources);
    client.setOptions(options);
    SentinelSwitches switches = new SentinelSwitches(client, uri.getSentinelMasterId(), onSwitch);
    client.addListener(new RedisConnectionStateAdapter() {
      @Override
      public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress socket) {
        switches.askWhereTheMasterIs(handler);
      }
    });
    uri.getSentinels().forEach(sentinel -> switches.subscribe(sentinel, false));
    return switches;
  }

  /**
   * Subscribes to {@code sentinel}, trying again every few seconds until it works or this is
   * closed; the first failure is logged as a warning, the later ones (a Sentinel down for good,
   * a user without pub/sub) at debug level only.
   */
  private void subscribe(RedisURI sentinel, boolean warned) {
    if (closed) {
      return;
    }
    CompletableFuture<StatefulRedisPubSubConnection<String, String>> connected =
        client.connectPubSubAsync(StringCodec.UTF8, sentinel).toCompletableFuture();
    connected.thenCompose(connection -> {
      connections.add(connection);
      if (closed) {
        connection.closeAsync();
        return CompletableFuture.completedFuture(null);
      }
      connection.addListener(new RedisPubSubAdapter<>() {
        @Override
        public void message(String channel, String message) {
          onMessage(channel, message);
        }
      });
      askWhereTheMasterIs(connection);
      return connection.async().subscribe(PROMOTED, SWITCH).toCompletableFuture();
    }).whenComplete((subscribed, failure) -> {
      if (failure != null && !closed) {
        connected.thenAccept(connection -> {
          connections.remove(connection);
          connection.closeAsync();
        });
        String what = "Could not subscribe to Sentinel {}:{} for switches of master '{}';"
            + " trying again every {} s";
        if (warned) {
          log.debug(what, sentinel.getHost(), sentinel.getPort(), master, RETRY_SECONDS, failure);
        } else {
          log.warn(what, sentinel.getHost(), sentinel.getPort(), master, RETRY_SECONDS, failure);
        }
        CompletableFuture.runAsync(() -> subscribe(sentinel, true),
            CompletableFuture.delayedExecutor(RETRY_SECONDS, TimeUnit.SECONDS));
      }
    });
  }

  private void onMessage(String channel, String message) {
    String[] parts = message.split(" ");
    if (channel.equals(SWITCH) && parts.length == 5 && parts[0].equals(master)) {
      moved(parts[3], parts[4], "switched master '{}' from {}:{} to {}:{}", master, parts[1],
          parts[2], parts[3], parts[4]);
    } else if (channel.equals(PROMOTED) && parts.length == 8 && parts[4].equals("@")
        && parts[5].equals(master)) {
      moved(parts[2], parts[3], "promoted {}:{} to replace master '{}' at {}:{}", parts[2],
          parts[3], master, parts[6], parts[7]);
    }
  }

  private void moved(String host, String port, String what, Object... details) {
    if (closed) {
      return;
    }
    log.info("Sentinel " + what, details);
    onSwitch.accept(host, Integer.parseInt(port));
  }

  /**
   * Passes the master the Sentinel on {@code handler} names now to the callback. Refused by a
   * RESP2 connection once subscribed: then only the messages tell.
   */
  @SuppressWarnings("unchecked")
  private void askWhereTheMasterIs(Object handler) {
    if (closed || !(handler instanceof StatefulRedisPubSubConnection<?, ?> connection)) {
      return;
    }
    ((StatefulRedisPubSubConnection<String, String>) connection).async()
        .dispatch(CommandType.SENTINEL, new ValueListOutput<>(StringCodec.UTF8),
            new CommandArgs<>(StringCodec.UTF8).add("GET-MASTER-ADDR-BY-NAME").add(master))
        .toCompletableFuture().whenComplete((address, failure) -> {
          if (failure == null && address != null && address.size() == 2 && !closed) {
            onSwitch.accept(address.get(0), Integer.parseInt(address.get(1)));
          }
        });
  }

  void close() {
    closed = true;
    connections.forEach(StatefulRedisPubSubConnection::closeAsync);
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
