package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Randomized concurrency tests of {@link AsyncQueue} (FIFO bounded and unbounded, LIFO,
 * priority): producers put and offer unique items, consumers take and poll, with timeouts,
 * cancels from any thread, taskDone and join, and in some runs {@code shutdown()} or
 * {@code shutdownNow()} midway or at the end. Every item whose put succeeded is taken exactly
 * once (unless dropped by shutdownNow), no item of a failed put ever appears, FIFO order per
 * producer holds for FIFO queues, the size exceeds the capacity only by items that cancelled
 * takes gave back, and the work accounting ends at zero. Scaled by
 * {@code baton.stress}; a failure names the seed that replays it ({@code -Dbaton.fuzz.seed}).
 */
class QueueFuzzTest {

  private static final int THREADS = 4;
  private static final int RUNS = 160;
  private static final int OPS_PER_THREAD = 300;
  /** Producer id of items offered from take callbacks: unique, but in no particular order. */
  private static final int UNORDERED = 15;

  @Test
  void randomMixOfPutsTakesCancelsAndShutdownsLosesAndDuplicatesNoItem() {
    Fuzz.repeat("queue mix", RUNS, seed -> new MixRun(seed).run());
  }

  @Test
  void cancelRacingPutOrTakeNeitherLosesNorInventsAnItem() {
    Fuzz.once("queue cancel race",
        seed -> new CancelRace(seed, RACE_ROUNDS * Fuzz.STRESS).run());
  }

  private static final int RACE_ROUNDS = 8_000;

  /**
   * One thread cancels a waiting take (or put) while another puts an item (or takes one),
   * lined up to the same instant. A taker cancelled as its item arrives loses nothing: the item
   * went to it (its cancel lost), to the next taker, or stays queued. A putter cancelled as room
   * appears either got its item in (its cancel lost) or never adds it, and the room goes to the
   * next putter.
   */
  private static final class CancelRace {
    private final long seed;
    private final int rounds;

    CancelRace(long seed, int rounds) {
      this.seed = seed;
      this.rounds = rounds;
    }

    private static final class Round {
      final int index;
      final boolean takerSide;
      final int capacity;
      final AsyncQueue<Long> queue;
      final CompletableFuture<?> first;
      final CompletableFuture<?> second;
      final boolean viaPoll;
      final int spinCancel;
      final int spinOther;
      /**
       * In-transit mode: a waiter W0 just ahead of the cancelled one is served first, and its
       * callback (still on the serving thread) takes or puts again, which grants the cancelled
       * one while its completion is queued behind W0's; the callback then lets the cancel in.
       * If it {@link #holdsDelivery}, the callback waits for the cancel, which loses, taker or
       * putter: the grant is final, so the cancel completes the waiter with it. Otherwise the
       * cancel races the delivery. Nothing is lost either way.
       */
      final boolean inTransit;
      final boolean holdsDelivery;
      final CompletableFuture<?> w0;
      final AtomicInteger step = new AtomicInteger();
      volatile Long callbackTook;
      boolean cancelled;
      boolean doneRightAfterCancel;
      Long otherTook;
      Throwable otherError;

