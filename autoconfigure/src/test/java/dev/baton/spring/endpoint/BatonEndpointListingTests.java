package dev.baton.spring.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;

import dev.baton.AsyncLock;
import dev.baton.spring.NamedPrimitive;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.TestProperties;
import dev.baton.spring.local.DefaultPrimitiveRegistry;
import dev.baton.spring.local.LocalPrimitives;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The endpoint lists each primitive once, however often the registry announces it. */
class BatonEndpointListingTests {

  private final ExecutorService threads = Executors.newFixedThreadPool(2);

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  @Test
  void aPrimitiveAnnouncedTwiceIsListedOnce() {
    NamedPrimitive ledger = new NamedPrimitive(NamedPrimitive.Kind.LOCK, "ledger", AsyncLock.create());
    PrimitiveRegistry registry = mock(PrimitiveRegistry.class);
    doAnswer(call -> {
      Consumer<NamedPrimitive> listener = call.getArgument(0);
      listener.accept(ledger);
      listener.accept(ledger);
      return null;
    }).when(registry).onPrimitive(any());

    BatonEndpoint endpoint = new BatonEndpoint(registry, new LocalPrimitives(), false);

    assertThat(names(endpoint.primitives())).containsExactly("ledger");
    assertThat(endpoint.primitive("ledger").getBody().primitives()).hasSize(1);
  }

  /** Primitives created while the endpoint registers may be announced twice by the registry. */
  @Test
  void primitivesCreatedWhileTheEndpointRegistersAreListedOnceEach() throws Exception {
    for (int round = 0; round < 200; round++) {
      DefaultPrimitiveRegistry registry = new DefaultPrimitiveRegistry(TestProperties.defaults());
      CountDownLatch start = new CountDownLatch(1);
      List<CompletableFuture<Void>> creators = List.of(0, 1).stream()
          .map(creator -> CompletableFuture.runAsync(() -> {
            awaitQuietly(start);
            for (int i = 0; i < 200; i++) {
              registry.lock("lock-" + creator + "-" + i);
            }
          }, threads))
          .toList();

      start.countDown();
      BatonEndpoint endpoint = new BatonEndpoint(registry, new LocalPrimitives(), false);
      CompletableFuture.allOf(creators.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

      assertThat(names(endpoint.primitives())).as("round " + round).doesNotHaveDuplicates()
          .hasSize(400);
    }
  }

  private static List<Object> names(BatonEndpoint.Primitives primitives) {
    return primitives.primitives().stream().map((Map<String, Object> p) -> p.get("name")).toList();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
