package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The test helper itself: a Redis Cluster that cannot form (one node, where redis-cli asks for
 * three masters) fails, and leaves no redis-server it started running after the JVM.
 */
class RedisServerTest {

  @Test
  void aClusterThatCannotFormFailsAndStopsTheServersItStarted() {
    Set<Long> before = redisServers();

    assertThatThrownBy(() -> RedisServer.startCluster(1))
        .hasMessageContaining("redis-cli --cluster create failed");

    assertThat(redisServers()).isSubsetOf(before);
  }

  /**
   * The processes this JVM started that still run: its redis-servers (Debian's is a link to
   * redis-check-rdb, so not told by name), its redis-cli runs having ended.
   */
  private static Set<Long> redisServers() {
    return ProcessHandle.current().children().filter(ProcessHandle::isAlive)
        .map(ProcessHandle::pid).collect(Collectors.toSet());
  }
}
