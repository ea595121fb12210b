package dev.baton.spring.aspect;

import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.TestServices.TransactionalService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code @Transactional} service and what observes it: a journal that notes whether the
 * service's lock is held at each step, fed by a recording transaction manager. Imported by the
 * applications of the transaction tests, each of which sets the order of {@code @Transactional}
 * with its own {@code @EnableTransactionManagement}.
 */
@Configuration(proxyBeanMethods = false)
class TransactionTestConfiguration {

  @Bean
  TransactionJournal transactionJournal(PrimitiveRegistry registry) {
    return new TransactionJournal(registry, TransactionalService.LOCK);
  }

  @Bean
  RecordingTransactionManager transactionManager(TransactionJournal journal) {
    return new RecordingTransactionManager(journal);
  }

  @Bean
  TransactionalService transactionalService(TransactionJournal journal) {
    return new TransactionalService(journal);
  }
}
