package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A queue's joins in one JVM, fed the reads, messages and renewals whose replies the callback
 * threads hand them in any order. Here each reply is handed by hand, in the order to be tested.
 */
class QueueJoinsTest {

  final QueueJoins joins = new QueueJoins();
  final QueueJoins.Join join = new QueueJoins.Join();

  /**
   * A renewal reads no task unfinished; a task is put; a join begins and reads it unfinished.
   * The renewal's reply, handled after the join's read, must not complete the join: it read
   * Redis before the task was put.
   */
  @Test
  void aRenewalThatReadRedisBeforeAJoinDoesNotCompleteItWithItsNoneUnfinished() {
    joins.add(join);
    long renewalSent = joins.reads();
    joins.read(join, 1, 7);
    joins.reconcile(0, 7, renewalSent);
    assertThat(join.future).as("a join whose task is not done").isNotDone();
    joins.reconcile(0, 0, renewalSent); // the queue's metadata deleted as it went idle
    assertThat(join.future).isNotDone();
  }

  /**
   * A renewal sent after the join's read ran after it: none unfinished then completes the join,
   * even with no generation to compare (the idle queue's metadata deleted).
   */
  @Test
  void aRenewalSentAfterAJoinsReadCompletesItWithNoneUnfinished() {
    joins.add(join);
    joins.read(join, 1, 7);
    joins.reconcile(0, 0, joins.reads());
    assertThat(join.future).isCompleted();
  }

  /** A newer generation completes a join whatever the renewal's place: it was published after. */
  @Test
  void aNewerGenerationCompletesAJoinReadAfterTheRenewalWasSent() {
    joins.add(join);
    long renewalSent = joins.reads();
    joins.read(join, 2, 7);
    joins.reconcile(1, 7, renewalSent);
    assertThat(join.future).isNotDone();
    joins.reconcile(1, 8, renewalSent);
    assertThat(join.future).isCompleted();
  }
}
