package dev.baton.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * Requests with a quantity or count that makes no sense answer 400, naming what was wrong, and
 * change nothing; an unknown SKU answers 404 on every stock endpoint.
 */
class BadInputTests extends RunningSampleAppTest {

  private static final Pattern GRANTED_CHARGES = Pattern.compile("(?m)^baton_wait_seconds_count"
      + "\\{[^}]*name=\"payments\",outcome=\"acquired\"[^}]*} (\\S+)$");

  private final JsonMapper json = JsonMapper.builder().build();

  @Test
  void aNegativeRestockIsRefusedAndTheLevelNeverGoesNegative() {
    int before = level("coffee");

    HttpResponse<String> restock = client.post("/stock/coffee/restock?quantity=-1000");

    assertRefused(restock, "quantity");
    assertThat(level("coffee")).isEqualTo(before).isNotNegative();
  }

  @Test
  void aRestockThatWouldOverflowTheLevelIsRefusedAndTheLevelNeverGoesNegative() {
    int before = level("tea");

    HttpResponse<String> restock = client.post("/stock/tea/restock?quantity=" + Integer.MAX_VALUE);

    assertRefused(restock, "quantity");
    assertThat(level("tea")).isEqualTo(before).isNotNegative();
  }

  @Test
  void aReservationOfNoUnitsOrOfANegativeNumberIsRefused() {
    int before = level("coffee");

    assertRefused(client.post("/stock/coffee/reservations?quantity=-5"), "quantity");
    assertRefused(client.post("/stock/coffee/reservations?quantity=0"), "quantity");
    assertThat(level("coffee")).as("a negative reservation must not add stock")
        .isEqualTo(before);
  }

  /** A rush whatever its count, a reservation or a restock: none stocks the SKU it names. */
  @Test
  void anUnknownSkuAnswers404OnEveryStockEndpointAndIsNeverStocked() {
    assertThat(client.post("/stock/nothing/rush/3").statusCode()).isEqualTo(404);
    assertThat(client.post("/stock/nothing/rush/0").statusCode()).isEqualTo(404);
    assertThat(client.post("/stock/nothing/reservations").statusCode()).isEqualTo(404);
    assertThat(client.post("/stock/nothing/restock?quantity=5").statusCode()).isEqualTo(404);
    assertThat(json.readValue(client.get("/stock").body(), Levels.class))
        .doesNotContainKey("nothing");
  }

  @Test
  void aNegativeCountIsRefused() {
    assertRefused(client.post("/stock/coffee/rush/-1"), "count");
    assertRefused(client.post("/payments/burst/-1"), "count");
    assertRefused(client.post("/orders/burst/-1?sku=tea"), "count");
  }

  /**
   * A burst, a rush or an order burst of more than a thousand is refused before anything starts.
   * Without the bound, one request with a large count started that many waits at once: a million
   * charges filled a 1 GB heap and the app stopped answering.
   */
  @Test
  void aCountAboveAThousandIsRefusedAndStartsNothing() {
    long placed = placed();
    int coffee = level("coffee");
    client.postJson("/payments/burst/1", Burst.class);
    double charges = chargesGranted();
    assertThat(charges).as("charges granted, one at least").isPositive();

    assertSoftly(softly -> {
      for (String burst : List.of("/payments/burst/1001", "/stock/coffee/rush/1001",
          "/orders/burst/1001?sku=nothing")) {
        HttpResponse<String> response = client.post(burst);
        softly.assertThat(response.statusCode()).as(burst + ": " + response.body())
            .isEqualTo(400);
        softly.assertThat(json.readValue(response.body(), Map.class))
            .as(burst + ", naming what was wrong, as README quotes it")
            .isEqualTo(Map.of("error", "count must be at most 1000, was 1001"));
      }
      softly.assertThat(placed()).as("orders placed").isEqualTo(placed);
      softly.assertThat(level("coffee")).as("coffee reserved").isEqualTo(coffee);
      softly.assertThat(chargesGranted()).as("charges let through").isEqualTo(charges);
    });
  }