      Round(int index, Random r) {
        this.index = index;
        this.takerSide = r.nextBoolean();
        this.capacity = r.nextInt(3) == 0 ? Integer.MAX_VALUE : 1 + r.nextInt(2);
        this.queue = r.nextBoolean() ? AsyncQueue.bounded(capacity) : AsyncQueue.lifo(capacity);
        this.viaPoll = r.nextBoolean();
        this.spinCancel = r.nextInt(r.nextBoolean() ? 30 : 300);
        this.spinOther = r.nextInt(r.nextBoolean() ? 30 : 300);
        boolean two = r.nextBoolean();
        boolean bounded = capacity != Integer.MAX_VALUE;
        this.inTransit = r.nextInt(4) == 0 && (takerSide || bounded);
        this.holdsDelivery = inTransit && r.nextBoolean();
        if (inTransit && takerSide) {
          w0 = queue.take().thenAccept(x -> {
            queue.offer(2L); // grants the next taker, completed only after this callback
            letTheCancelIn();
          });
        } else if (inTransit) {
          for (int i = 0; i < capacity; i++) {
            queue.offer(100L + i);
          }
          w0 = queue.put(0L).thenRun(() -> {
            callbackTook = queue.poll(); // makes room: grants the next putter
            letTheCancelIn();
          });
        } else {
          w0 = null;
        }
        if (takerSide) {
          // Empty queue, one or two takers waiting; the other thread puts item 1.
          first = r.nextBoolean() ? queue.take() : queue.take(Duration.ofMinutes(1));
          second = two ? queue.take() : null;
        } else {
          // Full queue (items 100...), one or two putters waiting; the other thread takes one.
          int fill = !bounded || inTransit ? 0 : capacity;
          for (int i = 0; i < fill; i++) {
            queue.offer(100L + i);
          }
          if (!bounded) {
            // Unbounded never fills: race a take against a put instead, from an empty queue.
            first = queue.take();
            second = null;
          } else {
            first = r.nextBoolean() ? queue.put(1L) : queue.put(1L, Duration.ofMinutes(1));
            second = two ? queue.put(2L) : null;
          }
        }
      }

      /** W0's callback, having granted the first waiter in transit: lets the cancel in. */
      private void letTheCancelIn() {
        step.set(1);
        if (holdsDelivery) {
          Fuzz.awaitStep(step, 2);
        }
      }
    }

    void run() throws Exception {
      Fuzz.race("queue-other", seed, rounds, Round::new, this::cancelFirst, this::putOrTake,
          this::check);
    }

    private void cancelFirst(Round round) {
      if (round.inTransit) {
        Fuzz.awaitStep(round.step, 1);
      }
      Fuzz.spin(round.spinCancel);
      round.cancelled = round.first.cancel(round.index % 2 == 0);
      round.doneRightAfterCancel = round.first.isDone();
      round.step.set(2);
    }

    private void putOrTake(Round round) {
      Fuzz.spin(round.spinOther);
      try {
        boolean putting = round.takerSide || round.capacity == Integer.MAX_VALUE;
        if (putting) {
          if (round.viaPoll) {
            round.queue.offer(1L);
          } else {
            round.queue.put(1L);
          }
        } else {
          round.otherTook = round.viaPoll ? round.queue.poll() : round.queue.take().getNow(null);
        }
      } catch (Throwable t) {
        round.otherError = t;
      }
    }

