package dev.baton.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.spring.aspect.BatonAspectsAutoConfiguration;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.jar.JarFile;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.GeneratedFiles.Kind;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.io.InputStreamSource;
import org.springframework.javapoet.ClassName;

/**
 * Runs the context that AOT processing generated (compiled into the test classes directory, so
 * that the application class loader loads it with the classes it calls): the primitives declared
 * under {@code baton.*}, left out of the generated code ({@link PrimitiveBeansAotExclusion}),
 * exist at run time, read from the properties then, and are injected by qualifier into a bean
 * the generated code creates.
 */
class AheadOfTimeRunTimeTest {

  private static final String[] PROPERTIES = {"baton.semaphores.payments.permits=3",
      "baton.semaphores.payments.timeout=10s", "baton.locks.stock.timeout=5s"};

  @Test
  void theGeneratedContextHasTheDeclaredPrimitivesAndInjectsThemByQualifier() throws Exception {
    AtomicReference<ClassName> initializer = new AtomicReference<>();
    InMemoryGeneratedFiles files = new InMemoryGeneratedFiles();
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
            BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class))
        .withUserConfiguration(Consumers.class)
        .withPropertyValues(PROPERTIES)
        .prepare(context -> {
          GenericApplicationContext source =
              (GenericApplicationContext) context.getSourceApplicationContext();
          DefaultGenerationContext generation = new DefaultGenerationContext(
              new ClassNameGenerator(ClassName.get(AheadOfTimeRunTimeTest.class)), files);
          initializer.set(new ApplicationContextAotGenerator()
              .processAheadOfTime(source, generation));
          generation.writeGeneratedContent();
        });
    compile(files);

    GenericApplicationContext runtime = new GenericApplicationContext();
    TestPropertyValues.of(PROPERTIES).applyTo(runtime);
    @SuppressWarnings("unchecked")
    ApplicationContextInitializer<GenericApplicationContext> generated =
        (ApplicationContextInitializer<GenericApplicationContext>) Class.forName(
            initializer.get().canonicalName()).getDeclaredConstructor().newInstance();
    generated.initialize(runtime);
    runtime.refresh();
    try {
      assertThat(runtime.containsBean("baton.semaphore.payments")).isTrue();
      PaymentService payments = runtime.getBean(PaymentService.class);
      assertThat(payments.semaphore.availablePermits()).isEqualTo(3);
      assertThat(payments.lock).isSameAs(runtime.getBean("baton.lock.stock"));
    } finally {
      runtime.close();
    }
  }

  private static void compile(InMemoryGeneratedFiles files) throws IOException {
    Path sources = Files.createTempDirectory("aot-sources");
    List<String> paths = new ArrayList<>();
    for (Map.Entry<String, InputStreamSource> file
        : files.getGeneratedFiles(Kind.SOURCE).entrySet()) {
      Path path = sources.resolve(file.getKey());
      Files.createDirectories(path.getParent());
      try (InputStream in = file.getValue().getInputStream()) {
        Files.write(path, in.readAllBytes());
      }
      paths.add(path.toString());
    }
    Path testClasses = Path.of(AheadOfTimeRunTimeTest.class.getProtectionDomain().getCodeSource()
        .getLocation().getPath());
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    List<String> args = new ArrayList<>(List.of("-d", testClasses.toString(), "-cp",
        classPath(), "-parameters", "-proc:none", "-nowarn"));
    args.addAll(paths);
    int status = javac.run(null, null, null, args.toArray(String[]::new));
    assertThat(status).as("generated code compiles").isZero();
  }

  private static String classPath() throws IOException {
    String path = System.getProperty("java.class.path");
    String[] entries = path.split(File.pathSeparator);
    if (entries.length == 1 && entries[0].endsWith(".jar")) {
      try (JarFile jar = new JarFile(entries[0])) {
        String manifest = jar.getManifest().getMainAttributes().getValue("Class-Path");
        if (manifest != null) {
          List<String> files = new ArrayList<>();
          for (String url : manifest.split(" ")) {
            if (!url.isBlank()) {
              files.add(java.net.URLDecoder.decode(java.net.URI.create(url).getPath(),
                  StandardCharsets.UTF_8));
            }
          }
          return String.join(File.pathSeparator, files);
        }
      }
    }
    return path;
  }

  public static class PaymentService {
    final AsyncSemaphore semaphore;
    final AsyncLock lock;

    public PaymentService(@Qualifier("payments") AsyncSemaphore semaphore,
        @Qualifier("stock") AsyncLock lock) {
      this.semaphore = semaphore;
      this.lock = lock;
    }
  }

  @Configuration(proxyBeanMethods = false)
  public static class Consumers {
    @Bean
    public PaymentService paymentService(@Qualifier("payments") AsyncSemaphore semaphore,
        @Qualifier("stock") AsyncLock lock) {
      return new PaymentService(semaphore, lock);
    }
  }
}
