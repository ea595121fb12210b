package dev.baton.spring.aspect;

import static org.mockito.Mockito.verify;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.bean.override.mockito.MockitoBean;

/**
 * An annotated service replaced by a Mockito mock in a test, as users' tests do: the mock is
 * made outside the post-processors, so no proxy applies its annotations, and Baton's start-up
 * checks must not refuse it for that.
 */
@SpringBootTest(classes = AspectTestApplication.class,
    properties = "spring.main.web-application-type=none")
class MockedAnnotatedServiceTest {

  @MockitoBean
  TestServices.GuardedService service;

  @Autowired
  TestServices.GuardedService injected;

  @Test
  void theContextStartsAndHandsOutTheMock() {
    injected.touch(1);

    verify(service).touch(1);
  }
}