    @SuppressWarnings("unchecked")
    private void check(Round round) {
      boolean takerSide = round.takerSide || round.capacity == Integer.MAX_VALUE;
      String where = "seed=" + seed + ", round " + round.index + ", takers cancelled="
          + takerSide + ", capacity=" + round.capacity + ", second=" + (round.second != null)
          + ", inTransit=" + round.inTransit + ", holdsDelivery=" + round.holdsDelivery
          + ", cancelled=" + round.cancelled + ", "
          + round.queue;
      if (round.otherError != null) {
        throw new AssertionError("the racing put/take threw " + round.otherError + "; " + where,
            round.otherError);
      }
      if (round.holdsDelivery) {
        assertThat(round.cancelled).as("a cancel of a %s granted in transit loses; %s",
            round.takerSide ? "taker" : "putter", where).isFalse();
        assertThat(round.w0).as("W0 served; %s", where).isCompleted();
      }
      assertThat(round.doneRightAfterCancel).as("done as soon as cancel returns; %s", where)
          .isTrue();
      assertThat(round.first.isCompletedExceptionally()).as("failed iff cancelled; %s", where)
          .isEqualTo(round.cancelled);
      int size = round.queue.size();
      if (size > 0) {
        assertThat(round.queue.takers()).as("a taker waits beside queued items; %s", where)
            .isZero();
      }
      if (size < round.capacity) {
        assertThat(round.queue.putters()).as("a putter waits with room; %s", where).isZero();
      }
      // Settle the second waiter: withdraw it (a lost withdrawal means it was served).
      if (round.second != null) {
        round.second.cancel(false);
      }
      List<Long> left = new ArrayList<>();
      for (Long x; (x = round.queue.poll()) != null; ) {
        left.add(x);
      }
      List<Long> seen = new ArrayList<>(left);
      if (takerSide) {
        for (CompletableFuture<?> f : java.util.Arrays.asList(round.first, round.second)) {
          if (f != null && !f.isCompletedExceptionally()) {
            seen.add(((CompletableFuture<Long>) f).join());
          }
        }
        if (round.inTransit) {
          seen.add(1L); // taken by W0
          assertThat(seen).as("items 1 and 2 end up exactly once (taken or queued); %s", where)
              .containsExactlyInAnyOrder(1L, 2L);
        } else {
          assertThat(seen).as("item 1 ends up exactly once (taken or queued); %s", where)
              .containsExactly(1L);
        }
      } else {
        if (round.otherTook != null) {
          seen.add(round.otherTook);
        }
        if (round.callbackTook != null) {
          seen.add(round.callbackTook);
        }
        List<Long> expected = new ArrayList<>();
        if (round.inTransit) {
          expected.add(0L); // W0's item
        }
        for (int i = 0; i < round.capacity; i++) {
          expected.add(100L + i);
        }
        if (!round.first.isCompletedExceptionally()) {
          expected.add(1L);
        }
        if (round.second != null && !round.second.isCompletedExceptionally()) {
          expected.add(2L);
        }
        assertThat(seen).as("items of the puts that succeeded, each once, and no other; %s",
            where).containsExactlyInAnyOrderElementsOf(expected);
      }
      assertThat(round.queue.takers() + round.queue.putters()).as("waiters left; %s", where)
          .isZero();
      assertThat(round.queue.unfinishedTasks()).as("unfinished = items put; %s", where)
          .isEqualTo(seen.size());
    }
  }

  private enum Kind { FIFO_BOUNDED, FIFO_UNBOUNDED, LIFO, PRIORITY }

  private enum Shutdown { NONE, SHUTDOWN, SHUTDOWN_NOW }

  private static long item(int producer, long seq) {
    return ((long) producer << 40) | seq;
  }

  private static int producerOf(long item) {
    return (int) (item >>> 40);
  }

  private static long seqOf(long item) {
    return item & ((1L << 40) - 1);
  }

  private static final class MixRun {
    private final long seed;
    private final Kind kind;
    private final int capacity;
    private final AsyncQueue<Long> queue;
    /** Shutdown midway, by which worker at which operation, and how the run ends. */
    private final Shutdown midway;
    private final int shutdownThread;
    private final int shutdownAt;
    private final Shutdown atEnd;
    private final Fuzz.Failures failures = new Fuzz.Failures();
    /** Items whose put completed normally or whose offer returned true. */
    private final Set<Long> putOk = ConcurrentHashMap.newKeySet();
    /** Items whose put failed (cancel, timeout, shutdown) or whose offer returned false. */
    private final Set<Long> putFailed = ConcurrentHashMap.newKeySet();
    /** Items received by a take or poll. */
    private final Set<Long> taken = ConcurrentHashMap.newKeySet();
    /** Items taken and not yet marked done; each gets exactly one taskDone. */
    private final ConcurrentLinkedQueue<Long> toMarkDone = new ConcurrentLinkedQueue<>();
    private final AtomicInteger doneCalls = new AtomicInteger();
    private final AtomicLong unorderedSeq = new AtomicLong();
    private final ConcurrentLinkedQueue<CompletableFuture<?>> all = new ConcurrentLinkedQueue<>();
    /** The put and take futures themselves (all holds their checking dependents). */
    private final ConcurrentLinkedQueue<CompletableFuture<?>> waits = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> joins =
        new ConcurrentLinkedQueue<>();
    /** Per consumer (worker, then the final drain): its takes and polls in the order issued. */
    private final Map<Integer, List<CompletableFuture<Long>>> removals = new ConcurrentHashMap<>();
    private final Fuzz.Ring ring = new Fuzz.Ring(16);
    private final Set<CompletableFuture<?>> withdrawAttempts = ConcurrentHashMap.newKeySet();
    private volatile boolean shutdownNowCalled;

