package io.javakit.example.badinput;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Well-behaved clients on a virtual thread, asking for existing names again and again while the attacks run, and
 * remembering every answer that was not the right 200.
 */
final class GoodTraffic implements AutoCloseable {
    /** A request that must always succeed, and its body. */
    record Call(URI uri, String body) {}

    /** Between rounds, so the good traffic is steady without taking a core from the attacks. */
    private static final Duration PAUSE = Duration.ofMillis(20);

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Call> calls;
    private final AtomicInteger succeeded = new AtomicInteger();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;
    private final Thread thread;

    private GoodTraffic(List<Call> calls) {
        this.calls = List.copyOf(calls);
        this.thread = Thread.ofVirtual().name("good-traffic").start(this::run);
    }

    static GoodTraffic start(List<Call> calls) {
        return new GoodTraffic(calls);
    }

    private void run() {
        do {
            calls.forEach(this::call);
            try {
                Thread.sleep(PAUSE);
            } catch (InterruptedException e) {
                return;
            }
        } while (running);
    }

    private void call(Call call) {
        try {
            var response = client.send(HttpRequest.newBuilder(call.uri()).timeout(Duration.ofSeconds(5)).build(), BodyHandlers.ofString());
            if (response.statusCode() == 200 && response.body().equals(call.body())) {
                succeeded.incrementAndGet();
            } else {
                failures.add(call.uri() + " answered " + response.statusCode() + " " + response.body());
            }
        } catch (IOException e) {
            failures.add(call.uri() + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How many calls got the right 200. */
    int succeeded() {
        return succeeded.get();
    }

    /** Every call that did not. */
    List<String> failures() {
        return List.copyOf(failures);
    }

    /** Stops after the round in flight, so that at least one round has completed. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join();
        client.close();
    }
}
