package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * Where a Sentinel says the master is, matched against where a connection is: an address literal
 * written another way is the same server, so a backend does not drop its own healthy
 * connections. Regression: with an IPv6 master (Sentinel writes {@code ::1}, Java
 * {@code 0:0:0:0:0:0:0:1}) every Sentinel (re)connect dropped both connections, and the connect
 * itself failed.
 */
class ConnectionsTest {

  @Test
  void anAddressWrittenAnotherWayIsTheSameServer() {
    InetSocketAddress ipv6 = new InetSocketAddress("0:0:0:0:0:0:0:1", 6379);
    assertThat(Connections.isAt(ipv6, "::1", 6379)).isTrue();
    assertThat(Connections.isAt(ipv6, "0:0:0:0:0:0:0:1", 6379)).isTrue();
    assertThat(Connections.isAt(new InetSocketAddress("127.0.0.1", 6379), "127.0.0.1", 6379))
        .isTrue();
    assertThat(Connections.isAt(InetSocketAddress.createUnresolved("redis-a", 6379), "redis-a",
        6379)).isTrue();
  }

  @Test
  void anotherAddressOrPortIsAnotherServer() {
    InetSocketAddress ipv6 = new InetSocketAddress("::1", 6379);
    assertThat(Connections.isAt(ipv6, "::2", 6379)).isFalse();
    assertThat(Connections.isAt(ipv6, "::1", 6380)).isFalse();
    assertThat(Connections.isAt(new InetSocketAddress("127.0.0.1", 6379), "127.0.0.2", 6379))
        .isFalse();
    assertThat(Connections.isAt(InetSocketAddress.createUnresolved("redis-a", 6379), "redis-b",
        6379)).isFalse();
  }
}