    MixRun(long seed) {
      this.seed = seed;
      Random config = new Random(seed);
      this.kind = Kind.values()[config.nextInt(Kind.values().length)];
      boolean small = config.nextInt(3) != 0;
      this.capacity = switch (kind) {
        case FIFO_BOUNDED -> 1 + config.nextInt(3);
        case FIFO_UNBOUNDED -> Integer.MAX_VALUE;
        default -> small ? 2 : Integer.MAX_VALUE;
      };
      this.queue = switch (kind) {
        case FIFO_BOUNDED -> AsyncQueue.bounded(capacity);
        case FIFO_UNBOUNDED -> AsyncQueue.unbounded();
        case LIFO -> AsyncQueue.lifo(capacity);
        case PRIORITY -> AsyncQueue.priority(capacity);
      };
      int m = config.nextInt(4);
      this.midway = m < 2 ? Shutdown.NONE : m == 2 ? Shutdown.SHUTDOWN : Shutdown.SHUTDOWN_NOW;
      this.shutdownThread = config.nextInt(THREADS);
      this.shutdownAt = config.nextInt(OPS_PER_THREAD);
      int e = config.nextInt(4);
      this.atEnd = e < 2 ? Shutdown.NONE : e == 2 ? Shutdown.SHUTDOWN : Shutdown.SHUTDOWN_NOW;
    }

    private boolean fifo() {
      return kind == Kind.FIFO_BOUNDED || kind == Kind.FIFO_UNBOUNDED;
    }

    void run() throws Exception {
      Fuzz.concurrently("queue-mix", seed, THREADS, this::work);
      // Quiet now but for expiring timeouts, which only remove waiters: no taker may wait while
      // items are queued, no putter while there is room (else it is stranded).
      int size = queue.size();
      if (size > 0) {
        assertThat(queue.takers()).as("takers waiting beside %d queued items; %s", size, state())
            .isZero();
      }
      if (size < capacity) {
        assertThat(queue.putters()).as("putters waiting with room for %d more; %s",
            capacity - size, state()).isZero();
      }
      // End: shut down, or withdraw every pending wait (a lost withdrawal completes normally).
      switch (atEnd) {
        case SHUTDOWN -> queue.shutdown();
        case SHUTDOWN_NOW -> {
          shutdownNowCalled = true;
          queue.shutdownNow();
        }
        default -> waits.forEach(f -> f.cancel(false));
      }
      Fuzz.awaitSettled(all, this::state);
      // Drain what is left, as one more consumer.
      List<CompletableFuture<Long>> drain = new ArrayList<>();
      removals.put(THREADS, drain);
      for (;;) {
        Long x;
        try {
          x = queue.poll();
        } catch (QueueShutdownException drained) {
          break;
        }
        if (x == null) {
          break;
        }
        drain.add(CompletableFuture.completedFuture(x));
        received(x, false);
      }
      markAllDone();
      failures.assertNone(this::state);
      checkItems();
      assertThat(queue.size()).as("size at the end; %s", state()).isZero();
      assertThat(queue.takers()).as("takers at the end; %s", state()).isZero();
      assertThat(queue.putters()).as("putters at the end; %s", state()).isZero();
      assertThat(queue.unfinishedTasks()).as("unfinished tasks at the end; %s", state()).isZero();
      assertThat(queue.join()).as("join at the end; %s", state()).isCompleted();
      // taskDone completes the joins it releases on the calling thread: no waiting needed.
      for (CompletableFuture<Void> j : joins) {
        assertThat(j.isDone()).as("an earlier join; %s", state()).isTrue();
        if (j.isCompletedExceptionally()) {
          assertThat(withdrawAttempts).as("a join failed that nobody withdrew; %s", state())
              .contains(j);
        }
      }
      assertThatThrownBy(queue::taskDone).as("one taskDone too many")
          .isInstanceOf(IllegalStateException.class);
      assertThat(queue.unfinishedTasks()).isZero();
    }

    private String state() {
      return "seed=" + seed + ", kind=" + kind + ", capacity=" + capacity + ", midway=" + midway
          + ", atEnd=" + atEnd + ", " + queue + ", putOk=" + putOk.size() + ", putFailed="
          + putFailed.size() + ", taken=" + taken.size() + ", taskDone=" + doneCalls;
    }

