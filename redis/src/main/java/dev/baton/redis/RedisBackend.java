package dev.baton.redis;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionStateAdapter;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.event.connection.ReconnectFailedEvent;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.netty.util.internal.ThreadExecutorMap;
import java.net.SocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * Baton's locks, semaphores, events, conditions, barriers and queues shared by every JVM connected
 * to one Redis: the same {@link AsyncLock}, {@link AsyncSemaphore}, {@link AsyncEvent},
 * {@link AsyncCondition}, {@link AsyncBarrier} and {@link AsyncQueue} contracts, across processes.
 *
 * <p>What it promises, beyond the interfaces' contracts:
 * <ul>
 *   <li>Waiting is FIFO across JVMs and woken by pub/sub push: a release hands the permit to the
 *       oldest live waiter inside Redis. {@code tryAcquire} never barges past a live waiter
 *       anywhere; waiters whose JVM no longer listens are passed over, as by {@code acquire}.
 *   <li>A permit is a lease ({@link RedisBackendOptions#lease()}), renewed for every permit and
 *       waiter of this JVM by one batched call every third of a lease. A JVM that dies loses its
 *       permits within one lease; a permit that could not be renewed in time reads as
 *       {@linkplain RedisPermit#isLost() lost}, is counted in {@link #lostLeases()}, and its
 *       {@code release()} throws {@link LeaseLostException}.
 *   <li>Fencing tokens strictly increase per primitive, also across idle-key deletion and loss of
 *       Redis's data: {@code max(last + 1, Redis time in µs)}.
 *   <li>A cancelled or timed-out wait is withdrawn from Redis; a grant that raced with it passes to
 *       the next waiter.
 *   <li>Redis down: calls fail within their timeout with a {@link RedisUnavailableException}
 *       naming the address; commands are rejected, never buffered, while disconnected, and every
 *       script ignores a call whose caller has given up. The backend reconnects by itself.
 *   <li>Restart quarantine: for one lease after {@code redis-server} starts, nothing is granted,
 *       so a permit held before a restart that lost Redis's data is never granted twice.
 *   <li>No user callback runs on a Netty thread: completions run on this backend's own threads.
 *       Synchronous reads are one bounded round trip, refused on a Netty event loop.
 *   <li>Condition waits and barrier parties are leases too, renewed by the same tick: a JVM that
 *       dies loses its condition waits within one lease, and breaks a barrier its parties waited
 *       at.
 *   <li>An item handed to a take stays in Redis until the taker's JVM acknowledges it: a cancelled
 *       take or a JVM killed before it received the item loses nothing (the item goes back to
 *       the head); a JVM killed after receiving it but before acknowledging may see it taken
 *       again elsewhere.
 * </ul>
 *
 * <p>Keys are {@code {prefix:kind:name}...} (see {@link RedisBackendOptions#keyPrefix()}) and are
 * deleted when nothing is held or waited, but for the ids of released permits, kept until their
 * lease would have run out (for a release sent again); a condition's keys are in its lock's hash
 * slot; a broken barrier's state stays until {@code reset()}. Waits on an event are this JVM's:
 * they are not stored in Redis, and {@link AsyncEvent#waiters()} counts this JVM's.
 */
public final class RedisBackend implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RedisBackend.class);
  /** The error codes of {@link #isPassing} replies. */
  private static final Set<String> PASSING_REPLIES =
      Set.of("TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN", "LOADING", "BUSY", "READONLY");
  /** A permit grant on a JVM's channel after the waiter's id: its token and grant time. */
  private static final java.util.regex.Pattern PERMIT_GRANT =
      java.util.regex.Pattern.compile("\\d+ \\d+");

  private final Connections connections;
  private final RedisClusterAsyncCommands<String, String> redis;
  private final StatefulRedisPubSubConnection<String, String> pubSub;
  private final RedisBackendOptions options;
  private final Keys keys;
  private final String address;
  private final String jvmId;
  private final String grantChannel;
  private final long leaseMillis;
  private final long commandTimeoutMillis;
  private final AtomicLong ids = new AtomicLong();
  /** Acquires of this JVM in Redis, by id; whoever removes one settles it. */
  private final ConcurrentHashMap<String, Waiting> waiting = new ConcurrentHashMap<>();
  /**
   * Ids of acquires withdrawn here whose CANCEL has not come back yet: waiter counts leave them
   * out, so that a withdrawn acquire is no longer counted once its failure can be seen. An id
   * leaves when its CANCEL comes back, answered or failed: a failed one is sent again, and until
   * Redis runs it the counts may include its acquire, as another JVM's do meanwhile.
   */
  private final Set<String> withdrawing = ConcurrentHashMap.newKeySet();
  /**
   * Withdrawals (CANCEL) and releases that could not reach Redis, by id, with how to send them
   * again and the Redis time (ms) after which that is no longer worth it: each tick (one runs at
   * each reconnect) takes them out and sends them again, and one that fails again comes back, so
   * they are kept while Redis cannot be reached and dropped once Redis has run them. Sending a
   * CANCEL late is harmless: it is idempotent by id. A release is sent again only while its reply
   * can come before the permit's lease ends (see {@link #sendRelease}).
   */
  private final ConcurrentHashMap<String, Unsent> unsent = new ConcurrentHashMap<>();
  /** Permits of this JVM not yet released nor lost, by id: renewed every tick. */
  private final ConcurrentHashMap<String, RedisPermit> held = new ConcurrentHashMap<>();
  /**
   * Calls that take a grant without waiting for one ({@code tryAcquire}, a queue's poll), by id,
   * from just before they are sent until a grant step claims their reply: how to withdraw one,
   * giving back what Redis may have granted it. Whoever removes one settles it; close() withdraws
   * those it finds, so that a reply that comes, or is handled, after close() gives nothing away.
   */
  private final ConcurrentHashMap<String, Runnable> trying = new ConcurrentHashMap<>();
  /**
   * Gates the steps in which a waiting call (an acquire, a condition or barrier await, a queue's
   * put or take) registers where close() looks for it and sends its command, or sends it again,
   * and those in which a call that changes Redis without waiting sends its command. close() shuts
   * it first, once it has set {@link #closed}: each command sent meanwhile reaches Redis before
   * the withdrawal close() sends for its call and before close()'s PING, and no call is sent
   * after (see {@link #sendWait} and {@link #send}).
   */
  private final StepGate sendSteps = new StepGate();
  /**
   * Gates grant steps: a call that takes a grant without waiting registering in {@link #trying}
   * and sending its command, or a reply's handler claiming its call's grant and holding it or
   * giving it back. close() shuts it once it has released the held permits and failed the
   * pending calls: what a step gave back meanwhile reaches Redis before close()'s PING, and no
   * step starts after, when close() withdraws the calls in {@link #trying} (see
   * {@link #enterGrantStep()}). A step that holds a grant checks {@link #closed} after holding
   * it, so close() releases it if the step saw the backend open.
   */
  private final StepGate grantSteps = new StepGate();
  /** Conditions by their lock's hash tag, each created once (it renews this JVM's waits). */
  private final ConcurrentHashMap<String, RedisCondition> conditions = new ConcurrentHashMap<>();
  /** Barriers by their hash tag, each created once (it renews this JVM's parties). */
  private final ConcurrentHashMap<String, RedisBarrier> barriers = new ConcurrentHashMap<>();
  /** Events by their channel, each created once. */
  private final ConcurrentHashMap<String, RedisEvent> events = new ConcurrentHashMap<>();
  /** The subscription of each channel in {@link #channels}, made on the first listen. */
  private final ConcurrentHashMap<String, CompletableFuture<Void>> subscriptions =
      new ConcurrentHashMap<>();
  /** What to do with a message on a channel other than this JVM's grant channel. */
  private final ConcurrentHashMap<String, Consumer<String>> channels = new ConcurrentHashMap<>();
  /**
   * Calls of this JVM other than acquires that wait for a message on its grant channel, by id:
   * the handler gets the message after the id, on a callback thread.
   */
  private final ConcurrentHashMap<String, Consumer<String>> grants = new ConcurrentHashMap<>();
  /** Primitives the renewal tick asks to renew their pending calls. */
  private final Set<Participant> participants = ConcurrentHashMap.newKeySet();
  private final ScheduledThreadPoolExecutor timers;
  private final ExecutorService callbacks;
  private final Renewals renewals;
  /** Sends again the calls Redis refuses for a slot being migrated (see {@link #run}). */
  private final TryAgain tryAgain;
  private final Snapshots snapshots;
  private final LongAdder lostLeases = new LongAdder();
  /** Redis time (ms) minus this JVM's monotonic time (ms), measured by {@link #measureClock()}. */
  private volatile long clockOffset;
  /**
   * Redis time (ms) before which Redis grants nothing, as this JVM last read it: one lease after
   * the server started. Only shown; the scripts ask the server itself.
   */
  private volatile long quarantineUntil;
  private volatile boolean closed;
  /** Set once {@link #close()} shuts the connections and threads down: calls are refused. */
  private volatile boolean shut;
  /**
   * Redis's answer to the last reconnect, if it refused it (a password changed: {@code WRONGPASS})
   * and none has succeeded since, else null: calls meanwhile fail quoting it.
   */
  private volatile String reconnectRefused;
  /** The subscription to the client's events that sets {@link #reconnectRefused}. */
  private volatile Disposable reconnectFailures;

  private RedisBackend(Connections connections, RedisBackendOptions options) {
    this.connections = connections;
    this.redis = connections.commands();
    this.pubSub = connections.pubSub();
    this.options = options;
    this.keys = new Keys(options.keyPrefix());
    this.leaseMillis = options.lease().toMillis();
    this.commandTimeoutMillis = options.commandTimeout().toMillis();
    this.address = connections.address();
    byte[] id = new byte[8];
    new SecureRandom().nextBytes(id);
    this.jvmId = HexFormat.of().formatHex(id);
    this.grantChannel = keys.grantChannelPrefix() + jvmId;
    this.timers = new ScheduledThreadPoolExecutor(1, threads("baton-redis-timer"));
    this.timers.setRemoveOnCancelPolicy(true);
    this.callbacks = Executors.newFixedThreadPool(
        Math.max(2, Runtime.getRuntime().availableProcessors()), threads("baton-redis"));
    this.renewals = new Renewals(this);
    this.tryAgain = new TryAgain(timers, this::inSendStep);
    this.snapshots = new Snapshots(Duration.ofSeconds(1), options.commandTimeout(),
        Duration.ofMinutes(5));
    try {
      pubSub.addListener(new RedisPubSubAdapter<>() {
        @Override
        public void message(String channel, String message) {
          onMessage(channel, message);
        }
      });
      await(pubSub.async().subscribe(grantChannel).toCompletableFuture());
      startUp().get(commandTimeoutMillis, TimeUnit.MILLISECONDS);
    } catch (RuntimeException | InterruptedException | ExecutionException | TimeoutException e) {
      shutdownQuietly();
      if (Scripts.unwrap(e.getCause()) instanceof IllegalStateException tooOld) {
        throw new IllegalStateException("Redis at " + address + ": " + tooOld.getMessage(), e);
      }
      throw Refusals.of(address, options.keyPrefix(), e)
          .orElseGet(() -> unavailable("could not connect", e));
    }
    reconnectFailures = connections.client().getResources().eventBus().get()
        .ofType(ReconnectFailedEvent.class)
        .subscribe(failed -> reconnectRefused = Scripts.unwrap(failed.getCause())
            instanceof RedisCommandExecutionException refusal ? refusal.getMessage() : null);
    connections.client().addListener(new RedisConnectionStateAdapter() {
      @Override
      public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress socket) {
        reconnectRefused = null;
        if (!closed) {
          timers.execute(() -> syncClock().whenComplete((ok, failure) -> renewals.runSoon(0)));
        }
      }
    });
    renewals.runSoon(leaseMillis / 3);
  }

  /**
   * Connects to the Redis at {@code uri} (standalone, or through Sentinel) with two connections
   * of its own: one for commands, one for pub/sub. Through Sentinel it also subscribes to each
   * Sentinel of the URI (with the Sentinel's own credentials) and, as soon as one announces that
   * it promoted a replica of the master or switched the master, moves both connections there:
   * calls fail with a {@link RedisUnavailableException} while they reconnect, as after any
   * disconnect. What the old master accepted before the announcement and had not replicated is
   * lost (asynchronous replication).
   *
   * @throws RedisUnavailableException naming the address if Redis cannot be reached
   * @throws IllegalStateException naming the address if Redis answered with an error (a wrong
   *     password or database, a permission the ACL user lacks, a full {@code maxmemory}: the
   *     message quotes the reply), is a replica, or is older than Redis 7.0
   */
  public static RedisBackend connect(RedisURI uri, RedisBackendOptions options) {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(options, "options");
    return new RedisBackend(connect(() -> Connections.standalone(uri, options),
        Connections.describe(uri), options), options);
  }

  /**
   * Connects to the Redis Cluster that {@code seeds} belong to. Each primitive's keys share one
   * hash slot. In a cluster PUBLISH cannot tell whether a waiter's JVM still listens, so a dead
   * JVM's waiter may be granted and then freed when its lease runs out, instead of being passed
   * over at once.
   *
   * @throws RedisUnavailableException naming the seeds if the cluster cannot be reached
   * @throws IllegalStateException naming the seeds if the cluster answered with an error, as
   *     {@link #connect(RedisURI, RedisBackendOptions)} says
   */
  public static RedisBackend connectCluster(List<RedisURI> seeds, RedisBackendOptions options) {
    Objects.requireNonNull(options, "options");
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("a Redis Cluster needs at least one seed node");
    }
    return new RedisBackend(connect(() -> Connections.cluster(List.copyOf(seeds), options),
        "cluster " + seeds.stream().map(uri -> uri.getHost() + ":" + uri.getPort()).toList(),
        options), options);
  }

  /**
   * Connects with {@code connect}; a failure is reported as Redis's refusal, quoting its answer
   * ({@link Refusals}), or as {@code address} being unavailable.
   */
  static Connections connect(Supplier<Connections> connect, String address,
      RedisBackendOptions options) {
    try {
      return connectReadingLostAnswer(connect);
    } catch (RuntimeException e) {
      throw Refusals.of(address, options.keyPrefix(), e)
          .orElseGet(() -> unavailable(address, "could not connect: " + e.getMessage(), e));
    }
  }

  /**
   * Connects with {@code connect}, trying once more if Lettuce lost the server's answer to the
   * first try ({@link Refusals#answerLost}), so that a refusal is reported with its answer.
   */
  private static Connections connectReadingLostAnswer(Supplier<Connections> connect) {
    try {
      return connect.get();
    } catch (RuntimeException e) {
      if (!Refusals.answerLost(e)) {
        throw e;
      }
      return connect.get();
    }
  }

  /** The lock named {@code name}, shared by every JVM using the same Redis and key prefix. */
  public AsyncLock lock(String name) {
    return new RedisLock(new RemotePermits(this,
        PermitKeys.of("lock", requireName(name), keys.tag("lock", name)), 1));
  }

  /**
   * The lock for {@code key} in the per-key family {@code name}. Its keys in Redis exist only
   * while someone holds it or waits for it; messages name the family, never the key.
   */
  public AsyncLock lock(String name, String key) {
    Objects.requireNonNull(key, "key");
    return new RedisLock(new RemotePermits(this,
        PermitKeys.of("lock", requireName(name), keys.tag("lock", name, key)), 1));
  }

  /**
   * The semaphore named {@code name} with {@code permits} permits. Every JVM must declare the
   * same number while any permit is held or waited for; a call that declares another fails with
   * {@link IllegalStateException} saying both numbers.
   */
  public AsyncSemaphore semaphore(String name, int permits) {
    return new RedisSemaphore(new RemotePermits(this,
        PermitKeys.of("semaphore", requireName(name), keys.tag("semaphore", name)), permits));
  }

  /**
   * The condition named {@code name}, with a lock of its own ({@link AsyncCondition#lock()}),
   * apart from {@link #lock(String) lock(name)}: a signal in any JVM wakes the oldest waits of
   * every JVM, which re-acquire that lock FIFO. A wait whose JVM dies leaves within one lease and
   * never takes a signal meant for a live one.
   */
  public AsyncCondition condition(String name) {
    String tag = keys.tag("condition", requireName(name));
    return conditions.computeIfAbsent(tag, t -> {
      RedisCondition condition = new RedisCondition(this,
          new RemotePermits(this, PermitKeys.of("condition", name, t), 1));
      participate(condition);
      return condition;
    });
  }

  /**
   * The barrier named {@code name} for {@code parties} parties, which may wait in any JVM. Every
   * JVM must declare the same number while any party waits or the barrier is broken; a call that
   * declares another fails with {@link IllegalStateException}, except a {@code reset()} of a broken
   * barrier, which mends it whatever it declares. A waiting party whose JVM dies (its lease not
   * renewed) breaks the barrier within one lease, until {@code reset()}.
   */
  public AsyncBarrier barrier(String name, int parties) {
    if (parties <= 0) {
      throw new IllegalArgumentException("parties must be positive, was " + parties);
    }
    String tag = keys.tag("barrier", requireName(name));
    RedisBarrier barrier = barriers.computeIfAbsent(tag, t -> {
      RedisBarrier created = new RedisBarrier(this, name, t, parties);
      participate(created);
      return created;
    });
    if (barrier.parties() != parties) {
      throw new IllegalStateException("barrier '" + name + "' was declared with "
          + barrier.parties() + " parties in this JVM, and this call declares " + parties
          + ": every instance must declare the same number of parties");
    }
    return barrier;
  }

  /** The event named {@code name}: {@code set()} in any JVM wakes the waiters of every JVM. */
  public AsyncEvent event(String name) {
    String tag = keys.tag("event", requireName(name));
    return events.computeIfAbsent(keys.eventChannel(tag), channel -> {
      RedisEvent event = new RedisEvent(this, name, tag, channel);
      participate(event);
      return event;
    });
  }

  /**
   * The queue named {@code name}, shared by every JVM using the same Redis and key prefix, with
   * the {@link AsyncQueue} contract across JVMs, and beyond it:
   * <ul>
   *   <li>An item put is taken exactly once, by a take in any JVM, in the queue's order. Waiting
   *       takes and waiting puts are each FIFO across JVMs and woken by pub/sub push; a put with
   *       takes waiting hands its item straight to the oldest take whose JVM listens.
   *   <li>An item taken stays in Redis, handed to its take, until the taker's JVM acknowledges
   *       it after completing the take's future. A taker JVM that dies loses nothing it had not
   *       received: its handed items go back to the head one lease later. A take cancelled or
   *       timed out before its item reached the caller gives the item back to the head.
   *   <li>A put on a full queue waits with its item stored in Redis as a reservation; room made
   *       by a take commits the oldest reservation. A put cancelled (or timed out) before a
   *       commit never adds its item; if the commit reached Redis first, the item stays in the
   *       queue and the put counts as done, although its future reports the cancel.
   *   <li>{@code offer} and {@code poll} never wait nor pass waiting calls; the reads are one
   *       round trip; {@link RemoteLevels#levels()} gives items queued and calls waiting.
   *   <li>{@code taskDone}, {@code join} and {@code unfinishedTasks} count across JVMs;
   *       {@code shutdown} and {@code shutdownNow} fail the waiting calls of every JVM.
   *   <li>Waits are leases renewed with the permits'. A put waiting in a JVM paused longer than
   *       a lease is forgotten by Redis and sent again when the JVM renews; if it had been
   *       committed meanwhile, its item is then in the queue twice.
   * </ul>
   * Keys are {@code {prefix:queue:name}...}, deleted when the queue is empty, has no unfinished
   * task, no waiting call and is not shut down; otherwise they live while some JVM using the
   * queue renews them, and expire one lease after the last. Create each queue once per JVM and
   * keep it: every queue object is renewed until the backend closes.
   *
   * @throws IllegalArgumentException for a priority spec without a score function
   * @throws IllegalStateException from the first call, if another JVM declared the queue with
   *     another order or capacity
   */
  public <T> AsyncQueue<T> queue(String name, QueueSpec<T> spec, ItemCodec<T> codec) {
    RedisQueue<T> queue = new RedisQueue<>(this, requireName(name), keys.tag("queue", name),
        spec, codec);
    participate(queue);
    return queue;
  }

  /** The Redis this backend talks to, as {@code host:port} (or the Sentinel master). */
  public String address() {
    return address;
  }

  /** The lease of every permit and waiter of this backend. */
  public Duration lease() {
    return options.lease();
  }

  /** The key prefix of every key and channel. */
  public String keyPrefix() {
    return options.keyPrefix();
  }

  /** Whether the command connection is up now. */
  public boolean isConnected() {
    return connections.isOpen();
  }

  /** How many permits of this JVM lost their lease before being released, since start. */
  public long lostLeases() {
    return lostLeases.sum();
  }

  /** Permits this JVM holds now. */
  public int heldPermits() {
    return held.size();
  }

  /** Acquires of this JVM waiting in Redis now. */
  public int waitingAcquires() {
    return waiting.size();
  }

  /** Whether Redis is in its restart quarantine now (see the class comment). */
  public boolean isQuarantined() {
    return redisNow() < quarantineUntil;
  }

  /**
   * Releases the permits this JVM still holds, fails its pending acquires, condition waits,
   * barrier awaits, queue puts and takes (withdrawing them from Redis), event waits and queue
   * joins with a {@link java.util.concurrent.CancellationException}, waits at most one command
   * timeout for Redis to have done so, then closes both connections. A wait made meanwhile fails
   * at once with that cancellation, sending nothing to Redis; a condition wait gives back the
   * permit it was passed. A wait that saw the backend open is withdrawn as the pending ones:
   * close() first waits for the waits being sent, so that each withdrawal reaches Redis after
   * what it withdraws. A call that changes Redis without waiting there (an offer, an event's set,
   * a signal) made meanwhile throws the {@link IllegalStateException} of a closed backend, sending
   * nothing; one that saw the backend open gets Redis's answer, close() waiting for it to be sent
   * before asking Redis to confirm. A permit or item granted to a call that had not completed
   * when close() began is given back before close() returns, its call failed the same way,
   * however late its reply is handled: one handled while close() runs is given back by its
   * handler, which close() waits for; one not handled yet (every callback thread busy) is
   * withdrawn by close() itself. A permit a call completed with before is released as the held
   * ones. Each of close()'s waits (for the calls being sent, for such handlers, then for Redis to
   * confirm) lasts at most one command timeout; what Redis did not hear of by then is freed
   * within one lease. A call on one of its primitives after that throws an
   * {@link IllegalStateException} that says the backend was closed.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    shut(sendSteps, "sending a call");
    renewals.stop();
    held.values().forEach(RedisPermit::close);
    waiting.values().forEach(w -> w.future.completeExceptionally(Participant.backendClosed()));
    participants.forEach(Participant::closing);
    shut(grantSteps, "holding or giving back a grant");
    trying.forEach((id, withdraw) -> {
      if (trying.remove(id, withdraw)) {
        withdraw.run();
      }
    });
    try {
      confirmSent().get(commandTimeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.debug("Redis at {} did not confirm the releases at close", address, e);
    }
    shutdownQuietly();
  }

  /**
   * Completes once Redis has answered the calls sent so far: a PING, answered after them, and, if
   * some of them found the library missing (their errors answered before the PING), another
   * once they have been sent again after its load.
   */
  private CompletableFuture<Void> confirmSent() {
    return redis.ping().toCompletableFuture().thenCompose(pong -> {
      CompletableFuture<Void> resending = Scripts.resending(redis);
      return resending == null ? CompletableFuture.completedFuture(null)
          : resending.thenCompose(resent -> redis.ping()).thenApply(pongAgain -> null);
    });
  }

  /**
   * Waits, at most one command timeout, for the steps under way behind {@code gate} to end, and
   * lets no other begin (see {@link #sendSteps} and {@link #grantSteps}).
   */
  private void shut(StepGate gate, String doing) {
    try {
      if (!gate.shut(options.commandTimeout())) {
        log.debug("A step of the backend for Redis at {} was still {} after {} at close",
            address, doing, options.commandTimeout());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- acquiring and releasing (RemotePermits calls these) ----

  CompletableFuture<Permit> acquire(RemotePermits permits, Duration timeout) {
    requireOpen();
    long deadline = timeout == null ? Long.MAX_VALUE : redisNow() + timeout.toMillis();
    Waiting w = new Waiting(nextId(), permits, deadline);
    sendWait(w.future, () -> {
      waiting.put(w.id, w);
      w.future.onGiveUp = () -> withdraw(w);
      w.future.whenComplete((permit, failure) -> {
        if (failure != null) {
          withdraw(w);
        }
      });
      if (timeout != null) {
        w.timeOut = () -> timeOut(w, timeout);
        w.timer = timers.schedule(() -> callbacks.execute(w.timeOut),
            timeout.toNanos(), TimeUnit.NANOSECONDS);
      }
      sendAcquire(w);
    });
    return w.future;
  }

  /**
   * Sends (or, after Redis forgot it, re-sends) the ACQUIRE of {@code w}, in a send step (see
   * {@link #sendWait} and {@link #resend}).
   */
  void sendAcquire(Waiting w) {
    RemotePermits permits = w.owner;
    w.unconfirm();
    this.<List<Object>>runWaiting(Scripts.ACQUIRE, permits.keys().keys(), w,
            () -> waiting.get(w.id) == w,
            at -> args(permits.acquireArgs(w.id, true, notAfter(w.notAfter, at))))
        .whenCompleteAsync((sent, failure) -> {
          if (failure != null) {
            fail(w, translate(failure));
            return;
          }
          List<Object> reply = sent.reply();
          long sentAt = sent.at();
          long notAfter = notAfter(w.notAfter, sentAt);
          if (w.withdrawn) {
            cancel(permits, w.id); // its CANCEL may have run before the ACQUIRE: undo that
            return;
          }
          switch (RemotePermits.status(reply)) {
            case "GRANTED" -> deliver(w.id, Long.parseLong((String) reply.get(1)), sentAt);
            case "QUEUED" -> {
              w.confirm();
              renewals.runSoon(Long.parseLong((String) reply.get(1)));
            }
            default -> {
              if (w.notAfter <= notAfter) {
                w.timeOut.run(); // late for the caller's own deadline: it timed out
              } else {
                fail(w, new RedisUnavailableException("Redis at " + address + " ran the acquire"
                    + " of " + permits.keys() + " after the caller's deadline", null));
              }
            }
          }
        }, callbacks);
  }

  CompletableFuture<Optional<Permit>> tryAcquire(RemotePermits permits) {
    requireOpen();
    String id = nextId();
    long sentAt = redisNow();
    CompletableFuture<Optional<Permit>> result = new CompletableFuture<>();
    long sending = sendingTry(id, result, () -> cancel(permits, id));
    if (sending == 0) {
      return result;
    }
    try {
      this.<List<Object>>run(Scripts.ACQUIRE, redis, permits.keys().keys(),
              args(permits.acquireArgs(id, false, sentAt + commandTimeoutMillis)))
          .whenCompleteAsync((reply, failure) -> {
            long step = answeredTry(id);
            if (step == 0) {
              return; // close() withdrew it, giving back what Redis granted
            }
            if (failure != null) {
              cancel(permits, id);
              endGrantStep(step);
              result.completeExceptionally(translate(failure));
            } else if ("GRANTED".equals(RemotePermits.status(reply))) {
              RedisPermit permit =
                  hold(permits, id, Long.parseLong((String) reply.get(1)), sentAt);
              if (!givenBackIfClosing(step, result, permit::close)
                  && !result.complete(Optional.of(permit))) {
                permit.close();
              }
            } else {
              endGrantStep(step);
              result.complete(Optional.empty());
            }
          }, callbacks);
    } finally {
      endGrantStep(sending);
    }
    return result;
  }

  /** Hands the grant of waiter {@code id} to its caller, or passes it on if that is too late. */
  void deliver(String id, long token, long grantedAt) {
    long step = enterGrantStep();
    Waiting w = step == 0 ? null : waiting.remove(id);
    if (w == null) {
      endGrantStep(step);
      return; // withdrawn, by its caller or close() (its CANCEL passes the grant on), or done
    }
    w.cancelTimer();
    RedisPermit permit = hold(w.owner, id, token, grantedAt);
    if (!givenBackIfClosing(step, w.future, permit::close) && !w.future.complete(permit)) {
      permit.close();
    }
  }

  /**
   * Fails {@code future} with the cancellation {@link #close()} gives pending calls if close()
   * has begun, and says whether it did. A call that waits only in this JVM (an event wait, a
   * queue's join) checks it once registered where close() looks for pending calls: close() may
   * have looked before, and nothing else would end it; checking after registering, a call that
   * races with close() is failed by one or the other. A call that waits in Redis uses
   * {@link #sendWait} instead; a grant (a permit, or a queue's item) checks it through
   * {@link #givenBackIfClosing}.
   */
  boolean failIfClosing(CompletableFuture<?> future) {
    if (!closed) {
      return false;
    }
    future.completeExceptionally(Participant.backendClosed());
    return true;
  }

  /**
   * Ends grant {@code step}, in which a reply's handler claimed what {@code future}'s call was
   * granted (and, for a permit, held it); first, once close() has begun, gives that back
   * ({@code giveBack}: a permit released, an item returned to its queue), and then fails the call
   * as close() fails pending ones; says whether it did. A permit held in a step that then finds
   * the backend open was held before close() looked at the held ones, and close() releases it;
   * what a step gives back reaches Redis before close()'s PING, as close() waits for the steps
   * under way. The step ends before the failure, which runs the caller's callbacks: they may
   * outlast close() and its connections. Otherwise the caller completes the call after this
   * returns.
   */
  boolean givenBackIfClosing(long step, CompletableFuture<?> future, Runnable giveBack) {
    if (!closed) {
      endGrantStep(step);
      return false;
    }
    try {
      giveBack.run();
    } finally {
      endGrantStep(step);
    }
    failIfClosing(future);
    return true;
  }

  /**
   * Begins a grant step (see {@link #grantSteps}) and returns its stamp, for
   * {@link #endGrantStep}; 0 once close() has ended the steps, and then the step may not claim,
   * hold or give back anything: close() has withdrawn the pending calls, or withdraws the calls
   * in {@link #trying}, which gives back in Redis what they were granted. Never blocks.
   */
  long enterGrantStep() {
    return grantSteps.enter();
  }

  /** Ends the grant step of {@code stamp}, from {@link #enterGrantStep()} (0 is no step). */
  void endGrantStep(long stamp) {
    grantSteps.exit(stamp);
  }

  /**
   * Runs {@code send}, in which a call that waits in Redis registers where close() looks for it
   * and sends its command, in a send step (see {@link #sendSteps}), and says whether it ran.
   * Once close() has begun it does not: {@code future} then fails as close() fails pending
   * calls, and nothing is registered or sent. A call registered in a step is failed and
   * withdrawn by close(), whose withdrawal reaches Redis after the command the step sent. Never
   * blocks.
   */
  boolean sendWait(CompletableFuture<?> future, Runnable send) {
    if (inSendStep(() -> run(send)) != null) {
      return true;
    }
    failIfClosing(future);
    return false;
  }

  /**
   * Runs {@code send}, which sends again the command of a waiting call that Redis forgot, in a
   * send step; does nothing once close() has begun, as close() withdraws the call. The command is
   * written only if the call is still wanted then, checked holding the call's monitor (see
   * {@link #runWaiting}): a withdrawal since the renewal saw the call sends its CANCEL after it,
   * or finds it not sent.
   */
  void resend(Runnable send) {
    inSendStep(() -> run(send));
  }

  /** Runs {@code step} for {@link #inSendStep}, which tells a step that ran by its result. */
  private static Boolean run(Runnable step) {
    step.run();
    return Boolean.TRUE;
  }

  /**
   * Sends the command of a call that changes Redis without waiting there (an offer, a queue's
   * task done or shutdown, an event's set or clear, a signal, a barrier's reset or abort), made
   * by {@code command} on the commands it is given, in a send step (see {@link #sendSteps}), and
   * returns its reply. Once close() has begun it sends nothing and throws what a call after
   * close() throws. A command sent in a step reaches Redis before close()'s PING, so its reply
   * comes before the connection shuts: such a call never fails with the shutdown though Redis ran
   * it. Never blocks.
   */
  <T> CompletableFuture<T> send(
      Function<RedisClusterAsyncCommands<String, String>, CompletableFuture<T>> command) {
    CompletableFuture<T> reply = inSendStep(() -> command.apply(redis));
    if (reply == null) {
      throw closedBackend();
    }
    return reply;
  }

  /**
   * Runs {@code send} in a send step unless close() has begun, and returns what it returns; null
   * if it did not run.
   */
  private <T> T inSendStep(Supplier<T> send) {
    long step = sendSteps.enter();
    try {
      return step == 0 || closed ? null : send.get();
    } finally {
      sendSteps.exit(step);
    }
  }

  /**
   * Registers call {@code id}, which takes a grant without waiting, for close() to withdraw
   * ({@code withdraw}: gives back what Redis may have granted it) until a reply's handler claims
   * it ({@link #answeredTry}), and returns the grant step in which to send it, to end once sent;
   * 0 once close() has ended the steps, and then {@code future} fails as close() fails pending
   * calls and nothing must be sent.
   */
  long sendingTry(String id, CompletableFuture<?> future, Runnable withdraw) {
    long step = enterGrantStep();
    if (step == 0) {
      failIfClosing(future);
      return 0;
    }
    trying.put(id, () -> {
      withdraw.run();
      failIfClosing(future);
    });
    return step;
  }

  /**
   * Claims the reply of call {@code id} (see {@link #sendingTry}) in a grant step, returned to
   * end after holding or giving back its grant; 0 if close() has taken the call over (it
   * withdraws the call and fails it), and then the reply is not to be acted on.
   */
  long answeredTry(String id) {
    long step = enterGrantStep();
    if (step != 0 && trying.remove(id) == null) {
      endGrantStep(step);
      return 0;
    }
    return step;
  }

  /** A permit granted to {@code id}, renewed from now on (its lease began at {@code grantedAt}). */
  RedisPermit hold(RemotePermits owner, String id, long token, long grantedAt) {
    RedisPermit permit = new RedisPermit(owner, id, token);
    permit.renewed(grantedAt + leaseMillis);
    held.put(id, permit);
    return permit;
  }

  private void fail(Waiting w, Throwable failure) {
    if (leaves(w)) {
      w.future.completeExceptionally(failure);
      cancel(w.owner, w.id);
    }
  }

  private void withdraw(Waiting w) {
    if (leaves(w)) {
      withdrawing.add(w.id);
      cancel(w.owner, w.id);
    }
  }

  /**
   * Takes {@code w} out of the table of waiters to be withdrawn from Redis, if it is still there
   * (not granted, nor withdrawn already); its caller then sends its CANCEL. Holds {@code w}'s
   * monitor meanwhile, as each write of its ACQUIRE does (see {@link #runWaiting}).
   */
  private boolean leaves(Waiting w) {
    synchronized (w) {
      if (!waiting.remove(w.id, w)) {
        return false;
      }
    }
    w.cancelTimer();
    w.withdrawn = true;
    return true;
  }

  /**
   * Withdraws {@code id} from Redis; a grant it had passes to the next waiter. If the CANCEL
   * cannot reach Redis (disconnected), it is sent again once Redis answers: a grant that Redis
   * made and whose reply was lost must not stay held, by nobody, for a whole lease.
   */
  private CompletableFuture<Object> cancel(RemotePermits permits, String id) {
    return run(Scripts.CANCEL, redis, permits.keys().keys(), args(id))
        .whenComplete((reply, failure) -> {
          withdrawing.remove(id);
          if (failure != null) {
            log.debug("Could not withdraw waiter {} of {} from Redis at {}; sent again once it"
                + " answers", id, permits.keys(), address, failure);
            sendAgain(id, () -> cancel(permits, id));
          }
        });
  }

  /**
   * Sends withdrawal (or acknowledgement) {@code id} again with {@code resend} at the next tick,
   * unless a lease has passed by then (what it undoes or acknowledges has expired).
   */
  void sendAgain(String id, Runnable resend) {
    sendAgain(id, redisNow() + leaseMillis, resend);
  }

  /**
   * Sends {@code id} again with {@code resend} at the next tick, unless Redis time is past
   * {@code until} (ms) by then.
   */
  private void sendAgain(String id, long until, Runnable resend) {
    unsent.putIfAbsent(id, new Unsent(resend, until));
  }

  /**
   * Checks that the pub/sub connection's server still answers; one that does not is connected
   * again, elsewhere in a cluster (see {@link Connections#checkPubSub()}).
   */
  void checkPubSub() {
    connections.checkPubSub();
  }

  /**
   * Sends again the withdrawals and releases that could not reach Redis (see {@link #cancel} and
   * {@link #sendRelease}).
   */
  void resendUnsent() {
    long now = redisNow();
    unsent.forEach((id, undo) -> {
      if (unsent.remove(id, undo) && undo.until() >= now) {
        undo.resend().run();
      }
    });
  }

  /** A withdrawal or release to send again, worth it until Redis time {@code until} (ms). */
  private record Unsent(Runnable resend, long until) {
  }

  /**
   * Withdraws a timed-out acquire from Redis before failing it, so that once the failure can be
   * seen {@code waiters()} no longer counts it; a grant that raced the timeout is passed on by the
   * CANCEL. With Redis unreachable the failure comes when the CANCEL fails: at once while
   * disconnected, at most one command timeout later while Redis does not answer. The failure is
   * completed on a callback thread, never on the Netty thread that read the CANCEL's reply, where
   * the caller's callbacks would run.
   */
  private void timeOut(Waiting w, Duration timeout) {
    if (leaves(w)) {
      PermitKeys keys = w.owner.keys();
      cancel(w.owner, w.id).whenCompleteAsync((reply, failure) -> w.future.completeExceptionally(
          new AcquireTimeoutException(keys.kind(), keys.name(), timeout)), callbacks);
    }
  }

  void release(RedisPermit permit) {
    held.remove(permit.id());
    if (shut) {
      return; // close() gave back what it found held; one it missed ends with its lease
    }
    try {
      sendRelease(permit);
    } catch (RuntimeException e) {
      if (!closed) {
        throw e;
      }
      log.debug("Permit {} of {} was released as the backend for Redis at {} shut down; Redis"
          + " frees it when its lease ends", permit.token(), permit.owner().keys(), address, e);
    }
  }

  /**
   * Sends the RELEASE of {@code permit}. One that fails may never have reached Redis, or may have
   * run there and lost its reply: it is sent again at each tick while its reply can still come
   * before the lease ends (after that, Redis frees the permit itself), so that a connection blip
   * does not leave the permit held by nobody for a lease. Redis remembers a permit it released
   * until that lease end, so a release sent again after one that ran replies RELEASED, and LOST
   * still means that the lease had run out before any of them ran.
   */
  private void sendRelease(RedisPermit permit) {
    RemotePermits permits = permit.owner();
    this.<String>run(Scripts.RELEASE, redis, permits.keys().releaseKeys(),
            args(permit.id(), Long.toString(permit.leaseEnd())))
        .whenCompleteAsync((reply, failure) -> {
          if (failure != null) {
            log.debug("Could not release permit {} of {} on Redis at {}; sent again once it"
                + " answers, or freed when its lease runs out", permit.token(), permits.keys(),
                address, failure);
            sendAgain(permit.id(), permit.leaseEnd() - commandTimeoutMillis,
                () -> sendRelease(permit));
          } else if ("LOST".equals(reply)) {
            permit.lostAtRelease();
            countLost(permit, "its lease had already run out when it was released");
          }
        }, callbacks);
  }

  /**
   * Marks {@code permit} lost (Redis no longer knows it, or its lease ran out unrenewed), and
   * releases it in Redis all the same: renewals that failed here may have run there (Redis paused
   * for less than a lease), and Redis would then hold it for nobody until that lease ends. A
   * release that finds the lease over changes nothing.
   */
  void lost(RedisPermit permit, String why) {
    if (permit.markLost()) {
      held.remove(permit.id());
      countLost(permit, why);
      releaseLost(permit);
    }
  }

  /** Sends the RELEASE of a permit marked lost, once: its lease is over by this JVM's clock. */
  private void releaseLost(RedisPermit permit) {
    if (shut) {
      return;
    }
    PermitKeys keys = permit.owner().keys();
    try {
      run(Scripts.RELEASE, redis, keys.releaseKeys(), args(permit.id(), "0"))
          .whenComplete((reply, failure) -> {
            if (failure != null) {
              log.debug("Could not release lost permit {} of {} on Redis at {}; freed when the"
                  + " lease Redis knows ends", permit.token(), keys, address, failure);
            }
          });
    } catch (RuntimeException e) {
      log.debug("Could not release lost permit {} of {} on Redis at {}", permit.token(), keys,
          address, e);
    }
  }

  private void countLost(RedisPermit permit, String why) {
    lostLeases.increment();
    log.warn("Lost the lease of permit {} of {} on Redis at {}: {}. Another holder may have been"
        + " granted it; check Permit.token() where correctness matters", permit.token(),
        permit.owner().keys(), address, why);
  }

  // ---- reads ----

  CompletableFuture<Long> countLive(PermitKeys permitKeys) {
    return redis().zcount(permitKeys.keys()[1], Range.create(redisNow(), Double.POSITIVE_INFINITY))
        .toCompletableFuture();
  }

  CompletableFuture<Long> countWaiters(PermitKeys permitKeys) {
    return countExcept(permitKeys.keys()[2], withdrawing);
  }

  /** Members of {@code zset} but {@code left out}, counted atomically in Redis. */
  CompletableFuture<Long> countExcept(String zset, Collection<String> leftOut) {
    String[] ids = leftOut.toArray(String[]::new);
    if (ids.length == 0) {
      return redis().zcard(zset).toCompletableFuture();
    }
    return run(Scripts.COUNT_EXCEPT, redis(), new String[] {zset}, ids);
  }

  /** Members of {@code zset} scored {@code min} or more but {@code left out}, counted in Redis. */
  CompletableFuture<Long> countExcept(String zset, long min, Collection<String> leftOut) {
    String[] args = new String[leftOut.size() + 1];
    args[0] = Long.toString(min);
    int i = 1;
    for (String id : leftOut) {
      if (i == args.length) {
        break; // added meanwhile
      }
      args[i++] = id;
    }
    return run(Scripts.COUNT_FROM_EXCEPT, redis(), new String[] {zset},
        Arrays.copyOf(args, i));
  }

  /**
   * The result of {@code future}, waited for at most one command timeout on a thread that is not
   * a Netty event loop; failures translated to name the Redis address. A result that comes as
   * the wait gives up (times out, or its thread is interrupted) is returned all the same, since
   * the future can no longer be cancelled: a permit it grants is then held by the caller, not
   * left held by nobody.
   */
  <T> T await(CompletableFuture<T> future) {
    if (ThreadExecutorMap.currentExecutor() != null) {
      throw new IllegalStateException("a synchronous Redis call on a Netty event loop would block"
          + " it: call it from another thread, or use the asynchronous methods");
    }
    try {
      return future.get(commandTimeoutMillis + 100, TimeUnit.MILLISECONDS);
    } catch (CancellationException e) {
      throw ownCancellation(future, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (future.cancel(false)) {
        throw new CancellationException("interrupted while waiting for Redis at " + address);
      }
    } catch (ExecutionException e) {
      throw translate(e.getCause());
    } catch (TimeoutException e) {
      if (future.cancel(false)) {
        throw unavailable("no answer within " + options.commandTimeout(), e);
      }
    }
    try {
      return future.join();
    } catch (CancellationException e) {
      throw ownCancellation(future, e);
    } catch (CompletionException e) {
      throw translate(e.getCause());
    }
  }

  /**
   * The cancellation {@code future} was completed with, which says why (the backend closed, say),
   * rather than the one {@code get()} or {@code join()} threw: from Java 23 on that is a new one,
   * named after the method ("get"), with the future's own only as its cause.
   */
  private static CancellationException ownCancellation(CompletableFuture<?> future,
      CancellationException thrown) {
    return future.handle((value, failure) -> failure).join() instanceof CancellationException own
        ? own : thrown;
  }

  // ---- plumbing shared with Renewals and RedisEvent ----

  /** The commands, refused once the backend is closed ({@link #requireOpen}). */
  RedisClusterAsyncCommands<String, String> redis() {
    requireOpen();
    return redis;
  }

  Snapshots snapshots() {
    return snapshots;
  }

  ExecutorService callbacks() {
    return callbacks;
  }

  /** The timers, refused once the backend is closed ({@link #requireOpen}). */
  ScheduledThreadPoolExecutor timers() {
    requireOpen();
    return timers;
  }

  ConcurrentHashMap<String, Waiting> waiting() {
    return waiting;
  }

  ConcurrentHashMap<String, RedisPermit> held() {
    return held;
  }

  long leaseMillis() {
    return leaseMillis;
  }

  long commandTimeoutMillis() {
    return commandTimeoutMillis;
  }

  /**
   * Refuses a call on a primitive of this backend once it has been closed, saying so, rather than
   * failing inside the Redis client or on a stopped timer.
   */
  void requireOpen() {
    if (shut) {
      throw closedBackend();
    }
  }

  private IllegalStateException closedBackend() {
    return new IllegalStateException("the Redis backend for Redis at " + address + " was"
        + " closed: its primitives take no calls after close()");
  }

  /** The common script arguments (see {@code permits-prelude.lua}) followed by {@code more}. */
  String[] args(String... more) {
    String[] args = new String[3 + more.length];
    args[0] = keys.grantChannelPrefix();
    args[1] = Long.toString(leaseMillis);
    args[2] = connections.receiverCountIsReliable() ? "1" : "0";
    System.arraycopy(more, 0, args, 3, more.length);
    return args;
  }

  /** Redis's clock now (ms), estimated from this JVM's monotonic clock. */
  long redisNow() {
    return System.nanoTime() / 1_000_000 + clockOffset;
  }

  /**
   * After a connect or reconnect: measures Redis's clock against this JVM's, reads how long the
   * server has been up (which sets the restart quarantine), and loads the scripts' library if the
   * server lacks it (a server that lost its data), so that no call need be sent again.
   */
  CompletableFuture<Void> syncClock() {
    CompletableFuture<String> info = redis.info("server").toCompletableFuture();
    CompletableFuture<Void> loaded = Scripts.load(redis);
    return measureClock().thenCombine(info, (redisMillis, server) -> {
      quarantineUntil = redisMillis - uptimeSeconds(server) * 1000 + leaseMillis;
      return null;
    }).thenCombine(loaded, (clock, library) -> null);
  }

  /**
   * At connect: refuses a replica, runs {@link #syncClock()}, then calls one read-only function
   * of Baton's library on a key under the prefix, so that an ACL user who may load the library
   * but not run it, or not on these keys, fails the connect with the server's NOPERM rather than
   * every call after it.
   *
   * <p>A replica answers the reads of the connect, and, once its primary's library has reached
   * it, that call too, but refuses every write. The role is not checked in a cluster: there each
   * command goes to the primary of its key's slot, whichever node the seeds name, and replicas
   * among the seeds are usual. A Sentinel URI leads to the primary already (and follows it, see
   * {@link #connect(RedisURI, RedisBackendOptions)}).
   */
  private CompletableFuture<Void> startUp() {
    CompletableFuture<Void> primary = connections.isCluster()
        ? CompletableFuture.completedFuture(null)
        : redis.info("replication").toCompletableFuture().thenAccept(replication -> {
          if (replication.contains("role:slave")) {
            throw new IllegalStateException("it is a replica (INFO replication says role:slave),"
                + " which refuses or loses Baton's writes: point spring.data.redis.* at the"
                + " primary, or use Sentinel");
          }
        });
    return primary.thenCompose(checked -> syncClock())
        .thenCompose(synced -> this.<Long>run(Scripts.COUNT_EXCEPT, redis,
            new String[] {keys.tag("start-up", "check")}))
        // Every grant to another JVM publishes, inside a script: refused there, after the
        // script's writes, the grant would wait for a renewal tick and an event wake no one.
        .thenCompose(counted -> redis.publish(keys.grantChannelPrefix() + "start-up", "check")
            .toCompletableFuture())
        .thenApply(receivers -> null);
  }

  /**
   * Measures Redis's clock against this JVM's monotonic clock (on every renewal tick too, so that
   * a server clock that is adjusted is followed); the future gives Redis's time then (ms).
   */
  CompletableFuture<Long> measureClock() {
    long before = System.nanoTime() / 1_000_000;
    return redis.time().toCompletableFuture().thenApply(clock -> {
      long after = System.nanoTime() / 1_000_000;
      long redisMillis =
          Long.parseLong(clock.get(0)) * 1000 + Long.parseLong(clock.get(1)) / 1000;
      clockOffset = redisMillis - (before + after) / 2;
      return redisMillis;
    });
  }

  /**
   * Runs {@code script} on {@code keys} through {@code on} ({@link Scripts#run}) for a call that
   * does not wait in Redis, sending it again while Redis refuses it for a slot being migrated,
   * for at most one command timeout from now (see {@link TryAgain}): then it fails with the
   * refusal, as unavailable. Every Baton script is sent here or by {@link #runWaiting}.
   */
  <T> CompletableFuture<T> run(Scripts script, RedisClusterAsyncCommands<String, String> on,
      String[] keys, String... args) {
    return tryAgain.send(() -> script.run(on, keys, args),
        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(commandTimeoutMillis));
  }

  /**
   * Runs {@code script} on {@code keys} for a call that waits in Redis (an acquire, a condition
   * or barrier await, a queue's put or take), sending it again while Redis refuses it for a slot
   * being migrated for as long as the call is {@code wanted}: a timed call's timer withdraws it
   * when its time runs out, an untimed one is retried while the refusal lasts, as it would wait
   * for a holder, until its caller cancels it (see {@link TryAgain}). Every attempt, the first
   * too, and one sent again after a library load, reads {@code wanted} and writes its command
   * holding {@code call}'s monitor, which the call's withdrawal holds while it makes
   * {@code wanted} false, before it sends its CANCEL: the attempt runs in Redis before that
   * CANCEL, or is not sent and fails with {@link Scripts.NotSent}, which its sender ignores
   * (whoever settled the call acts). So does a call sent again after Redis forgot it (a
   * renewal's {@code X}), whose withdrawal may come between the renewal's check and the send.
   * Each attempt takes its arguments from {@code args}, given the Redis time (ms) at which it is
   * sent, so that its own deadline ({@link #notAfter}) is fresh; the reply comes with that time.
   */
  <T> CompletableFuture<Sent<T>> runWaiting(Scripts script, String[] keys, Object call,
      BooleanSupplier wanted, LongFunction<String[]> args) {
    return tryAgain.send(() -> {
      long at = redisNow();
      return script.<T>run(redis, keys, call, wanted, args.apply(at))
          .thenApply(reply -> new Sent<>(reply, at));
    }, TryAgain.NO_BOUND, wanted);
  }

  /** A reply of {@link #runWaiting}, with the Redis time (ms) its attempt was sent at. */
  record Sent<T>(T reply, long at) {
  }

  /**
   * The Redis time (ms) after which a command sent at {@code sentAt} for a call whose caller's
   * deadline is {@code deadline} must do nothing: the deadline, or one command timeout later.
   */
  long notAfter(long deadline, long sentAt) {
    return Math.min(deadline, sentAt + commandTimeoutMillis);
  }

  RuntimeException translate(Throwable failure) {
    Throwable cause = Scripts.unwrap(failure);
    if (cause instanceof RedisCommandExecutionException execution
        && execution.getMessage() != null && execution.getMessage().contains("BATON_PERMITS")) {
      String[] counts = execution.getMessage()
          .replaceAll(".*BATON_PERMITS (\\d+) (\\d+).*", "$1 $2").split(" ");
      return new IllegalStateException("a semaphore of this name has " + counts[0]
          + " permits in Redis at " + address + ", declared by another instance, and this one"
          + " declares " + counts[1] + ": every instance must declare the same number of permits",
          cause);
    }
    if (cause instanceof RedisCommandTimeoutException) {
      return unavailable("no answer within " + options.commandTimeout(), cause);
    }
    if (cause instanceof RedisException && !(cause instanceof RedisCommandExecutionException)) {
      String refused = reconnectRefused;
      return unavailable(cause.getMessage() + (refused == null ? ""
          : " (reconnecting: Redis answered '" + refused + "')"), cause);
    }
    if (refusedForAPassingState(cause)) {
      return unavailable("it answered '" + cause.getMessage() + "'", cause);
    }
    if (cause instanceof RuntimeException runtime) {
      return runtime;
    }
    return unavailable(String.valueOf(cause), cause);
  }

  /**
   * Whether {@code reply} refuses a call for a state of the server that passes: a slot that
   * migrates (every script names several keys of its slot, and Redis refuses those while some are
   * on either side), a cluster or a primary down, a data set loading, a script running long, a
   * primary that became a replica. Such a call fails as unavailable, as one while Redis is down;
   * one refused for a slot that migrates ({@code TRYAGAIN}) only once {@link TryAgain} has sent it
   * again for as long as its deadline allows (the others are not retried: see there why).
   */
  private static boolean isPassing(RedisCommandExecutionException reply) {
    return PASSING_REPLIES.contains(ErrorCode.of(reply));
  }

  /**
   * Whether {@code failure} is Redis refusing a call for a state of the server that passes (see
   * {@link #isPassing}): the call ran nothing, so sending it again cannot run it twice.
   */
  static boolean refusedForAPassingState(Throwable failure) {
    return Scripts.unwrap(failure) instanceof RedisCommandExecutionException reply
        && isPassing(reply);
  }

  private RedisUnavailableException unavailable(String what, Throwable cause) {
    return unavailable(address, what, cause);
  }

  private static RedisUnavailableException unavailable(String address, String what,
      Throwable cause) {
    return new RedisUnavailableException("Redis at " + address + " is unavailable: " + what,
        cause);
  }

  private void onMessage(String channel, String message) {
    if (grantChannel.equals(channel)) {
      int space = message.indexOf(' ');
      String id = message.substring(0, space);
      String rest = message.substring(space + 1);
      Consumer<String> handler = grants.get(id);
      if (handler != null) {
        callbacks.execute(() -> handler.accept(rest));
        return;
      }
      if (!PERMIT_GRANT.matcher(rest).matches()) {
        return; // for a call settled meanwhile: its CANCEL undoes what the message says
      }
      String[] grant = rest.split(" ");
      long token = Long.parseLong(grant[0]);
      long grantedAt = Long.parseLong(grant[1]);
      callbacks.execute(() -> deliver(id, token, grantedAt));
      return;
    }
    Consumer<String> listener = channels.get(channel);
    if (listener != null) {
      callbacks.execute(() -> listener.accept(message));
    }
  }

  /**
   * Subscribes to {@code channel}, whose messages go to {@code listener} on a callback thread;
   * the future completes once Redis confirmed the subscription. Called again for the same
   * channel, it returns the same subscription, or subscribes anew if that one failed. Lettuce
   * subscribes again after a reconnect; what was published meanwhile is for the listener's owner
   * to reconcile.
   */
  CompletableFuture<Void> listen(String channel, Consumer<String> listener) {
    channels.put(channel, listener);
    return subscriptions.compute(channel, (name, current) ->
        current == null || current.isCompletedExceptionally()
            ? pubSub.async().subscribe(name).toCompletableFuture()
            : current);
  }

  /** Sends the messages for {@code id} on this JVM's grant channel to {@code handler}. */
  void expect(String id, Consumer<String> handler) {
    grants.put(id, handler);
  }

  /** Stops sending messages for {@code id} to its handler. */
  void forget(String id) {
    grants.remove(id);
  }

  /** Asks the renewal tick to renew {@code participant}'s pending calls from now on. */
  void participate(Participant participant) {
    participants.add(participant);
  }

  Set<Participant> participants() {
    return participants;
  }

  /** Makes sure a renewal tick runs within {@code delayMillis}, for a participant's retry. */
  void tickWithin(long delayMillis) {
    renewals.runSoon(delayMillis);
  }

  /** A new id, unique across JVMs: this JVM's id, a colon, a counter. */
  String nextId() {
    return jvmId + ":" + Long.toString(ids.incrementAndGet(), 36);
  }

  private void shutdownQuietly() {
    shut = true;
    if (reconnectFailures != null) {
      reconnectFailures.dispose();
    }
    renewals.stop();
    timers.shutdownNow();
    tryAgain.stop();
    try {
      connections.shutdown();
    } catch (RuntimeException e) {
      log.debug("Closing the Redis client for {} failed", address, e);
    }
    callbacks.shutdown();
  }

  private static long uptimeSeconds(String serverInfo) {
    for (String line : serverInfo.split("\r?\n")) {
      if (line.startsWith("uptime_in_seconds:")) {
        return Long.parseLong(line.substring("uptime_in_seconds:".length()).trim());
      }
    }
    return 0;
  }

  private static String requireName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("a primitive's name must not be blank");
    }
    return name;
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    ClassLoader loader = RedisBackend.class.getClassLoader();
    return task -> {
      Thread thread = new Thread(null, task, prefix + "-" + count.incrementAndGet(), 0, false);
      thread.setDaemon(true);
      thread.setContextClassLoader(loader);
      return thread;
    };
  }
}
