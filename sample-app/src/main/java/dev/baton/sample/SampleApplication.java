package dev.baton.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.event.EventListener;

/** Baton's sample app: coordination through the starter's annotations, over HTTP. */
@SpringBootApplication
public class SampleApplication {

  public static void main(String[] args) {
    SpringApplication.run(SampleApplication.class, args);
  }

  @EventListener
  void announce(ApplicationReadyEvent ready) {
    if (ready.getApplicationContext() instanceof WebServerApplicationContext web) {
      int port = web.getWebServer().getPort();
      System.out.println("Baton sample app: open http://localhost:" + port + "/");
    }
  }
}
