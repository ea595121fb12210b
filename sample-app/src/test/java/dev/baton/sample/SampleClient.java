package dev.baton.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.json.JsonMapper;

/** Real HTTP calls to a running sample app, answers read as JSON. */
public final class SampleClient {

  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final JsonMapper json = JsonMapper.builder().build();
  private final String base;

  public SampleClient(int port) {
    this.base = "http://localhost:" + port;
  }

  /** {@code GET path}. */
  public HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  /** {@code POST path} without a body. */
  public HttpResponse<String> post(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path))
        .POST(HttpRequest.BodyPublishers.noBody()));
  }

  /** {@code GET path}, expecting 200, read as {@code type}. */
  public <T> T getJson(String path, Class<T> type) {
    return read(get(path), type);
  }

  /** {@code POST path}, expecting 200, read as {@code type}. */
  public <T> T postJson(String path, Class<T> type) {
    return read(post(path), type);
  }

  private <T> T read(HttpResponse<String> response, Class<T> type) {
    if (response.statusCode() != 200) {
      throw new AssertionError(response.request().method() + " " + response.uri() + " answered "
          + response.statusCode() + ": " + response.body());
    }
    return json.readValue(response.body(), type);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(request.timeout(Duration.ofSeconds(20)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
