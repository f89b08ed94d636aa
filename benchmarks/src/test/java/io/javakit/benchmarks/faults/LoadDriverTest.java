package io.javakit.benchmarks.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LoadDriverTest {
    private final AtomicInteger served = new AtomicInteger();

    /** /ok answers 200, /missing 404, /overloaded 503 with a JSON body. */
    private HttpServer backend() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            int status = switch (exchange.getRequestURI().getPath()) {
                case "/ok" -> 200;
                case "/missing" -> 404;
                default -> 503;
            };
            byte[] body = ("{\"status\":" + status + "}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
            served.incrementAndGet();
        });
        server.start();
        return server;
    }

    @Test
    void countsAnythingButAUserOrANotFoundAsAClientErrorWithASampleOfWhatCameBack() throws IOException {
        HttpServer server = backend();
        try (LoadDriver load = new LoadDriver(server.getAddress(), List.of("/ok", "/missing", "/overloaded"), Duration.ofSeconds(5))) {
            load.concurrency(3);
            await().atMost(Duration.ofSeconds(10)).until(() -> served.get() >= 30);
            load.concurrency(0);
            Measurement measured = load.cut();

            assertThat(measured.byOutcome()).containsOnlyKeys("200", "404", "503");
            assertThat(measured.errors()).containsOnlyKeys("503");
            assertThat(measured.errorCount()).isEqualTo(measured.latency("503").count());
            assertThat(measured.requests()).isGreaterThanOrEqualTo(measured.errorCount() * 2);
            assertThat(measured.errorSamples()).containsEntry("503", "503 {\"status\":503}");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aCutStartsTheNextMeasurementFromNothing() throws IOException {
        HttpServer server = backend();
        try (LoadDriver load = new LoadDriver(server.getAddress(), List.of("/ok"), Duration.ofSeconds(5))) {
            load.concurrency(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> served.get() >= 10);
            load.concurrency(0);
            await().atMost(Duration.ofSeconds(10)).until(() -> load.cut().requests() == 0); // the last one in flight landed
            int before = served.get();

            assertThat(load.cut().requests()).isZero();
            assertThat(served.get()).isEqualTo(before);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aGatewayThatAcceptsButNeverAnswersIsATimeout() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             LoadDriver load = new LoadDriver(new InetSocketAddress(silent.getInetAddress(), silent.getLocalPort()), List.of("/ok"),
                     Duration.ofMillis(100))) {
            load.concurrency(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> load.cut().errors().containsKey("timeout"));
        }
    }

    @Test
    void aGatewayThatIsNotListeningIsAConnectionError() throws IOException {
        InetSocketAddress nobody;
        try (ServerSocket closed = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            nobody = new InetSocketAddress(closed.getInetAddress(), closed.getLocalPort());
        }
        try (LoadDriver load = new LoadDriver(nobody, List.of("/ok"), Duration.ofSeconds(1))) {
            load.concurrency(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> load.cut().errors().containsKey("connection"));
        }
    }

    @Test
    void theConcurrencyCanShrinkAndGrowAgainWithoutLosingOrDoublingWorkers() throws IOException {
        AtomicInteger inFlight = new AtomicInteger();
        Semaphore answers = new Semaphore(0, true); // fair: a new request cannot take an answer meant for one already waiting
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            inFlight.incrementAndGet();
            answers.acquireUninterruptibly(); // each request waits until the test lets one through
            inFlight.decrementAndGet();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        try (LoadDriver load = new LoadDriver(server.getAddress(), List.of("/ok"), Duration.ofSeconds(5))) {
            load.concurrency(4);
            await().atMost(Duration.ofSeconds(10)).until(() -> inFlight.get() == 4);

            load.concurrency(1);
            answers.release(4);
            await().atMost(Duration.ofSeconds(10)).during(Duration.ofMillis(300)).until(() -> inFlight.get() == 1);

            load.concurrency(3);
            await().atMost(Duration.ofSeconds(10)).during(Duration.ofMillis(300)).until(() -> inFlight.get() == 3);
            answers.release(1_000);
        } finally {
            server.stop(0);
        }
    }
}
