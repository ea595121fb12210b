package dev.baton.spring.aspect;

import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.TestServices.TransactionalService;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * What the transaction tests share: the {@code @Transactional} service of
 * {@link TransactionTestConfiguration}, the journal of what happens around its calls (emptied
 * before each test) and the registry that holds its lock. Each subclass picks the application,
 * and with it the order of {@code @Transactional} relative to Baton's aspects.
 */
abstract class TransactionTestSupport {

  @Autowired
  TransactionalService service;

  @Autowired
  TransactionJournal journal;

  @Autowired
  PrimitiveRegistry registry;

  @BeforeEach
  void clearJournal() {
    journal.clear();
  }
}
