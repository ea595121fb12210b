package dev.baton.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.AsyncEvent;
import dev.baton.Permit;
import dev.baton.spring.PrimitiveRegistry;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The live page in headless Chromium (Debian's chromium and chromium-driver): a scenario button
 * shows the run's timeline, the cards follow the primitives, the deadlock scenario's cycle is
 * drawn under Stuck calls while it lasts (and its lock-order inversion after), and the orders
 * line counts the orders placed and settled here. Runs in an application context of its own
 * (keys shown on the lock-family cards), so its primitives and orders start untouched. Skipped
 * when Chromium is missing, except on CI ({@code CI=true}), where it must run.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "baton.endpoint.show-keys=true")
class LivePageBrowserTests {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  @LocalServerPort
  int port;

  @Autowired
  PrimitiveRegistry registry;

  static WebDriver browser;
  static WebDriverWait wait;

  @BeforeAll
  static void openBrowser(@TempDir Path profile) {
    boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
    assumeTrue(ci || (Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER)),
        "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)");
    ChromeOptions options = new ChromeOptions()
        .setBinary(CHROMIUM.toFile())
        .addArguments("--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--disable-dev-shm-usage", "--window-size=1280,1800", "--user-data-dir=" + profile);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
        .usingAnyFreePort()
        .build();
    browser = new ChromeDriver(service, options);
    wait = new WebDriverWait(browser, Duration.ofSeconds(10));
    wait.ignoring(StaleElementReferenceException.class);   // the cards are redrawn every second
  }

  @AfterAll
  static void closeBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  @Test
  void runningTheEventScenarioShowsItsTimelineAndTheEventCardTurnsSet() {
    browser.get("http://localhost:" + port + "/");
    By eventCard = By.id("card-event-demo-event");
    wait.until(ExpectedConditions.attributeToBe(eventCard, "data-state", "clear"));

    wait.until(ExpectedConditions.elementToBeClickable(By.id("run-event"))).click();

    wait.until(ExpectedConditions.attributeToBe(
        By.id("timeline-events"), "data-scenario", "event"));
    List<String> actions = browser.findElements(By.cssSelector("#timeline-events tr.event"))
        .stream().map(row -> row.getAttribute("data-action")).toList();
    assertThat(actions).containsExactly("waiting", "waiting", "set", "proceeded", "proceeded");
    wait.until(ExpectedConditions.attributeToBe(eventCard, "data-state", "set"));
  }

  @Test
  void theStatusLineNamesTheBackendAndEachCardItsScope() {
    browser.get("http://localhost:" + port + "/");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(
        By.id("status"), "backend: local (this instance)"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(
        By.id("card-semaphore-payments"), "scope\nthis-instance"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(
        By.id("card-semaphore-payments"), "holders\n0"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(
        By.id("card-queue-orders"), "scope\nthis-instance"));
  }

  @Test
  void theOrdersLineCountsTheOrdersPlacedAndSettledOnThisInstance() {
    browser.get("http://localhost:" + port + "/");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(
        By.id("orders-instance"), ":" + port));

    wait.until(ExpectedConditions.elementToBeClickable(
        By.cssSelector("button[data-post='/orders/burst/30?sku=tea']"))).click();

    WebDriverWait settling = new WebDriverWait(browser, Duration.ofSeconds(30));
    settling.until(ExpectedConditions.textToBe(By.id("orders-settled"), "30"));
    assertThat(browser.findElement(By.id("orders-placed")).getText()).isEqualTo("30");
    assertThat(browser.findElement(By.id("orders-elsewhere")).getText()).isEqualTo("0");
  }

  @Test
  void runningTheLockScenarioShowsEachWorkerAcquiringInTurn() {
    browser.get("http://localhost:" + port + "/");
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("card-lock-demo-lock")));

    wait.until(ExpectedConditions.elementToBeClickable(By.id("run-lock"))).click();

    wait.until(ExpectedConditions.attributeToBe(
        By.id("timeline-events"), "data-scenario", "lock"));
    List<WebElement> acquired =
        browser.findElements(By.cssSelector("#timeline-events tr.event[data-action=acquired]"));
    assertThat(acquired).hasSize(3);
    assertThat(browser.findElements(By.cssSelector(".lanes .span.holding"))).hasSize(3);
    By lockCard = By.id("card-lock-demo-lock");
    wait.until(ExpectedConditions.attributeToBe(lockCard, "data-state", "free"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(lockCard, "waiters\n0"));
    screenshot();
  }

  @Test
  void runningTheDeadlockScenarioDrawsItsCycleConfirmedUntilTheTimeoutEndsIt() {
    browser.get("http://localhost:" + port + "/");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(
        By.id("stalls-summary"), "Nothing stuck"));

    wait.until(ExpectedConditions.elementToBeClickable(By.id("run-deadlock"))).click();

    By confirmedCalls = By.cssSelector(".deadlock[data-confirmed=true] .stuck-call");
    List<String> sites = wait.until(page -> {
      List<String> drawn = page.findElements(confirmedCalls).stream()
          .map(call -> call.getAttribute("data-site")).toList();
      return drawn.size() == 4 ? drawn : null;
    });
    assertThat(sites).as("the cycle, from its earliest call").containsExactly(
        "OrderDesk.place", "Ledger.post", "Ledger.close", "Inventory.count");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(
        By.id("card-lock-family-inventory"), "keys\ncocoa"));
    WebDriverWait untilTimeout = new WebDriverWait(browser, Duration.ofSeconds(15));
    untilTimeout.until(ExpectedConditions.attributeToBe(
        By.id("timeline-events"), "data-scenario", "deadlock"));
    assertThat(browser.findElement(By.cssSelector("#timeline-events tr.message")).getText())
        .contains("waiting for lock 'ledger': held for ")
        .contains(" by Ledger.close, which waits for lock 'inventory' in Inventory.count");
    assertThat(browser.findElements(By.cssSelector(".lanes .mark.timeout")))
        .as("the timeout, marked on its lane").hasSize(1);
    wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector(".deadlock"), 0));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(
        By.id("stalls-summary"), "Nothing stuck"));
    wait.until(ExpectedConditions.and(
        ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".inversions"),
            "Ledger.post takes lock 'inventory', then lock 'ledger'"),
        ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".inversions"),
            "Inventory.count takes lock 'ledger', then lock 'inventory'")));
  }

  /**
   * A deadlock is drawn amber while only suspected and red once confirmed. The suspected phase of
   * the scenario's deadlock lasts less than the page's refresh, so the page draws both states of
   * one cycle here with its own drawing code.
   */
  @Test
  void aSuspectedDeadlockIsDrawnInAmberAndAConfirmedOneInRed() {
    Object colours = runOnThePage("stalls-summary", """
        const call = { site: 'OrderDesk.place', id: 1, holds: [], waits: [] };
        return [false, true].map(confirmed => {
          const drawn = deadlockView({ confirmed, cycle: [call], tail: [] });
          document.body.append(drawn);
          const colours = [getComputedStyle(drawn).borderLeftColor,
            getComputedStyle(drawn.querySelector('header b')).color];
          drawn.remove();
          return colours;
        });
        """);

    String amber = "rgb(199, 119, 0)";
    String red = "rgb(198, 40, 40)";
    assertThat(colours).isEqualTo(List.of(List.of(amber, amber), List.of(red, red)));
  }

  /**
   * A run that fails answers 503 with a ProblemDetail: the page shows its {@code detail}, why the
   * run failed (here the condition's lock, held elsewhere past the participants' patience), not
   * only the status; an answer without one (an unknown scenario's 404), or not JSON, by its
   * status.
   */
  @Test
  void aFailedScenarioRunShowsWhyItFailed() {
    browser.get("http://localhost:" + port + "/");
    Permit heldElsewhere = registry.condition("demo-condition").lock().acquire().join();
    try {
      wait.until(ExpectedConditions.elementToBeClickable(By.id("run-condition"))).click();
      new WebDriverWait(browser, Duration.ofSeconds(20)).until(
          ExpectedConditions.textToBePresentInElementLocated(By.id("timeline"), "answered"));
    } finally {
      heldElsewhere.close();
    }
    assertThat(browser.findElement(By.id("timeline")).getText())
        .startsWith("condition: the run answered 503: timed out after PT5S waiting for ");

    JavascriptExecutor page = (JavascriptExecutor) browser;
    page.executeScript("return runScenario(document.createElement('button'), 'no-such');");
    assertThat(browser.findElement(By.id("timeline")).getText())
        .isEqualTo("no-such: the run answered 404");
    assertThat(page.executeScript("""
        return failure(new Response('<h1>Bad gateway</h1>', { status: 502 }), 'the run')
          .then(error => error.message);
        """)).isEqualTo("the run answered 502");
  }

  /**
   * The stalls line counts every pending lock, semaphore and event wait, and says so: here one
   * on an event, by this test, a call the stall view cannot place.
   */
  @Test
  void theStallsLineCountsAnEventWaitAmongThePendingWaits() {
    AsyncEvent event = registry.event("demo-event");
    boolean wasSet = event.isSet();
    event.clear();
    CompletableFuture<Void> waiting = event.await();
    try {
      browser.get("http://localhost:" + port + "/");
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("stalls-summary"),
          "1 wait pending on locks, semaphores and events, 1 of them of calls it cannot place"));
    } finally {
      waiting.cancel(true);
      if (wasSet) {
        event.set();
      }
    }
  }

  /**
   * A primitive Redis has not answered for yet ({@code state} {@code unknown}, counts null) is
   * drawn grey with a dashed edge, not as free, whatever its kind.
   */
  @Test
  void aCardWhoseStateIsUnknownIsGreyNotFree() {
    Object drawn = runOnThePage("card-semaphore-payments", """
        return [
          { name: 'payments', kind: 'semaphore', state: 'unknown', waiters: null,
            permits: { max: 3, available: null, inUse: null }, holders: 0, scope: 'shared' },
          { name: 'orders', kind: 'queue', state: 'unknown', waiters: null, size: null,
            capacity: 50, unfinished: null, putters: null, takers: null, scope: 'shared' },
          { name: 'demo-lock', kind: 'lock', state: 'unknown', waiters: null, holders: 0,
            scope: 'shared' }
        ].map(primitive => {
          const drawn = card(primitive);
          document.body.append(drawn);
          const style = getComputedStyle(drawn);
          const seen = [drawn.className, style.borderLeftColor, style.borderLeftStyle];
          drawn.remove();
          return seen;
        });
        """);

    List<String> grey = List.of("card unknown", "rgb(138, 147, 158)", "dashed");
    assertThat(drawn).isEqualTo(List.of(grey, grey, grey));
  }

  /**
   * A card's meter fills with what is taken: a semaphore's permits in use out of its permits, a
   * queue's items out of its capacity.
   */
  @Test
  void aCardsMeterFillsWithThePermitsInUseOrTheItemsQueued() {
    Object filled = runOnThePage("card-semaphore-payments", """
        return [
          { name: 'payments', kind: 'semaphore', state: 'in-use', waiters: 0,
            permits: { max: 4, available: 3, inUse: 1 }, holders: 1, scope: 'this-instance' },
          { name: 'orders', kind: 'queue', state: 'open', size: 3, capacity: 4, unfinished: 3,
            putters: 0, takers: 0, scope: 'this-instance' }
        ].map(primitive => card(primitive).querySelector('.meter span').style.width);
        """);

    assertThat(filled).isEqualTo(List.of("25%", "75%"));
  }

  /**
   * With the server out of reach, the scenarios section says it could not read the scenarios
   * (with a button to try again) and the orders line keeps its numbers, saying why and from
   * when; both recover once it answers again.
   */
  @Test
  void whenTheServerCannotBeReachedTheScenariosAndTheOrdersLineSaySo() {
    browser.get("http://localhost:" + port + "/");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(
        By.id("orders-instance"), ":" + port));
    wait.until(ExpectedConditions.elementToBeClickable(By.id("run-lock")));

    offline(true);
    try {
      ((JavascriptExecutor) browser).executeScript("return loadScenarios();");
      assertThat(browser.findElement(By.id("scenarios-problem")).getText())
          .startsWith("Cannot read the scenarios: ");
      WebElement ordersProblem = wait.until(
          ExpectedConditions.visibilityOfElementLocated(By.id("orders-problem")));
      assertThat(ordersProblem.getText()).startsWith("Cannot read the orders: ")
          .contains("; the numbers above are from ");
      assertThat(browser.findElement(By.id("orders-instance")).getText()).contains(":" + port);
    } finally {
      offline(false);
    }
    browser.findElement(By.id("reload-scenarios")).click();
    wait.until(ExpectedConditions.elementToBeClickable(By.id("run-lock")));
    wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("orders-problem")));
  }

  /**
   * Opens the page, waits until it has drawn the element {@code drawnFirst}, then runs
   * {@code script} there with the page's own functions: its result.
   */
  private Object runOnThePage(String drawnFirst, String script) {
    browser.get("http://localhost:" + port + "/");
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id(drawnFirst)));
    return ((JavascriptExecutor) browser).executeScript(script);
  }

  /** Cuts the page off the network (Chromium's own emulation, as with no network), or back. */
  private static void offline(boolean offline) {
    ChromeDriver chromium = (ChromeDriver) browser;
    chromium.executeCdpCommand("Network.enable", Map.of());
    chromium.executeCdpCommand("Network.emulateNetworkConditions", Map.of("offline", offline,
        "latency", 0, "downloadThroughput", -1, "uploadThroughput", -1));
  }

  /**
   * Keeps the page as it looks now in {@code target/live-page.png} and, with
   * {@code -Dbaton.update-screenshot=true}, as the README's picture, {@code docs/live-page.png}.
   */
  private static void screenshot() {
    byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
    try {
      Files.write(Path.of("target", "live-page.png"), png);
      if (Boolean.getBoolean("baton.update-screenshot")) {
        Files.write(Path.of("..", "docs", "live-page.png"), png);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not save the page's screenshot", e);
    }
  }
}
