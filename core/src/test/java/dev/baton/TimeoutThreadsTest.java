package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The threads behind timeouts are Baton's own: whoever happens to start them, they inherit none
 * of that caller's inheritable thread-locals and use Baton's class loader as their context class
 * loader, not the caller's.
 *
 * <p>They start on first use, once per copy of Baton, so the test loads a fresh copy of Baton's
 * classes in a class loader of its own and makes the first timed waits of that copy from a thread
 * with a thread-local and a context class loader of its own.
 */
class TimeoutThreadsTest {

  private static final InheritableThreadLocal<String> CALLERS_CONTEXT =
      new InheritableThreadLocal<>();

  /** What a piece of code saw of the thread it ran on. */
  private record Seen(String thread, String inherited, ClassLoader contextClassLoader) {
    static Seen here() {
      Thread t = Thread.currentThread();
      return new Seen(t.getName(), CALLERS_CONTEXT.get(), t.getContextClassLoader());
    }
  }

  @Test
  void theExpiryAndCompletionThreadsInheritNothingFromTheCallerThatStartsThem()
      throws Exception {
    URL batonClasses = Timeouts.class.getProtectionDomain().getCodeSource().getLocation();
    ClassLoader freshBaton =
        new URLClassLoader(new URL[] {batonClasses}, ClassLoader.getPlatformClassLoader());
    ClassLoader callersLoader =
        new URLClassLoader(new URL[0], ClassLoader.getPlatformClassLoader());
    CompletableFuture<Seen> onExpiryThread = new CompletableFuture<>();
    CompletableFuture<Seen> inTimedOutCallback = new CompletableFuture<>();
    CompletableFuture<Void> called = new CompletableFuture<>();

    Thread caller = new Thread(() -> {
      CALLERS_CONTEXT.set("the first caller's");
      Thread.currentThread().setContextClassLoader(callersLoader);
      try {
        Class<?> timeouts = freshBaton.loadClass(Timeouts.class.getName());
        Method schedule = timeouts.getDeclaredMethod("schedule", Runnable.class, Duration.class);
        schedule.setAccessible(true);
        schedule.invoke(null, (Runnable) () -> onExpiryThread.complete(Seen.here()),
            Duration.ofMillis(1));
        Class<?> lockType = freshBaton.loadClass(AsyncLock.class.getName());
        Object lock = lockType.getMethod("create").invoke(null);
        Method acquire = lockType.getMethod("acquire", Duration.class);
        acquire.invoke(lock, Duration.ZERO); // takes the free lock
        // Long enough to register the callback first, which must never run on this thread.
        CompletableFuture<?> timed =
            (CompletableFuture<?>) acquire.invoke(lock, Duration.ofMillis(300));
        timed.whenComplete((p, t) -> inTimedOutCallback.complete(Seen.here()));
        called.complete(null);
      } catch (Throwable t) {
        called.completeExceptionally(t);
      }
    }, "first-caller");
    caller.start();
    called.orTimeout(10, TimeUnit.SECONDS).join();

    Seen expiry = onExpiryThread.orTimeout(10, TimeUnit.SECONDS).join();
    Seen completion = inTimedOutCallback.orTimeout(10, TimeUnit.SECONDS).join();
    for (Seen seen : new Seen[] {expiry, completion}) {
      assertThat(seen.thread()).as("thread").isNotEqualTo("first-caller");
      assertThat(seen.inherited()).as("inheritable thread-local on %s", seen.thread()).isNull();
      assertThat(seen.contextClassLoader()).as("context class loader of %s", seen.thread())
          .isSameAs(freshBaton);
    }
  }
}
