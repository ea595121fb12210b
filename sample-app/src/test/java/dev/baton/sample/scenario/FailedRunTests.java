package dev.baton.sample.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.sample.RunningSampleAppTest;
import dev.baton.spring.PrimitiveRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A run whose participant fails ends, answering with the failure, and lets the next run of its
 * scenario start: it neither hangs nor keeps the scenario's run lock.
 */
class FailedRunTests extends RunningSampleAppTest {

  @Autowired
  private PrimitiveRegistry registry;

  /**
   * The condition's lock, held elsewhere for longer than a participant's patience: both waiters
   * give up taking it, so neither is ever waiting for the signal the notifier waits to send.
   */
  @Test
  void aConditionRunWhoseWaitersCannotTakeTheLockEndsAndTheNextRunWorks() throws Exception {
    AsyncLock lock = registry.condition(ConditionScenario.CONDITION).lock();
    Permit heldElsewhere = lock.acquire().join();
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try {
      CompletableFuture<HttpResponse<String>> run = CompletableFuture.supplyAsync(
          () -> client.post("/scenarios/condition"), caller);
      await().atMost(Duration.ofSeconds(5)).until(() -> lock.waiters() == 2);
      await().atMost(Participant.PATIENCE.plusSeconds(5)).until(() -> lock.waiters() == 0);
      heldElsewhere.release();

      HttpResponse<String> failed = run.get(5, TimeUnit.SECONDS);

      assertThat(failed.statusCode()).as(failed.body()).isEqualTo(503);
      assertThat(client.post("/scenarios/condition").statusCode())
          .as("the next run of the scenario").isEqualTo(200);
    } finally {
      heldElsewhere.close();
      caller.shutdownNow();
    }
  }
}
