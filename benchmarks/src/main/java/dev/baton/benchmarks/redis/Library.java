package dev.baton.benchmarks.redis;

import dev.baton.AsyncLock;
import dev.baton.Permit;
import org.redisson.api.RLock;

/**
 * The two Redis locks compared, behind one blocking lock/unlock pair for the plain main classes
 * ({@link RedisRoundTrips}, {@link RedisHandOffLatency}): Baton's {@code acquire().join()} and
 * asynchronous {@code release()}, Redisson's {@code lock()} and {@code unlock()}.
 */
enum Library {
  BATON {
    @Override
    Lock lock(LockClients clients, String name) {
      AsyncLock lock = clients.baton.lock(name);
      return new Lock() {
        private Permit permit;

        @Override
        public void lock() {
          permit = lock.acquire().join();
        }

        @Override
        public void unlock() {
          permit.release();
        }
      };
    }
  },
  REDISSON {
    @Override
    Lock lock(LockClients clients, String name) {
      RLock lock = clients.redisson.getLock(name);
      return new Lock() {
        @Override
        public void lock() {
          lock.lock();
        }

        @Override
        public void unlock() {
          lock.unlock();
        }
      };
    }
  };

  /** A lock of this library, used by one thread at a time. */
  interface Lock {
    void lock();

    void unlock();
  }

  abstract Lock lock(LockClients clients, String name);
}
