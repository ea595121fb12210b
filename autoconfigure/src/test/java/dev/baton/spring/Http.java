package dev.baton.spring;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import org.springframework.context.ConfigurableApplicationContext;

/** Real HTTP GETs against the test's server, one at a time or many in flight at once. */
public final class Http {

  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  private Http() {}

  /** GETs {@code path} from the application's own web server. */
  public static HttpResponse<String> get(ConfigurableApplicationContext application, String path) {
    return get(port(application), path);
  }

  public static HttpResponse<String> get(int port, String path) {
    try {
      return CLIENT.send(request(port, path), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException("GET " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during GET " + path, e);
    }
  }

  /** Starts a GET of {@code path} and returns at once, so that many can be in flight together. */
  public static CompletableFuture<HttpResponse<String>> getAsync(
      ConfigurableApplicationContext application, String path) {
    return CLIENT.sendAsync(request(port(application), path), HttpResponse.BodyHandlers.ofString());
  }

  private static int port(ConfigurableApplicationContext application) {
    return Integer.parseInt(
        application.getEnvironment().getRequiredProperty("local.server.port"));
  }

  private static HttpRequest request(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET().build();
  }
}
