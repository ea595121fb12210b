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
 * (or a service connection) describe, as Spring Boot's own Lettuce connection would be made: a
 * standalone server with its database, user and password, a Sentinel master with its nodes, or a
 * Redis Cluster through its seed nodes; named by {@code spring.data.redis.client-name}; TLS when
 * the connection details give an SSL bundle ({@code spring.data.redis.ssl.enabled} or
 * {@code ssl.bundle}, unless a service connection's details say otherwise) or the URL is
 * {@code rediss://}; the handshake bounded by the command timeout. A static master/replica
 * set-up is refused at start-up, naming the property that asked for it.
 */
final class RedisUris {

  private RedisUris() {}

  /**
   * Connects a backend to the Sentinel master, cluster or standalone server the details name, in
   * Spring Boot's order when several are set: Sentinel, then cluster, then the rest.
   */
  static RedisBackend connect(DataRedisConnectionDetails details, DataRedisProperties properties,
      RedisBackendOptions options) {
    if (details.getSentinel() != null || details.getCluster() == null) {
      RedisURI uri = of(details, properties);
      uri.setTimeout(options.commandTimeout());
      return RedisBackend.connect(uri, options);
    }
    boolean ssl = usesSsl(details, properties);
    List<RedisURI> seeds = details.getCluster().getNodes().stream().map(node -> {
      RedisURI.Builder seed = RedisURI.builder().withHost(node.host()).withPort(node.port());
      authenticate(seed, details.getUsername(), details.getPassword());
      named(seed, properties);
      return seed.withSsl(ssl).withTimeout(options.commandTimeout()).build();
    }).toList();
    return RedisBackend.connectCluster(seeds, options);
  }

  /**
   * The URI of the Sentinel master, else of the standalone server.
   *
   * @throws IllegalStateException if the details describe a static master/replica set-up and no
   *     Sentinel (which Spring Boot would prefer), as the Redis backend does not support one
   */
  static RedisURI of(DataRedisConnectionDetails details, DataRedisProperties properties) {
    if (details.getSentinel() == null && details.getMasterReplica() != null) {
      throw unsupported("a static master/replica set-up", "spring.data.redis.masterreplica.nodes");
    }
    RedisURI.Builder uri = details.getSentinel() != null
        ? sentinel(details.getSentinel())
        : standalone(details.getStandalone());
    authenticate(uri, details.getUsername(), details.getPassword());
    named(uri, properties);
    return uri.withSsl(usesSsl(details, properties)).build();
  }

  /**
   * Whether the connection is TLS: the details give an SSL bundle (those of the properties do
   * when {@code ssl.enabled} is true or {@code ssl.bundle} is set; a service connection's win
   * over them), or the URL is {@code rediss://}, as Spring Boot decides for its own connection.
   */
  private static boolean usesSsl(DataRedisConnectionDetails details,
      DataRedisProperties properties) {
    return details.getSslBundle() != null
        || (properties.getUrl() != null && properties.getUrl().startsWith("rediss://"));
  }

  private static void named(RedisURI.Builder uri, DataRedisProperties properties) {
    if (properties.getClientName() != null) {
      uri.withClientName(properties.getClientName());
    }
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

  /**
   * A password alone authenticates as Redis's default user; a username without a password as
   * that user with an empty password (an ACL user with {@code nopass}).
   */
  private static void authenticate(RedisURI.Builder uri, String username, String password) {
    if (username != null) {
      uri.withAuthentication(username, password == null ? new char[0] : password.toCharArray());
    } else if (password != null) {
      uri.withPassword(password.toCharArray());
    }
  }

  private static IllegalStateException unsupported(String what, String property) {
    return new IllegalStateException("baton.backend=redis does not support " + what + " ("
        + property + " is set): point spring.data.redis.host/port, spring.data.redis.sentinel.*"
        + " or spring.data.redis.cluster.nodes at a standalone, Sentinel-managed or clustered"
        + " Redis, or set baton.backend=local");
  }
}
