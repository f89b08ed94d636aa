package io.javakit.example;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A steady trickle of requests to the gateway on a background thread, counting what clients would see. */
final class Load implements AutoCloseable {
    final AtomicInteger ok = new AtomicInteger();
    final List<String> errors = new CopyOnWriteArrayList<>();
    private final List<Thread> threads;
    private volatile boolean running = true;

    /** One client, a request every 5 ms or so. */
    Load(int gatewayPort) {
        this(gatewayPort, 1, Duration.ofMillis(5));
    }

    /** {@code clients} clients, each waiting {@code pause} between its requests (zero: closed-loop, as fast as answered). */
    Load(int gatewayPort, int clients, Duration pause) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + "/users/user1"))
                .timeout(Duration.ofSeconds(5)).build();
        threads = java.util.stream.IntStream.range(0, clients).mapToObj(i -> Thread.ofVirtual().start(() -> {
            while (running) {
                try {
                    var response = client.send(request, BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                        ok.incrementAndGet();
                    } else {
                        errors.add(response.statusCode() + " " + response.body());
                    }
                    if (pause.isPositive()) {
                        Thread.sleep(pause);
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    errors.add(e.toString());
                }
            }
        })).toList();
    }

    @Override
    public void close() {
        running = false;
        try {
            for (Thread thread : threads) {
                thread.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
