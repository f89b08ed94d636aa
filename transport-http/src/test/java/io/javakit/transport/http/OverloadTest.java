package io.javakit.transport.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Above its bound on requests in flight, a server answers 503 at once instead of queueing. */
class OverloadTest {
    private final CountDownLatch twoInFlight = new CountDownLatch(2);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger handled = new AtomicInteger();
    private final HttpServer server = HttpServer.builder(Router.builder()
            .get("/slow", (ctx, req) -> {
                handled.incrementAndGet();
                twoInFlight.countDown();
                release.await();
                return HttpResponse.json(200, "{}".getBytes());
            })
            .get("/fast", (ctx, req) -> {
                handled.incrementAndGet();
                return HttpResponse.json(200, "{}".getBytes());
            })
            .build()).host("127.0.0.1").maxConcurrentRequests(2).start();

    @AfterEach
    void stop() {
        release.countDown();
        server.close();
    }

    @Test
    void aRequestOverTheBoundGetsA503AtOnceWhileTheOthersFinish() throws Exception {
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> slow = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                slow.add(clients.submit(() -> RawHttp.exchange(server.port(), RawHttp.get("/slow"))));
            }
            assertThat(twoInFlight.await(5, TimeUnit.SECONDS)).isTrue();

            // answered while both slow requests still hold their slots: it did not wait for one
            String shed = RawHttp.exchange(server.port(), RawHttp.get("/fast"));

            assertThat(shed).startsWith("HTTP/1.1 503");
            assertThat(shed.toLowerCase(Locale.ROOT)).contains("retry-after: 1").contains("content-type: application/json");
            assertThat(shed).endsWith("{\"error\":\"overloaded\",\"message\":\"server overloaded, retry later\"}");
            assertThat(handled).as("the shed request never reached its handler").hasValue(2);

            release.countDown();
            for (Future<String> response : slow) {
                assertThat(response.get(5, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200");
            }
        }
        assertThat(RawHttp.status(server.port(), RawHttp.get("/fast"))).as("slots are given back").isEqualTo(200);
    }

    @Test
    void aShedRequestKeepsItsConnectionAndItsBodyDoesNotLeakIntoTheNextRequest() throws Exception {
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
             Socket connection = RawHttp.open(server.port())) {
            List<Future<String>> slow = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                slow.add(clients.submit(() -> RawHttp.exchange(server.port(), RawHttp.get("/slow"))));
            }
            assertThat(twoInFlight.await(5, TimeUnit.SECONDS)).isTrue();
            String body = "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n";

            String shed = RawHttp.exchange(connection, "GET /fast HTTP/1.1\r\nHost: x\r\nContent-Length: "
                    + body.length() + "\r\n\r\n" + body);
            release.countDown();
            for (Future<String> response : slow) {
                response.get(5, TimeUnit.SECONDS);
            }
            String next = RawHttp.exchange(connection, "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");

            assertThat(shed).startsWith("HTTP/1.1 503").doesNotContainIgnoringCase("connection: close");
            assertThat(next).startsWith("HTTP/1.1 200");
        }
        assertThat(handled).as("two slow, then one fast: the shed request's body was not served").hasValue(3);
    }
}
