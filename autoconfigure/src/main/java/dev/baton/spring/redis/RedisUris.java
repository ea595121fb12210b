package dev.baton.spring.redis;

import dev.baton.redis.RedisBackend;
import dev.baton.redis.RedisBackendOptions;
import io.lettuce.core.RedisURI;
import java.util.List;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails.Node;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails.Sentinel;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails.Standalone;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;

/**
 * Baton's own connection to the Redis that Spring Boot's {@code spring.data.redis.*} properties
 * (or a service connection) describe: a standalone server with its database, user and password, a
 * Sentinel master with its nodes, or a Redis Cluster through its seed nodes; TLS when
 * {@code spring.data.redis.ssl.enabled} is true, an SSL bundle is named or the URL is
 * {@code rediss://}. A static master/replica set-up is refused at start-up, naming the property
 * that asked for it.
 */
final class RedisUris {

  private RedisUris() {}

  /** Connects a backend to the standalone server, Sentinel master or cluster the details name. */
  static RedisBackend connect(DataRedisConnectionDetails details, DataRedisProperties properties,
      RedisBackendOptions options) {
    if (details.getCluster() == null) {
      return RedisBackend.connect(of(details, properties), options);
    }
    boolean ssl = usesSsl(details, properties);
    List<RedisURI> seeds = details.getCluster().getNodes().stream().map(node -> {
      RedisURI.Builder seed = RedisURI.builder().withHost(node.host()).withPort(node.port());
      authenticate(seed, details.getUsername(), details.getPassword());
      return seed.withSsl(ssl).build();
    }).toList();
    return RedisBackend.connectCluster(seeds, options);
  }

  /**
   * The URI of a standalone server or Sentinel master.
   *
   * @throws IllegalStateException if the details describe a static master/replica set-up, which
   *     the Redis backend does not support
   */
  static RedisURI of(DataRedisConnectionDetails details, DataRedisProperties properties) {
    if (details.getMasterReplica() != null) {
      throw unsupported("a static master/replica set-up", "spring.data.redis.masterreplica.nodes");
    }
    RedisURI.Builder uri = details.getSentinel() != null
        ? sentinel(details.getSentinel())
        : standalone(details.getStandalone());
    authenticate(uri, details.getUsername(), details.getPassword());
    return uri.withSsl(usesSsl(details, properties)).build();
  }

  /** Whether the connection is TLS: asked for by property, SSL bundle or a rediss:// URL. */
  private static boolean usesSsl(DataRedisConnectionDetails details,
      DataRedisProperties properties) {
    return properties.getSsl().isEnabled() || details.getSslBundle() != null
        || (properties.getUrl() != null && properties.getUrl().startsWith("rediss://"));
  }

  private static RedisURI.Builder standalone(Standalone standalone) {
    return RedisURI.builder().withHost(standalone.getHost()).withPort(standalone.getPort())
        .withDatabase(standalone.getDatabase());
  }

  private static RedisURI.Builder sentinel(Sentinel sentinel) {
    RedisURI.Builder uri = RedisURI.builder().withSentinelMasterId(sentinel.getMaster())
        .withDatabase(sentinel.getDatabase());
    for (Node node : sentinel.getNodes()) {
      RedisURI.Builder sentinelNode = RedisURI.builder().withHost(node.host())
          .withPort(node.port());
      authenticate(sentinelNode, sentinel.getUsername(), sentinel.getPassword());
      uri.withSentinel(sentinelNode.build());
    }
    return uri;
  }

  /** A password alone authenticates as Redis's default user. */
  private static void authenticate(RedisURI.Builder uri, String username, String password) {
    if (password == null) {
      return;
    }
    if (username == null) {
      uri.withPassword(password.toCharArray());
    } else {
      uri.withAuthentication(username, password.toCharArray());
    }
  }

  private static IllegalStateException unsupported(String what, String property) {
    return new IllegalStateException("baton.backend=redis does not support " + what + " ("
        + property + " is set): point spring.data.redis.host/port, spring.data.redis.sentinel.*"
        + " or spring.data.redis.cluster.nodes at a standalone, Sentinel-managed or clustered"
        + " Redis, or set baton.backend=local");
  }
}
