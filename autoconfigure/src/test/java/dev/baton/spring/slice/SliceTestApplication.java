package dev.baton.spring.slice;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The application that the slice tests of this package find; its controller is all it has. */
@SpringBootApplication
class SliceTestApplication {
}
