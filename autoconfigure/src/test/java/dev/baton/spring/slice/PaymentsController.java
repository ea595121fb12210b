package dev.baton.spring.slice;

import dev.baton.annotation.Limited;
import java.util.concurrent.CompletableFuture;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * One payment at a time ({@code baton.semaphores.payments.permits=1}). A payment answers "paid"
 * at once, unless a test holds the next one: that one then says it has started and answers
 * when the test releases it, holding the permit until then.
 */
@RestController
public class PaymentsController {

  private volatile Held next;

  /** The next payment to start waits for {@link Held#release()}. */
  public Held holdNextPayment() {
    Held held = new Held(new CompletableFuture<>(), new CompletableFuture<>());
    next = held;
    return held;
  }

  @GetMapping("/pay")
  @Limited(value = "payments", timeout = "200ms")
  public CompletableFuture<String> pay() {
    Held held = next;
    next = null;
    if (held == null) {
      return CompletableFuture.completedFuture("paid");
    }
    held.started().complete(null);
    return held.release();
  }

  /** A payment held: {@code started} once it runs, it answers what {@code release} gets. */
  public record Held(CompletableFuture<Void> started, CompletableFuture<String> release) {
  }
}
