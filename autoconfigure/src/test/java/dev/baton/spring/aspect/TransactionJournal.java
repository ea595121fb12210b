package dev.baton.spring.aspect;

import dev.baton.spring.PrimitiveRegistry;
import java.util.ArrayList;
import java.util.List;

/**
 * What happened around a transactional call, in order, each entry noting whether the watched
 * lock was held at that moment.
 */
final class TransactionJournal {

  private final PrimitiveRegistry registry;
  private final String lockName;
  private final List<String> entries = new ArrayList<>();

  TransactionJournal(PrimitiveRegistry registry, String lockName) {
    this.registry = registry;
    this.lockName = lockName;
  }

  synchronized void record(String what) {
    entries.add(what + " (lock held: " + registry.lock(lockName).isLocked() + ")");
  }

  synchronized List<String> entries() {
    return List.copyOf(entries);
  }

  synchronized void clear() {
    entries.clear();
  }
}
