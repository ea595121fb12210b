package dev.baton.sample.stock;

import dev.baton.sample.BadRequests;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /stock} lists the levels; {@code POST /stock/{sku}/reservations?quantity=n} reserves;
 * {@code POST /stock/{sku}/rush/{count}} sends {@code count} single-unit reservations of one SKU
 * at once and reports how many got through: never more than were on hand.
 * {@code POST /stock/{sku}/restock?quantity=n} adds units. Unknown SKUs answer 404; a quantity
 * below 1, or a count below 0 or above {@link BadRequests#MAX_COUNT}, answers 400.
 */
@RestController
@RequestMapping("/stock")
class StockController {

  private final StockService stock;

  StockController(StockService stock) {
    this.stock = stock;
  }

  @GetMapping
  Map<String, Integer> levels() {
    return stock.levels();
  }

  @PostMapping("/{sku}/reservations")
  CompletableFuture<Reservation> reserve(
      @PathVariable String sku, @RequestParam(defaultValue = "1") int quantity) {
    BadRequests.quantity(quantity);
    return stock.reserve(sku, quantity);
  }

  @PostMapping("/{sku}/rush/{count}")
  CompletableFuture<Rush> rush(@PathVariable String sku, @PathVariable int count) {
    BadRequests.count(count);
    if (!stock.levels().containsKey(sku)) {
      throw new NoSuchElementException("no SKU " + sku);
    }
    List<CompletableFuture<Reservation>> reservations =
        IntStream.range(0, count).mapToObj(i -> stock.reserve(sku, 1)).toList();
    return CompletableFuture.allOf(reservations.toArray(CompletableFuture[]::new))
        .thenApply(done -> {
          long accepted = reservations.stream().filter(r -> r.join().accepted()).count();
          return new Rush(count, (int) accepted, stock.levels().get(sku));
        });
  }

  @PostMapping("/{sku}/restock")
  CompletableFuture<Map<String, Integer>> restock(
      @PathVariable String sku, @RequestParam int quantity) {
    BadRequests.quantity(quantity);
    return stock.restock(sku, quantity).thenApply(level -> Map.of(sku, level));
  }

  @ExceptionHandler(NoSuchElementException.class)
  @ResponseStatus(HttpStatus.NOT_FOUND)
  Map<String, String> unknown(NoSuchElementException e) {
    return Map.of("error", e.getMessage());
  }

  /**
   * The outcome of a rush.
   *
   * @param requested reservations sent at once
   * @param accepted those that got a unit
   * @param remaining the level afterwards
   */
  record Rush(int requested, int accepted, int remaining) {}
}
