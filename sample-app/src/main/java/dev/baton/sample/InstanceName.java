package dev.baton.sample;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * This instance's name, short and fixed for its life, so that several instances sharing one
 * Redis can tell their orders apart: {@code sample.instance} if set, else {@code host:port}.
 *
 * <p>The name is known at once when {@code sample.instance} or a fixed {@code server.port}
 * gives it; with a random port ({@code server.port=0}) it is known once the web server listens,
 * and {@link #known()} completes then.
 */
@Component
public class InstanceName implements ApplicationListener<WebServerInitializedEvent> {

  /** Completed once, with the name; never changes after. */
  private final CompletableFuture<String> name = new CompletableFuture<>();

  InstanceName(Environment environment) {
    String configured = environment.getProperty("sample.instance", "").strip();
    int port = environment.getProperty("server.port", Integer.class, 8080);
    if (!configured.isEmpty()) {
      name.complete(configured);
    } else if (port > 0) {
      name.complete(host() + ":" + port);
    }
  }

  /** Names a random-port instance after the port its web server got; ignored once named. */
  @Override
  public void onApplicationEvent(WebServerInitializedEvent initialized) {
    if (initialized.getApplicationContext().getServerNamespace() == null) {
      name.complete(host() + ":" + initialized.getWebServer().getPort());
    }
  }

  /** Completes with the name once it is known. */
  public CompletableFuture<String> known() {
    return name.copy();
  }

  /**
   * The name.
   *
   * @throws IllegalStateException before it is known (see {@link #known()})
   */
  public String name() {
    String known = name.getNow(null);
    if (known == null) {
      throw new IllegalStateException("the instance's name is not known before its web server"
          + " listens: set sample.instance or server.port to know it at start-up");
    }
    return known;
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
