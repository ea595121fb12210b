package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.TestServices.OrderingService;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * {@code baton.aspect-order=2147483647} ({@code Ordered.LOWEST_PRECEDENCE}), the value a user
 * sets to run Baton inside {@code @Transactional}.
 *
 * <p>What we observed: the orders of {@code @AwaitsEvent}, {@code @Limited} and {@code @Guarded}
 * are computed as {@code aspectOrder + 1, + 2, + 3} and overflow to {@code Integer.MIN_VALUE},
 * {@code MIN_VALUE + 1} and {@code MIN_VALUE + 2}: those three aspects jump to the highest
 * precedence, so {@code @Guarded} runs <em>outside</em> the transaction (the journal reads
 * begin, body, commit, all with the lock held), the opposite of what the setting asks for, and
 * {@code @SetsEvent}, left at {@code MAX_VALUE}, becomes the innermost Baton aspect.
 */
@SpringBootTest(classes = AspectTestApplication.class, properties = {
    "baton.aspect-order=2147483647",
    "baton.default-timeout=10s",
    "spring.main.banner-mode=off",
    "logging.level.root=warn"})
@Timeout(30)
class AspectOrderAtLowestPrecedenceTest {

  @Autowired
  private SetsEventAspect setsEvent;

  @Autowired
  private AwaitsEventAspect awaitsEvent;

  @Autowired
  private LimitedAspect limited;

  @Autowired
  private GuardedAspect guarded;

  @Autowired
  private OrderingService ordering;

  @Autowired
  private PrimitiveRegistry registry;

  @Test
  void keepsTheDocumentedOrderOfTheFourAspectsWithoutOverflowing() {
    assertThat(List.of(setsEvent.getOrder(), awaitsEvent.getOrder(), limited.getOrder(),
        guarded.getOrder())).isSorted();
  }

  @Test
  void setsEventStaysOutermostSoTheEventIsSetOnlyAfterTheLockIsReleased() {
    AsyncEvent done = registry.event("done-value");
    AsyncLock lock = registry.lock("done-value-lock");
    List<Boolean> lockedWhenSet = Waits.stateWhenSet(done, lock::isLocked);

    ordering.setsAfterGuarded(Probe.finishedByTest());

    assertThat(lockedWhenSet).containsExactly(false);
  }
}
