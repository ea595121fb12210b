package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.redis.RedisBackend;
import dev.baton.redis.RedisServer;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code spring.data.redis.ssl.enabled=true} without an SSL bundle: Baton's own connections use
 * TLS and trust what the JVM's default trust store trusts. A real {@code redis-server} serves TLS
 * with a certificate for {@code 127.0.0.1} signed by a CA that {@code openssl} makes for the
 * test (clients need no certificate); the CA is put in a PKCS12 file that
 * {@code javax.net.ssl.trustStore} names for the duration of a test. Spring Boot hands Baton its
 * system-default SSL bundle, whose trust managers the JDK builds from that property when the
 * context starts (not from the cached default {@code SSLContext}), so the control, the same
 * context without the property (the JDK's own {@code cacerts}, which lacks the CA), fails to
 * connect, whichever of the two runs first in the JVM.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisDefaultTrustStoreTest {

  private static final String PASSWORD = "changeit";

  @TempDir
  static Path certs;

  static RedisServer server;
  static int tlsPort;

  @BeforeAll
  static void start() throws Exception {
    // Built once per JVM, from the properties of that moment: now, before a test changes them.
    SSLContext.getDefault();
    Path caKey = certs.resolve("ca-key.pem");
    Path ca = certs.resolve("ca.pem");
    Path key = certs.resolve("key.pem");
    Path request = certs.resolve("server.csr");
    Path cert = certs.resolve("cert.pem");
    Path extensions = Files.writeString(certs.resolve("server.ext"),
        "subjectAltName=IP:127.0.0.1\n");
    Openssl.run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=Baton test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-keyout", caKey.toString(), "-out", ca.toString());
    Openssl.run("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", key.toString(), "-out", request.toString());
    Openssl.run("x509", "-req", "-in", request.toString(), "-CA", ca.toString(),
        "-CAkey", caKey.toString(), "-CAcreateserial", "-days", "1",
        "-extfile", extensions.toString(), "-out", cert.toString());
    KeyStore trustStore = KeyStore.getInstance("PKCS12");
    trustStore.load(null, null);
    try (InputStream in = Files.newInputStream(ca)) {
      Certificate caCertificate = CertificateFactory.getInstance("X.509")
          .generateCertificate(in);
      trustStore.setCertificateEntry("baton-test-ca", caCertificate);
    }
    try (OutputStream out = Files.newOutputStream(certs.resolve("trust.p12"))) {
      trustStore.store(out, PASSWORD.toCharArray());
    }
    tlsPort = RedisServer.freePort();
    server = RedisServer.startTls(tlsPort, cert, key, ca, false);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
          BatonRedisAutoConfiguration.class, BatonAutoConfiguration.class))
      .withPropertyValues("baton.backend=redis", "baton.redis.lease=1s",
          "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + tlsPort,
          "spring.data.redis.ssl.enabled=true");

  @Test
  @Order(1)
  void runWithSslEnabledShouldConnectTrustingTheJvmsDefaultTrustStore() {
    withDefaultTrustStore(certs.resolve("trust.p12"), () -> contextRunner.run(context -> {
      assertThat(context).hasNotFailed();
      RedisBackend backend = context.getBean(RedisBackend.class);
      await().atMost(Duration.ofSeconds(10)).until(() -> !backend.isQuarantined());
      AsyncLock ledger = context.getBean(PrimitiveRegistry.class).lock("ledger");
      Permit held = ledger.acquire().get(5, TimeUnit.SECONDS);
      assertThat(server.keys()).contains("{baton:lock:ledger}:holders");
      CompletableFuture<Permit> waiting = ledger.acquire();
      await().until(() -> ledger.waiters() == 1);
      held.release();
      Permit next = waiting.get(5, TimeUnit.SECONDS);
      assertThat(next.token()).isGreaterThan(held.token());
      next.release();
      await().until(() -> server.keys().isEmpty());
    }));
  }

  /** The control: the JDK's own trust store lacks the test's CA, so the handshake fails. */
  @Test
  @Order(2)
  void runWithSslEnabledButWithoutTheTrustStoreShouldFailToConnect() {
    withDefaultTrustStore(null, () -> contextRunner.run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure())
          .hasStackTraceContaining("Redis at 127.0.0.1:" + tlsPort + " is unavailable")
          .hasStackTraceContaining("unable to find valid certification path");
    }));
  }

  /**
   * Spring Boot's system-default bundle also reads {@link SSLContext#getDefault()}, which the JDK
   * builds once per JVM from the properties of that moment: the tests leave it as the JDK's own,
   * not trusting the test's CA, for the test classes that run after them in the same JVM.
   */
  @Test
  @Order(3)
  void theJvmsDefaultSslContextShouldNotTrustTheTestsCaAfterwards() throws Exception {
    try (SSLSocket socket = (SSLSocket) SSLContext.getDefault().getSocketFactory()
        .createSocket("127.0.0.1", tlsPort)) {
      assertThatThrownBy(socket::startHandshake).isInstanceOf(SSLHandshakeException.class);
    }
  }

  /**
   * Runs {@code test} with the JVM's default trust store at {@code trustStore} (or, if null, the
   * JDK's own), then restores the properties that were set before.
   */
  private static void withDefaultTrustStore(Path trustStore, Runnable test) {
    Map<String, String> properties = new HashMap<>();
    properties.put("javax.net.ssl.trustStore",
        trustStore == null ? null : trustStore.toString());
    properties.put("javax.net.ssl.trustStorePassword", trustStore == null ? null : PASSWORD);
    properties.put("javax.net.ssl.trustStoreType", trustStore == null ? null : "PKCS12");
    Map<String, String> before = new HashMap<>();
    properties.keySet().forEach(name -> before.put(name, System.getProperty(name)));
    try {
      properties.forEach(RedisDefaultTrustStoreTest::setOrClear);
      test.run();
    } finally {
      before.forEach(RedisDefaultTrustStoreTest::setOrClear);
    }
  }

  private static void setOrClear(String name, String value) {
    if (value == null) {
      System.clearProperty(name);
    } else {
      System.setProperty(name, value);
    }
  }
}