    private void checkItems() {
      for (Long x : taken) {
        if (!putOk.contains(x)) {
          throw new AssertionError("item " + describe(x) + " was taken but its put "
              + (putFailed.contains(x) ? "failed" : "never happened") + "; " + state());
        }
      }
      Set<Long> missing = ConcurrentHashMap.newKeySet();
      missing.addAll(putOk);
      missing.removeAll(taken);
      if (midway != Shutdown.SHUTDOWN_NOW && atEnd != Shutdown.SHUTDOWN_NOW) {
        assertThat(missing).as("items put but never taken (lost); %s", state()).isEmpty();
      } else if (capacity != Integer.MAX_VALUE) {
        // Dropped by shutdownNow: at most a full queue's worth each time.
        int calls = (midway == Shutdown.SHUTDOWN_NOW ? 1 : 0)
            + (atEnd == Shutdown.SHUTDOWN_NOW ? 1 : 0);
        assertThat(missing.size()).as("items dropped by shutdownNow; %s", state())
            .isLessThanOrEqualTo(calls * capacity);
      }
      if (fifo()) {
        checkFifoPerProducer();
      }
    }

    /**
     * A consumer's own takes and polls remove items in the order it issued them (a later one
     * cannot overtake an earlier pending take), and a FIFO queue removes items in the order they
     * went in, which per producer is the order it issued its successful puts. So each consumer
     * must see each producer's items in increasing sequence.
     */
    private void checkFifoPerProducer() {
      removals.forEach((consumer, list) -> {
        Map<Integer, Long> last = new HashMap<>();
        for (CompletableFuture<Long> f : list) {
          if (f.isCompletedExceptionally() || f.join() == null) {
            continue;
          }
          long x = f.join();
          int producer = producerOf(x);
          if (producer == UNORDERED) {
            continue;
          }
          Long previous = last.put(producer, seqOf(x));
          if (previous != null && previous >= seqOf(x)) {
            throw new AssertionError("consumer " + consumer + " got " + describe(x) + " after seq "
                + previous + " of the same producer: FIFO order broken; " + state());
          }
        }
      });
    }

    private static String describe(long x) {
      return "p" + producerOf(x) + "#" + seqOf(x);
    }

    private void work(int thread, Random r) {
      List<CompletableFuture<?>> mine = new ArrayList<>();
      List<CompletableFuture<Long>> myRemovals = new ArrayList<>();
      removals.put(thread, myRemovals);
      long seq = 0;
      for (int op = 0; op < OPS_PER_THREAD; op++) {
        if (thread == shutdownThread && op == shutdownAt && midway != Shutdown.NONE) {
          if (midway == Shutdown.SHUTDOWN_NOW) {
            shutdownNowCalled = true;
            queue.shutdownNow();
          } else {
            queue.shutdown();
          }
          if (!queue.isShutdown()) {
            failures.add("isShutdown() false right after shutdown");
          }
        }
        boolean sawShutdown = queue.isShutdown();
        switch (r.nextInt(16)) {
          case 0, 1, 2 -> mine.add(put(item(thread, seq++), null, sawShutdown, r));
          case 3 -> mine.add(put(item(thread, seq++), Fuzz.shortTimeout(r), sawShutdown, r));
          case 4 -> offer(item(thread, seq++), sawShutdown);
          case 5, 6 -> mine.add(take(myRemovals, null, r));
          case 7 -> mine.add(take(myRemovals, Fuzz.shortTimeout(r), r));
          case 8 -> poll(myRemovals);
          case 9 -> {
            if (!mine.isEmpty()) {
              CompletableFuture<?> f = mine.remove(r.nextInt(mine.size()));
              withdrawAttempts.add(f);
              f.cancel(r.nextBoolean());
            }
          }
          case 10, 11 -> {
            CompletableFuture<?> f = ring.pick(r);
            if (f != null) {
              withdrawAttempts.add(f);
              Fuzz.withdrawSomehow(f, r);
            }
          }
          case 12 -> markOneDone();
          case 13 -> {
            CompletableFuture<Void> j = queue.join();
            joins.add(j); // settled only after the final taskDone calls, so not in all
            if (r.nextInt(4) == 0) {
              ring.add(j, r);
            }
          }
          default -> {
            int size = queue.size();
            if (size < 0 || size > capacity || queue.takers() < 0
                || queue.putters() < 0 || queue.unfinishedTasks() < 0) {
              failures.add("impossible counts: %s", queue);
            }
          }
        }
        mine.removeIf(CompletableFuture::isDone);
        Fuzz.jitter(r);
      }
    }

