package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A queue's joins in one JVM, fed the reads, messages and renewals whose replies the callback
 * threads hand them in any order. Here each reply is handed by hand, in the order to be tested.
 */
class QueueJoinsTest {

  final QueueJoins joins = new QueueJoins();

  /**
   * A renewal reads no task unfinished; a task is put; a join begins and reads it unfinished.
   * The renewal's reply, handled after the join's read, must not complete the join: it read
   * Redis before the task was put.
   */
  @Test
  void aRenewalThatReadRedisBeforeAJoinDoesNotCompleteItWithItsNoneUnfinished() {
    QueueJoins.Join join = new QueueJoins.Join();
    joins.add(join);
    joins.read(join, 1, 7);
    joins.reconcile(0, 7);
    assertThat(join.future).as("a join whose task is not done").isNotDone();
  }
}
