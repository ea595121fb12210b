package dev.baton.redis;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncQueue;
import dev.baton.QueueShutdownException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link AsyncQueue} in Redis (see {@code queue-prelude.lua} for the keys and invariants),
 * shared by every JVM that uses the same name: {@link RedisBackend#queue} states the contract.
 *
 * <p>Implementation overview. Takes and puts that must wait are {@link QueueCall}s, in
 * {@link #calls} from the moment their script is sent until settled, and renewed by the tick.
 * An item taken is "handed" in Redis until this JVM acknowledges it (ACK, sent after the caller's
 * future completed) or gives it back (CANCEL, when that future was already cancelled), and
 * renewed by the tick until then ({@link #handing}): an item is never dropped between Redis and
 * the caller, nor taken again while the caller's callbacks run. A put that waits is a
 * reservation in Redis; a take that makes room commits it and tells its JVM ('C'), which
 * acknowledges. Messages on this JVM's channel, the replies of PUT and TAKE and those of RENEW
 * may all report the same outcome: whoever settles the call ({@link QueueCall#answer()}) acts on
 * it; the others undo what they report only if the caller withdrew the call meanwhile.
 */
final class RedisQueue<T>
    implements AsyncQueue<T>, RemoteLevels, RemoteQueueLevels, Participant {

  private static final Logger log = LoggerFactory.getLogger(RedisQueue.class);
  /** Most ids one RENEW call carries. */
  private static final int BATCH = 500;

  private final RedisBackend backend;
  private final String name;
  private final QueueSpec<T> spec;
  private final ItemCodec<T> codec;
  private final String[] keys;
  private final String kind;
  private final String doneChannel;
  /** This JVM's waiting takes and puts, by id; whoever removes one settles it. */
  private final ConcurrentHashMap<String, QueueCall<?>> calls = new ConcurrentHashMap<>();
  /**
   * Ids of calls withdrawn here whose CANCEL has not come back yet: {@link #takers()} and
   * {@link #putters()} leave them out, so that a withdrawn call is no longer counted once its
   * failure can be seen. An id leaves when its CANCEL comes back, answered or failed: a failed
   * one is sent again, and until Redis runs it the counts may include its call.
   */
  private final Set<String> withdrawing = ConcurrentHashMap.newKeySet();
  /**
   * Ids of takes whose item is being handed to their caller, renewed with the waiting calls until
   * their ACK or CANCEL is sent: the caller's callbacks, run as its future completes, may outlast
   * a lease, after which Redis would give the item back for another take.
   */
  private final Set<String> handing = ConcurrentHashMap.newKeySet();
  private final QueueJoins joins = new QueueJoins();

  RedisQueue(RedisBackend backend, String name, String tag, QueueSpec<T> spec,
      ItemCodec<T> codec) {
    this.backend = backend;
    this.name = name;
    this.spec = Objects.requireNonNull(spec, "spec");
    this.codec = Objects.requireNonNull(codec, "codec");
    this.keys = new String[] {tag + ":meta", tag + ":items", tag + ":data", tag + ":takers",
        tag + ":putters", tag + ":alive", tag + ":handed"};
    this.kind = spec.order().name().toLowerCase(java.util.Locale.ROOT);
    this.doneChannel = backend.keyPrefix() + ":queue-done:" + tag;
  }

  // ---- puts ----

  @Override
  public CompletableFuture<Void> put(T item) {
    return putFor(item, null);
  }

  @Override
  public CompletableFuture<Void> put(T item, Duration timeout) {
    Objects.requireNonNull(item, "item");
    return putFor(item, LongTimeouts.countable(Objects.requireNonNull(timeout, "timeout")));
  }

  /** A put of {@code item}, bounded by {@code timeout} unless it is null. */
  private CompletableFuture<Void> putFor(T item, Duration timeout) {
    String payload = encode(item);
    String score = spec.scoreOf(item);
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      return offerAsync(score, payload).thenApply(added -> {
        if (!added) {
          throw new AcquireTimeoutException("room in queue '" + name + "'", timeout);
        }
        return null;
      });
    }
    QueueCall<Void> call = new QueueCall<>(backend.nextId(), deadline(timeout), score, payload);
    sendWaiting(call, timeout, "room in queue '" + name + "'", () -> sendPut(call, "wait"));
    return call.future;
  }

  @Override
  public boolean offer(T item) {
    return backend.await(offerAsync(spec.scoreOf(item), encode(item)));
  }

  private CompletableFuture<Boolean> offerAsync(String score, String payload) {
    long notAfter = backend.redisNow() + backend.commandTimeoutMillis();
    String[] args = args(notAfter, backend.nextId(), "try", score, payload);
    return backend.send(
            redis -> backend.<List<Object>>run(Scripts.QUEUE_PUT, redis, keys, args))
        .handleAsync((reply, failure) -> switch (status(failure, reply)) {
          case "DONE" -> true;
          case "FULL" -> false;
          case "SHUT" -> throw closedToPuts();
          case "FAILED" -> throw translate(failure);
          default -> throw late();
        }, backend.callbacks());
  }

  /**
   * Sends ({@code wait}) or, after Redis forgot it, sends {@code again} the PUT of a call, in a
   * send step of the backend.
   */
  private void sendPut(QueueCall<Void> call, String mode) {
    backend.<List<Object>>runWaiting(Scripts.QUEUE_PUT, keys, call, call::isWaiting,
            at -> args(notAfter(call, at), call.id, mode, call.score, call.payload))
        .whenComplete((sent, failure) -> { // before the reply of a later CANCEL (timeOut)
          if (failure != null) {
            if (!TryAgain.isTryAgain(failure) && !Scripts.isNotSent(failure)) {
              call.putFailed(failure); // else refused, or never written: it surely did not run
            }
          } else if ("DONE".equals(sent.reply().get(0))) {
            call.doneInRedis();
          }
        })
        .whenCompleteAsync((sent, failure) -> {
          if (failure != null) {
            fail(call, translate(failure), true);
            return;
          }
          List<Object> reply = sent.reply();
          long notAfter = notAfter(call, sent.at());
          switch ((String) reply.get(0)) {
            case "DONE" -> settle(call, reply.size() > 1);
            case "QUEUED" -> waits(call);
            case "SHUT" -> fail(call, closedToPuts(), false);
            default -> late(call, notAfter);
          }
        }, backend.callbacks());
  }

  // ---- takes ----

  @Override
  public CompletableFuture<T> take() {
    return takeFor(null);
  }

  @Override
  public CompletableFuture<T> take(Duration timeout) {
    return takeFor(LongTimeouts.countable(Objects.requireNonNull(timeout, "timeout")));
  }

  /** A take, bounded by {@code timeout} unless it is null. */
  private CompletableFuture<T> takeFor(Duration timeout) {
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      return pollAsync(timeout);
    }
    QueueCall<T> call = new QueueCall<>(backend.nextId(), deadline(timeout), null, null);
    sendWaiting(call, timeout, anItem(), () -> sendTake(call));
    return call.future;
  }

  /** What a take waits for, as its timeout names it. */
  private String anItem() {
    return "an item of queue '" + name + "'";
  }

  @Override
  public T poll() {
    return backend.await(pollAsync(null));
  }

  /**
   * A take that does not wait: its item, or, the queue empty, null ({@code timeout} null: a poll)
   * or an {@link AcquireTimeoutException} for {@code timeout}. The caller holds the future that
   * {@link #hand} completes, so that cancelling it gives back the item Redis handed it.
   */
  private CompletableFuture<T> pollAsync(Duration timeout) {
    backend.requireOpen();
    String id = backend.nextId();
    long notAfter = backend.redisNow() + backend.commandTimeoutMillis();
    CompletableFuture<T> result = new CompletableFuture<>();
    long sending = backend.sendingTry(id, result, () -> cancel(id));
    if (sending == 0) {
      return result;
    }
    try {
      backend.<List<Object>>run(Scripts.QUEUE_TAKE, backend.redis(), keys,
              args(notAfter, id, "try"))
          .whenCompleteAsync((reply, failure) -> answered(id, result, timeout, reply, failure),
              backend.callbacks());
    } finally {
      backend.endGrantStep(sending);
    }
    return result;
  }

  /** The reply to poll {@code id} (see {@link #pollAsync}), whose caller holds {@code result}. */
  private void answered(String id, CompletableFuture<T> result, Duration timeout,
      List<Object> reply, Throwable failure) {
    long step = backend.answeredTry(id);
    if (step == 0) {
      return; // close() withdrew it, giving back an item Redis handed it
    }
    switch (status(failure, reply)) {
      case "ITEM" -> {
        if (!backend.givenBackIfClosing(step, result, () -> cancel(id))) { // as receive()
          hand(id, result, (String) reply.get(1));
        }
      }
      case "EMPTY" -> {
        backend.endGrantStep(step);
        if (timeout == null) {
          result.complete(null);
        } else {
          result.completeExceptionally(
              new AcquireTimeoutException(anItem(), timeout));
        }
      }
      case "SHUT" -> {
        backend.endGrantStep(step);
        result.completeExceptionally(drained());
      }
      case "FAILED" -> {
        RuntimeException translated = translate(failure);
        if (translated instanceof RedisUnavailableException) {
          cancel(id); // Redis may have handed it an item before the failure: give it back
        }
        backend.endGrantStep(step);
        result.completeExceptionally(translated);
      }
      default -> {
        backend.endGrantStep(step);
        result.completeExceptionally(late());
      }
    }
  }

  /**
   * Sends (or, after Redis forgot it, sends again) the TAKE of {@code call}, in a send step of
   * the backend.
   */
  private void sendTake(QueueCall<T> call) {
    backend.<List<Object>>runWaiting(Scripts.QUEUE_TAKE, keys, call, call::isWaiting,
            at -> args(notAfter(call, at), call.id, "wait"))
        .whenCompleteAsync((sent, failure) -> {
          if (failure != null) {
            fail(call, translate(failure), true);
            return;
          }
          List<Object> reply = sent.reply();
          long notAfter = notAfter(call, sent.at());
          switch ((String) reply.get(0)) {
            case "ITEM" -> receive(call, (String) reply.get(1));
            case "QUEUED" -> waits(call);
            case "SHUT" -> fail(call, drained(), false);
            default -> late(call, notAfter);
          }
        }, backend.callbacks());
  }

  /**
   * An item handed to take {@code call} in Redis, by reply, message or renewal. Once the backend
   * has begun closing, the take fails as close() fails those it finds, and the item goes back to
   * the head: it is not handed to an instance that is going, whose ACK might never be sent.
   */
  private void receive(QueueCall<T> call, String payload) {
    long step = backend.enterGrantStep();
    if (step == 0) {
      return; // close() has withdrawn the call, giving back what Redis handed it
    }
    if (call.answer()) {
      settled(call);
      if (!backend.givenBackIfClosing(step, call.future, () -> cancel(call.id))) {
        hand(call.id, call.future, payload);
      }
      return;
    }
    try {
      if (call.isWithdrawn()) {
        cancel(call.id); // withdrawn before Redis handed it the item: give the item back
      }
    } finally {
      backend.endGrantStep(step);
    }
  }

  /**
   * Completes {@code future} with the item handed to {@code id}, then acknowledges it; gives it
   * back if the future was completed (cancelled) first. The hand-off is renewed until then
   * ({@link #handing}). An item that cannot be decoded (the codec throws, an {@link Error} such as
   * a missing class too, or reads it as null) fails this take and is dropped, its task done: it
   * would fail every taker, and no taker holds it to call {@code taskDone()} for.
   */
  private void hand(String id, CompletableFuture<T> future, String payload) {
    T item;
    try {
      item = codec.decode(payload);
      if (item == null) {
        throw new IllegalStateException("the codec read it as null");
      }
    } catch (RuntimeException | Error e) {
      ack(id, true);
      future.completeExceptionally(new IllegalStateException("queue '" + name + "': an item"
          + " could not be decoded and was dropped", e));
      return;
    }
    handing.add(id);
    try {
      if (future.complete(item)) {
        ack(id, false);
      } else {
        cancel(id);
      }
    } finally {
      handing.remove(id);
    }
  }

  // ---- waiting calls ----

  /**
   * Makes {@code call} one of this JVM's waiting calls and sends it with {@code send}, in a send
   * step of the backend; once the backend has begun closing, fails the call as close() fails
   * them instead, and sends nothing.
   */
  private void sendWaiting(QueueCall<?> call, Duration timeout, String what, Runnable send) {
    backend.requireOpen();
    backend.sendWait(call.future, () -> {
      calls.put(call.id, call);
      call.future.onGiveUp = () -> withdraw(call);
      backend.expect(call.id, message -> onMessage(call, message));
      call.future.whenComplete((ok, failure) -> {
        if (failure != null) {
          withdraw(call);
        }
      });
      if (timeout != null) {
        call.timeOut = () -> timeOut(call, new AcquireTimeoutException(what, timeout));
        call.timer = backend.timers().schedule(() -> backend.callbacks().execute(call.timeOut),
            timeout.toNanos(), TimeUnit.NANOSECONDS);
      }
      send.run();
    });
  }

  /**
   * Fails {@code call} with {@code timedOut} once Redis has withdrawn it, so that no count
   * ({@link #takers()}, {@link #putters()}) includes it when its failure is seen; does nothing if
   * Redis answered it first. A put that Redis committed before the withdrawal reached it counts
   * as done, its item being in the queue: the CANCEL says so, or, for one that went straight
   * into the queue and left no trace of its id, its PUT's reply, which came before. A put whose
   * CANCEL failed may yet be committed (the CANCEL is sent again later), and one whose PUT failed
   * and whose CANCEL found nothing may have gone straight into the queue: each fails with that
   * failure, not as timed out, which would say that its item was not added.
   */
  @SuppressWarnings("unchecked")
  private void timeOut(QueueCall<?> call, AcquireTimeoutException timedOut) {
    if (call.withdraw()) {
      settled(call);
      cancel(call.id).whenCompleteAsync((reply, failure) -> {
        Throwable unsure = failure != null ? failure
            : "UNKNOWN".equals(reply) ? call.putFailure() : null;
        if (!call.isPut()) {
          call.future.completeExceptionally(timedOut);
        } else if ("COMMITTED".equals(reply) || call.isDoneInRedis()) {
          ((QueueCall<Void>) call).future.complete(null);
        } else if (unsure != null) {
          call.future.completeExceptionally(translate(unsure));
        } else {
          call.future.completeExceptionally(timedOut);
        }
      }, backend.callbacks());
    }
  }

  @SuppressWarnings("unchecked")
  private void onMessage(QueueCall<?> call, String message) {
    if (message.startsWith("I ")) {
      receive((QueueCall<T>) call, message.substring(2));
    } else if (message.equals("C")) {
      settle((QueueCall<Void>) call, true);
    } else if (message.equals("S")) {
      fail(call, call.isPut() ? closedToPuts() : drained(), false);
    }
  }

  /** A put done in Redis: completes it and acknowledges the commit if Redis remembers it. */
  private void settle(QueueCall<Void> call, boolean remembered) {
    if (call.answer()) {
      settled(call);
      call.future.complete(null);
    }
    if (remembered) {
      ack(call.id, false);
    }
  }

  /**
   * A reply that left {@code call} waiting in Redis: renewed from now on, or undone if the caller
   * gave up meanwhile.
   */
  private void waits(QueueCall<?> call) {
    call.confirm();
    if (call.isWithdrawn()) {
      cancel(call.id);
    }
  }

  /**
   * Fails {@code call}: with Redis's answer ({@code inRedis} false: Redis no longer has it), or
   * after a failed command, withdrawing it from Redis, which may still have it.
   */
  private void fail(QueueCall<?> call, RuntimeException failure, boolean inRedis) {
    if (inRedis ? call.withdraw() : call.answer()) {
      settled(call);
      call.future.completeExceptionally(failure);
      if (inRedis) {
        cancel(call.id);
      }
    }
  }

  /** The caller gave up (cancel, timeout): withdraws the call from Redis. */
  private void withdraw(QueueCall<?> call) {
    if (call.withdraw()) {
      settled(call);
      withdrawing.add(call.id);
      cancel(call.id);
    }
  }

  private void settled(QueueCall<?> call) {
    calls.remove(call.id, call);
    backend.forget(call.id);
    call.cancelTimer();
  }

  /**
   * Withdraws {@code id} from Redis: a waiting call leaves, an item handed to a take goes back;
   * a put already committed stays committed (its item is in the queue).
   */
  private CompletableFuture<String> cancel(String id) {
    return backend.<String>run(Scripts.QUEUE_CANCEL, backend.redis(), keys, args(0, id))
        .whenComplete((reply, failure) -> {
          withdrawing.remove(id);
          if (failure != null) {
            log.debug("Could not withdraw {} from queue '{}' on Redis at {}; sent again once it"
                + " answers", id, name, backend.address(), failure);
            backend.sendAgain(id, () -> cancel(id));
          } else if ("COMMITTED".equals(reply)) {
            log.debug("Put {} on queue '{}' was committed before its cancel reached Redis: its"
                + " item stays in the queue", id, name);
          }
        });
  }

  /**
   * Tells Redis that {@code id}'s outcome reached this JVM ({@code dropped}: its item could not
   * be read back, so its task is done too). Sent again while the hand-off's lease lasts if it
   * fails: an item handed to a take that Redis never heard acknowledged would go back into the
   * queue when that lease runs out, and be taken a second time.
   */
  private void ack(String id, boolean dropped) {
    backend.run(Scripts.QUEUE_ACK, backend.redis(), keys, args(0, dropped ? "1" : "0", id))
        .whenComplete((n, failure) -> {
          if (failure != null) {
            log.debug("Could not acknowledge {} on queue '{}'; sent again once Redis answers",
                id, name, failure);
            backend.sendAgain(id, () -> ack(id, dropped));
          }
        });
  }

  /**
   * Renews this JVM's calls that Redis confirmed waiting, and the items being handed
   * ({@link #handing}); claims what the calls' messages missed, wakes joins.
   */
  @Override
  public CompletableFuture<Long> renew(long sentAt) {
    List<String> ids = new ArrayList<>(handing);
    calls.values().stream().filter(QueueCall::isConfirmed).forEach(call -> ids.add(call.id));
    List<CompletableFuture<Void>> sent = new ArrayList<>();
    long readsBefore = joins.reads();
    int from = 0;
    do {
      List<String> batch = ids.subList(from, Math.min(ids.size(), from + BATCH));
      String[] more = batch.toArray(String[]::new);
      sent.add(backend.<List<Object>>run(Scripts.QUEUE_RENEW, backend.redis(), keys,
              args(0, more))
          .thenAcceptAsync(replies -> {
            for (int i = 0; i < batch.size(); i++) {
              reconcile(calls.get(batch.get(i)), (String) replies.get(i));
            }
            String[] counts = ((String) replies.get(batch.size())).split(" ");
            joins.reconcile(Long.parseLong(counts[0]), Long.parseLong(counts[1]),
                readsBefore);
          }, backend.callbacks()));
      from += BATCH;
    } while (from < ids.size());
    return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new))
        .handle((ok, failure) -> -1L);
  }

  @SuppressWarnings("unchecked")
  private void reconcile(QueueCall<?> call, String reply) {
    if (call == null || !call.isWaiting()) {
      return; // settled meanwhile, or an item being handed: whoever settled it acts on Redis
    }
    switch (reply) {
      case "W" -> { }
      // sent only if the call still waits as it is written (see RedisBackend#runWaiting)
      case "X" -> backend.resend(call.isPut()
          ? () -> sendPut((QueueCall<Void>) call, "again")
          : () -> sendTake((QueueCall<T>) call));
      default -> onMessage(call, reply);
    }
  }

  /**
   * The backend is closing: this JVM's waiting puts, takes and joins fail with a cancellation,
   * and its puts and takes are withdrawn from Redis as any cancelled call is, so that none stays
   * in line to be handed an item or room nobody will take.
   */
  @Override
  public void closing() {
    calls.values().forEach(call -> call.future.completeExceptionally(
        Participant.backendClosed()));
    joins.failAll();
  }

  // ---- work tracking ----

  @Override
  public void taskDone() {
    String[] args = args(backend.redisNow() + backend.commandTimeoutMillis());
    long left = backend.await(backend.send(
        redis -> backend.<Long>run(Scripts.QUEUE_DONE, redis, keys, args)));
    if (left == -2) {
      throw late();
    }
    if (left < 0) {
      throw new IllegalStateException("queue '" + name + "': taskDone() called more times than"
          + " items were put: call it once per item taken");
    }
  }

  @Override
  public CompletableFuture<Void> join() {
    backend.requireOpen();
    QueueJoins.Join join = new QueueJoins.Join();
    CompletableFuture<Void> result = joins.add(join);
    if (backend.failIfClosing(result)) {
      return result; // close() may have failed the joins before this one
    }
    backend.listen(doneChannel, gen -> joins.heard(Long.parseLong(gen)))
        .thenCompose(ok -> backend.redis().hmget(keys[0], "unfinished", "gen")
            .toCompletableFuture())
        .whenCompleteAsync((fields, failure) -> {
          if (failure != null) {
            join.future.completeExceptionally(translate(failure));
          } else {
            joins.read(join, Long.parseLong(fields.get(0).getValueOrElse("0")),
                Long.parseLong(fields.get(1).getValueOrElse("0")));
          }
        }, backend.callbacks());
    return result;
  }


  // ---- shutdown ----

  @Override
  public void shutdown() {
    shutdown("1");
  }

  @Override
  public void shutdownNow() {
    shutdown("2");
  }

  private void shutdown(String level) {
    long more;
    do {
      String[] args = args(backend.redisNow() + backend.commandTimeoutMillis(), level);
      more = backend.await(backend.send(
          redis -> backend.<Long>run(Scripts.QUEUE_SHUTDOWN, redis, keys, args)));
      if (more < 0) {
        throw late();
      }
    } while (more > 0);
  }

  @Override
  public boolean isShutdown() {
    return backend.await(backend.redis().hexists(keys[0], "shut").toCompletableFuture());
  }

  // ---- reads ----

  @Override
  public int size() {
    return count(keys[1]);
  }

  @Override
  public boolean isEmpty() {
    return size() == 0;
  }

  @Override
  public boolean isFull() {
    return size() >= spec.capacity();
  }

  @Override
  public int capacity() {
    return spec.capacity();
  }

  @Override
  public int unfinishedTasks() {
    String unfinished = backend.await(backend.redis().hget(keys[0], "unfinished")
        .toCompletableFuture());
    return unfinished == null ? 0 : Integer.parseInt(unfinished);
  }

  @Override
  public int takers() {
    return count(keys[3]);
  }

  @Override
  public int putters() {
    return count(keys[4]);
  }

  /**
   * {@code held}: items queued; {@code waiters}: takes and puts waiting, in every JVM; unknown
   * as its queue levels are.
   */
  @Override
  public Levels levels() {
    QueueLevels levels = queueLevels();
    return new Levels(levels.size(), levels.putters() + levels.takers(), levels.known());
  }

  @Override
  public QueueLevels queueLevels() {
    return backend.snapshots().read(keys[0], () -> {
      var redis = backend.redis();
      var size = redis.zcard(keys[1]).toCompletableFuture();
      var meta = redis.hmget(keys[0], "unfinished", "shut").toCompletableFuture();
      var putters = redis.zcard(keys[4]).toCompletableFuture();
      var takers = redis.zcard(keys[3]).toCompletableFuture();
      return CompletableFuture.allOf(size, meta, putters, takers).thenApply(done -> {
        var unfinished = meta.join().get(0);
        return new QueueLevels(size.join().intValue(),
            unfinished.hasValue() ? Integer.parseInt(unfinished.getValue()) : 0,
            putters.join().intValue(), takers.join().intValue(), meta.join().get(1).hasValue());
      });
    }, QueueLevels.UNKNOWN);
  }

  private int count(String zset) {
    return backend.await(backend.countExcept(zset, withdrawing)).intValue();
  }

  // ---- plumbing ----

  private String encode(T item) {
    Objects.requireNonNull(item, "item");
    String payload = codec.encode(item);
    if ((long) payload.length() * 3 > spec.maxItemBytes()) {
      int bytes = payload.getBytes(StandardCharsets.UTF_8).length;
      if (bytes > spec.maxItemBytes()) {
        throw new IllegalArgumentException("queue '" + name + "': an item of " + bytes
            + " bytes encoded is larger than the limit of " + spec.maxItemBytes() + " bytes"
            + " (QueueSpec.withMaxItemBytes)");
      }
    }
    return payload;
  }

  private String[] args(long notAfter, String... more) {
    String[] queueArgs = new String[4 + more.length];
    queueArgs[0] = kind;
    queueArgs[1] = Integer.toString(spec.capacity());
    queueArgs[2] = Long.toString(notAfter);
    queueArgs[3] = doneChannel;
    System.arraycopy(more, 0, queueArgs, 4, more.length);
    return backend.args(queueArgs);
  }

  /** The Redis time (ms) after which a command for {@code call} sent at {@code sentAt} is late. */
  private long notAfter(QueueCall<?> call, long sentAt) {
    return backend.notAfter(call.notAfter, sentAt);
  }

  private long deadline(Duration timeout) {
    return timeout == null ? Long.MAX_VALUE : backend.redisNow() + timeout.toMillis();
  }

  /** The reply's status, or "FAILED" when the script failed (see {@link #translate}). */
  private static String status(Throwable failure, List<Object> reply) {
    return failure == null ? (String) reply.get(0) : "FAILED";
  }

  /** {@code failure} naming the Redis address, or the declaration conflict it reports. */
  private RuntimeException translate(Throwable failure) {
    RuntimeException translated = backend.translate(failure);
    String message = translated.getMessage();
    if (message != null && message.contains("BATON_QUEUE")) {
      String[] declared = message.replaceAll(".*BATON_QUEUE (\\S+) (\\S+).*", "$1 $2").split(" ");
      return new IllegalStateException("queue '" + name + "' is declared in Redis at "
          + backend.address() + " as " + declared[0] + " with capacity " + declared[1]
          + " by another instance, and this one declares " + kind + " with capacity "
          + spec.capacity() + ": every instance must declare the same", translated);
    }
    return translated;
  }

  /**
   * Redis ran {@code call}'s script after {@code notAfter}, and so did nothing: past the caller's
   * own deadline the call has timed out; past the command's, Redis was too slow to answer.
   */
  private void late(QueueCall<?> call, long notAfter) {
    if (call.notAfter <= notAfter) {
      call.timeOut.run();
    } else {
      fail(call, late(), false);
    }
  }

  private RedisUnavailableException late() {
    return new RedisUnavailableException("Redis at " + backend.address() + " ran a call on queue '"
        + name + "' after the caller's deadline", null);
  }

  private static QueueShutdownException closedToPuts() {
    return new QueueShutdownException("the queue was shut down: it accepts no more items");
  }

  private static QueueShutdownException drained() {
    return new QueueShutdownException("the queue was shut down and has no items left");
  }

  @Override
  public String toString() {
    return spec.order().name().toLowerCase(java.util.Locale.ROOT) + " queue '" + name
        + "' on Redis, capacity " + spec.capacity();
  }
}
