package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.Permit;
import dev.baton.redis.RedisBackend;
import dev.baton.redis.RedisServer;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Baton's own connections use TLS with the SSL bundle that {@code spring.data.redis.ssl.bundle}
 * names, against a real {@code redis-server} that accepts only TLS clients presenting a
 * certificate it trusts. The certificate, for {@code 127.0.0.1}, is made for the test by
 * {@code openssl}.
 */
class RedisTlsTest {

  @TempDir
  static Path certs;

  static RedisServer server;
  static int tlsPort;

  @BeforeAll
  static void start() throws Exception {
    Openssl.run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        "-keyout", certs.resolve("key.pem").toString(),
        "-out", certs.resolve("cert.pem").toString());
    tlsPort = RedisServer.freePort();
    server = RedisServer.startTls(tlsPort, certs.resolve("cert.pem"), certs.resolve("key.pem"),
        certs.resolve("cert.pem"), true);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class,
          DataRedisAutoConfiguration.class, BatonRedisAutoConfiguration.class,
          BatonAutoConfiguration.class))
      .withPropertyValues("baton.backend=redis", "baton.redis.lease=1s",
          "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + tlsPort);

  @Test
  void runWithAnSslBundleShouldConnectOverTlsWithItsCertificates() {
    contextRunner.withPropertyValues(redisBundle()).run(context -> {
      assertThat(context).hasNotFailed();
      RedisBackend backend = context.getBean(RedisBackend.class);
      await().atMost(Duration.ofSeconds(10)).until(() -> !backend.isQuarantined());
      Permit permit = context.getBean(PrimitiveRegistry.class).lock("ledger").acquire()
          .get(5, TimeUnit.SECONDS);
      assertThat(server.keys()).contains("{baton:lock:ledger}:holders");
      permit.release();
      await().until(() -> server.keys().isEmpty());
    });
  }

  /**
   * The bundle's {@code options.enabled-protocols} and {@code options.ciphers} bound Baton's
   * handshake: against a server that speaks only TLSv1.3 with one cipher suite, a bundle that
   * allows them connects, and one that allows only another protocol or suite is refused.
   */
  @ParameterizedTest
  @CsvSource({"enabled-protocols, TLSv1.3, true", "enabled-protocols, TLSv1.2, false",
      "ciphers, TLS_AES_256_GCM_SHA384, true", "ciphers, TLS_AES_128_GCM_SHA256, false"})
  void runWithTheBundlesProtocolsOrCiphersShouldHandshakeWithThoseOnly(String option,
      String value, boolean connects) throws Exception {
    int strictPort = RedisServer.freePort();
    try (RedisServer strict = RedisServer.start("--tls-port", Integer.toString(strictPort),
        "--tls-cert-file", certs.resolve("cert.pem").toString(),
        "--tls-key-file", certs.resolve("key.pem").toString(),
        "--tls-ca-cert-file", certs.resolve("cert.pem").toString(), "--tls-auth-clients", "no",
        "--tls-protocols", "TLSv1.3", "--tls-ciphersuites", "TLS_AES_256_GCM_SHA384")) {
      contextRunner.withPropertyValues(redisBundle()).withPropertyValues(
          "spring.ssl.bundle.pem.redis.options." + option + "=" + value,
          "spring.data.redis.port=" + strictPort, "spring.data.redis.timeout=2s")
          .run(context -> {
            if (connects) {
              assertThat(context).hasNotFailed();
              context.getBean(PrimitiveRegistry.class).event("ready").set();
              assertThat(strict.keys()).contains("{baton:event:ready}");
            } else {
              assertThat(context).hasFailed();
            }
          });
    }
  }

  /** The control: the same TLS port without the bundle's certificates is refused. */
  @Test
  void runWithTlsButWithoutTheBundleShouldFailToConnect() {
    contextRunner.withPropertyValues("spring.data.redis.ssl.enabled=true")
        .run(context -> assertThat(context).hasFailed());
  }

  /** The SSL bundle {@code redis}, with the test's certificate, named for Spring Data Redis. */
  private static String[] redisBundle() {
    return new String[] {
        "spring.ssl.bundle.pem.redis.keystore.certificate=" + certs.resolve("cert.pem").toUri(),
        "spring.ssl.bundle.pem.redis.keystore.private-key=" + certs.resolve("key.pem").toUri(),
        "spring.ssl.bundle.pem.redis.truststore.certificate=" + certs.resolve("cert.pem").toUri(),
        "spring.data.redis.ssl.bundle=redis"};
  }
}
