package dev.baton.redis;

import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP proxy in front of a Redis server that, once armed with a marker, lets the next command
 * containing the marker reach the server and run, then closes that connection instead of
 * passing on the reply: a connection that drops after Redis ran a command and before its client
 * heard the reply. Armed with {@link #dropCommand}, it closes the connection instead of passing
 * on the command: one that drops before the command reached Redis. Once {@linkplain
 * #swallowMessages() swallowing}, it passes nothing more from the server to a pub/sub connection
 * (one whose client sent SUBSCRIBE) and keeps it open: Redis counts that subscriber as hearing
 * each message, which never arrives, as when a connection dies with a message on its way.
 */
final class ReplyDroppingProxy implements AutoCloseable {

  private final ServerSocket listener;
  private final int target;
  private final AtomicReference<String> marker = new AtomicReference<>();
  private final AtomicReference<String> unsent = new AtomicReference<>();
  private final AtomicInteger drops = new AtomicInteger();
  private final AtomicReference<String> releasing = new AtomicReference<>();
  private final AtomicReference<CountDownLatch> held = new AtomicReference<>();
  private final AtomicBoolean swallowing = new AtomicBoolean();
  private final AtomicInteger swallowed = new AtomicInteger();
  private final AtomicReference<String> counting = new AtomicReference<>();
  private final AtomicInteger counted = new AtomicInteger();

  ReplyDroppingProxy(int target) throws IOException {
    this.target = target;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    start(this::accept);
  }

  RedisURI uri() {
    return RedisURI.builder().withHost("127.0.0.1").withPort(listener.getLocalPort())
        .withTimeout(Duration.ofSeconds(2)).build();
  }

  /** Drops the reply to the next command whose bytes contain {@code text}, and its connection. */
  void dropReplyTo(String text) {
    marker.set(text);
  }

  /** Drops the next command whose bytes contain {@code text}, unsent, and its connection. */
  void dropCommand(String text) {
    unsent.set(text);
  }

  /**
   * Holds back every reply (up to 10 s) until a command whose bytes contain {@code text} has been
   * passed on: that command reaches Redis before its client heard the replies sent ahead of it.
   */
  void holdRepliesUntil(String text) {
    releasing.set(text);
    held.set(new CountDownLatch(1));
  }

  /** Counts, from now on, the commands passed on whose bytes contain {@code text}. */
  void count(String text) {
    counted.set(0);
    counting.set(text);
  }

  /** How many commands containing the text given to {@link #count} were passed on since. */
  int counted() {
    return counted.get();
  }

  /** Passes nothing more from the server to pub/sub connections (see the class comment). */
  void swallowMessages() {
    swallowing.set(true);
  }

  /** How many reads from the server were swallowed so far. */
  int swallowed() {
    return swallowed.get();
  }

  /** Whether a reply or a command was dropped. */
  boolean dropped() {
    return drops() > 0;
  }

  /** How many replies and commands were dropped so far. */
  int drops() {
    return drops.get();
  }

  /** Drops nothing more: forgets the markers armed and not yet met. */
  void disarm() {
    marker.set(null);
    unsent.set(null);
  }

  @Override
  public void close() throws IOException {
    listener.close();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
        AtomicBoolean marked = new AtomicBoolean();
        AtomicBoolean pubSub = new AtomicBoolean();
        start(() -> pump(client, server, marked, pubSub, true));
        start(() -> pump(server, client, marked, pubSub, false));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void pump(Socket from, Socket to, AtomicBoolean marked, AtomicBoolean pubSub,
      boolean toServer) {
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        String kept = unsent.get();
        if (toServer && kept != null
            && new String(buffer, 0, n, StandardCharsets.UTF_8).contains(kept)
            && unsent.compareAndSet(kept, null)) {
          // Counted before the close, so a client that hears the connection drop finds it counted.
          drops.incrementAndGet();
          from.close();
          to.close();
          return;
        }
        String wanted = marker.get();
        if (toServer && wanted != null
            && new String(buffer, 0, n, StandardCharsets.UTF_8).contains(wanted)
            && marker.compareAndSet(wanted, null)) {
          marked.set(true);
        }
        if (!toServer && marked.get()) {
          drops.incrementAndGet();
          from.close();
          to.close();
          return;
        }
        if (toServer && new String(buffer, 0, n, StandardCharsets.UTF_8)
            .contains("\r\nSUBSCRIBE\r\n")) { // the command, not a script that names it
          pubSub.set(true);
        }
        if (!toServer && pubSub.get() && swallowing.get()) {
          swallowed.incrementAndGet();
          continue;
        }
        CountDownLatch gate = held.get();
        if (!toServer && gate != null) {
          gate.await(10, TimeUnit.SECONDS);
        }
        out.write(buffer, 0, n);
        out.flush();
        String tracked = counting.get();
        if (toServer && tracked != null
            && new String(buffer, 0, n, StandardCharsets.UTF_8).contains(tracked)) {
          counted.incrementAndGet();
        }
        String awaited = releasing.get();
        if (toServer && awaited != null
            && new String(buffer, 0, n, StandardCharsets.UTF_8).contains(awaited)
            && releasing.compareAndSet(awaited, null)) {
          held.getAndSet(null).countDown();
        }
      }
    } catch (IOException e) {
      // the other side closed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  private static void start(Runnable task) {
    Thread thread = new Thread(task, "reply-dropping-proxy");
    thread.setDaemon(true);
    thread.start();
  }
}
