package dev.baton.spring.aspect;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * A {@code @SpringBootTest} of {@link CallContextTestApplication} with the same properties
 * everywhere, so that every test class using it shares one cached application context.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@SpringBootTest(classes = CallContextTestApplication.class, properties = {
    "baton.default-timeout=10s",
    "spring.main.banner-mode=off",
    "logging.level.root=warn"})
@interface CallContextTest {
}