    private CompletableFuture<Void> put(long x, java.time.Duration timeout, boolean sawShutdown,
        Random r) {
      CompletableFuture<Void> f = timeout == null ? queue.put(x) : queue.put(x, timeout);
      if (sawShutdown && !(f.isCompletedExceptionally()
          && Fuzz.unwrap(f.handle((v, t) -> t).join()) instanceof QueueShutdownException)) {
        failures.add("put after shutdown did not fail at once with QueueShutdownException");
      }
      ring.add(f, r);
      waits.add(f);
      all.add(f.whenComplete((v, t) -> {
        if (t == null) {
          putOk.add(x);
        } else {
          putFailed.add(x);
          expectWithdrawalOrShutdown(t, "put");
        }
      }));
      return f;
    }

    private void offer(long x, boolean sawShutdown) {
      boolean added;
      try {
        added = queue.offer(x);
      } catch (QueueShutdownException e) {
        putFailed.add(x);
        return;
      }
      if (sawShutdown) {
        failures.add("offer after shutdown did not throw");
      }
      (added ? putOk : putFailed).add(x);
    }

    private CompletableFuture<Long> take(List<CompletableFuture<Long>> myRemovals,
        java.time.Duration timeout, Random r) {
      boolean markNow = r.nextBoolean();
      boolean reoffer = r.nextInt(5) == 0;
      CompletableFuture<Long> f = timeout == null ? queue.take() : queue.take(timeout);
      myRemovals.add(f);
      ring.add(f, r);
      waits.add(f);
      all.add(f.whenComplete((x, t) -> {
        if (t != null) {
          expectWithdrawalOrShutdown(t, "take");
          return;
        }
        if (x == null) {
          failures.add("take completed with null");
          return;
        }
        received(x, markNow);
        if (reoffer) {
          offer(item(UNORDERED, unorderedSeq.incrementAndGet()), false);
        }
      }));
      return f;
    }

    private void poll(List<CompletableFuture<Long>> myRemovals) {
      Long x;
      try {
        x = queue.poll();
      } catch (QueueShutdownException drained) {
        if (!queue.isShutdown()) {
          failures.add("poll threw QueueShutdownException before shutdown");
        }
        return;
      }
      if (x != null) {
        myRemovals.add(CompletableFuture.completedFuture(x));
        received(x, true);
      }
    }

    private void received(long x, boolean markNow) {
      if (!taken.add(x)) {
        failures.add("item %s taken twice", describe(x));
      }
      if (markNow) {
        markDone();
      } else {
        toMarkDone.add(x);
      }
    }

    private void markOneDone() {
      if (toMarkDone.poll() != null) {
        markDone();
      }
    }

    private void markAllDone() {
      while (toMarkDone.poll() != null) {
        markDone();
      }
    }

    private void markDone() {
      doneCalls.incrementAndGet();
      try {
        queue.taskDone();
      } catch (IllegalStateException e) {
        failures.add("taskDone for a taken item threw %s (shutdownNow called: %s)", e,
            shutdownNowCalled);
      }
    }

    private void expectWithdrawalOrShutdown(Throwable t, String what) {
      Throwable cause = Fuzz.unwrap(t);
      if (cause instanceof QueueShutdownException) {
        if (!queue.isShutdown()) {
          failures.add("%s failed with QueueShutdownException before shutdown", what);
        }
      } else if (!Fuzz.isWithdrawal(cause)) {
        failures.add("%s failed with %s", what, cause);
      }
    }
  }
}