  /**
   * README: "an {@code {n}} below 0 or above 1,000, answers {@code 400} naming the parameter
   * ({@code count} ...)". A count too large for an {@code int} is above 1,000 too, and must be
   * refused the same way, not with Spring's anonymous {@code "Bad Request"} that names nothing.
   */
  @Test
  void aCountTooLargeForAnIntIsRefusedNamingTheCount() {
    assertSoftly(softly -> {
      for (String burst : List.of("/payments/burst/99999999999", "/stock/coffee/rush/2147483648",
          "/orders/burst/99999999999?sku=tea")) {
        String count = burst.replaceAll(".*/([0-9]+).*", "$1");
        HttpResponse<String> response = client.post(burst);
        softly.assertThat(response.statusCode()).as(burst + ": " + response.body())
            .isEqualTo(400);
        softly.assertThat(json.readValue(response.body(), Map.class))
            .as(burst + ": the answer names the count, as README quotes it")
            .isEqualTo(Map.of("error", "count must be at most 1000, was " + count));
      }
    });
  }

  /**
   * A count or quantity that is not a whole number, or is too small or too large for an
   * {@code int}, is refused naming the parameter and the value, and changes nothing.
   */
  @Test
  void aCountOrQuantityThatIsNoIntIsRefusedNamingItAndChangesNothing() {
    long placed = placed();
    int coffee = level("coffee");

    assertSoftly(softly -> Map.of(
        "/payments/burst/abc", "count must be a whole number, was abc",
        "/stock/coffee/rush/-2147483649", "count must be at least 0, was -2147483649",
        "/orders?sku=coffee&quantity=1.5", "quantity must be a whole number, was 1.5",
        "/orders?sku=coffee&quantity=99999999999",
        "quantity must be at most 2147483647, was 99999999999",
        "/stock/coffee/reservations?quantity=-99999999999",
        "quantity must be at least 1, was -99999999999",
        "/stock/coffee/restock?quantity=x", "quantity must be a whole number, was x")
        .forEach((request, error) -> {
          HttpResponse<String> response = client.post(request);
          softly.assertThat(response.statusCode()).as(request + ": " + response.body())
              .isEqualTo(400);
          softly.assertThat(json.readValue(response.body(), Map.class)).as(request)
              .isEqualTo(Map.of("error", error));
        }));
    assertThat(placed()).as("orders placed").isEqualTo(placed);
    assertThat(level("coffee")).as("coffee level").isEqualTo(coffee);
  }

  /** A count of 0 is in range: the burst, rush or order burst starts nothing and answers 200. */
  @Test
  void aCountOfZeroIsAcceptedAndDoesNothing() {
    int coffee = level("coffee");

    assertThat(client.postJson("/payments/burst/0", Burst.class)).isEqualTo(new Burst(0, 0));
    assertThat(client.postJson("/stock/coffee/rush/0", Rush.class))
        .isEqualTo(new Rush(0, 0, coffee));
    assertThat(client.postJson("/orders/burst/0?sku=tea", Object[].class)).isEmpty();
  }

  @Test
  void anOrderOfANegativeQuantityIsNotQueued() {
    long placed = placed();

    assertRefused(client.post("/orders?sku=coffee&quantity=-100"), "quantity");
    assertRefused(client.post("/orders?sku=coffee&quantity=0"), "quantity");
    assertThat(placed()).isEqualTo(placed);
  }

  private void assertRefused(HttpResponse<String> response, String what) {
    assertThat(response.statusCode()).as(response.uri() + ": " + response.body()).isEqualTo(400);
    assertThat(response.body()).as("the answer names what was wrong").contains(what);
  }

  private int level(String sku) {
    return json.readValue(client.get("/stock").body(), Levels.class).get(sku);
  }

  /** Waits for a {@code payments} permit that were granted since start-up, from the scrape. */
  private double chargesGranted() {
    Matcher granted = GRANTED_CHARGES.matcher(client.get("/actuator/prometheus").body());
    return granted.find() ? Double.parseDouble(granted.group(1)) : 0;
  }

  private long placed() {
    return client.getJson("/orders", OrderStatus.class).placed();
  }

  /** The levels, per SKU. */
  static final class Levels extends java.util.TreeMap<String, Integer> {}

  record OrderStatus(long placed) {}

  record Burst(int charged, int mostInFlight) {}

  record Rush(int requested, int accepted, int remaining) {}
}
