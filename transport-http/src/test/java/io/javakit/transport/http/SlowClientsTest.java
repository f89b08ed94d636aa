package io.javakit.transport.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Clients that send too slowly, or hold too many connections, must not keep the server from serving others. */
class SlowClientsTest {
    private static final String HEAD_START = "GET /items/a HTTP/1.1\r\nHost: x\r\n";

    private final AtomicInteger served = new AtomicInteger();
    private final Router router = Router.builder()
            .get("/items/{name}", (ctx, req) -> {
                served.incrementAndGet();
                return HttpResponse.json(200, "{}".getBytes());
            })
            .post("/items/{name}", (ctx, req) -> {
                served.incrementAndGet();
                return HttpResponse.json(200, req.body());
            })
            .build();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void release() throws Exception {
        for (AutoCloseable resource : resources.reversed()) {
            resource.close();
        }
    }

    private HttpServer start(HttpServer.Builder builder) {
        HttpServer server = builder.host("127.0.0.1").start();
        resources.add(server);
        return server;
    }

    private Socket open(int port, String firstBytes) throws IOException {
        Socket socket = RawHttp.open(port);
        resources.add(socket);
        send(socket, firstBytes);
        return socket;
    }

    private static void send(Socket socket, String bytes) throws IOException {
        socket.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /** Everything the server sends until it closes the connection. */
    private static String readUntilClosed(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            in.transferTo(out);
        } catch (IOException reset) {
            // closed hard: what arrived is all there is
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void hundredsOfSlowlorisConnectionsGetA408WhileOthersAreServed() throws Exception {
        HttpServer server = start(HttpServer.builder(router).requestHeadTimeout(Duration.ofSeconds(1)));
        List<Socket> slow = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 250; i++) {
            slow.add(open(server.port(), HEAD_START));
        }
        // a header byte every 100 ms: never idle long enough for any per-read timeout to fire
        Thread trickler = Thread.ofVirtual().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                for (Socket socket : slow) {
                    try {
                        send(socket, "X");
                    } catch (IOException closedByServer) {
                        slow.remove(socket);
                    }
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        });
        resources.add(trickler::interrupt);

        assertThat(RawHttp.exchange(server.port(), RawHttp.get("/items/good"))).startsWith("HTTP/1.1 200");

        for (Socket socket : List.copyOf(slow)) {
            assertThat(readUntilClosed(socket)).startsWith("HTTP/1.1 408 ").contains("\"error\":\"request_timeout\"");
        }
        assertThat(served).hasValue(1);
    }

    @Test
    void aBodyThatTricklesPastTheReadTimeoutGetsA408AndNeverReachesTheHandler() throws Exception {
        HttpServer server = start(HttpServer.builder(router).readTimeout(Duration.ofSeconds(1)));
        Socket socket = open(server.port(), "POST /items/a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");

        assertThat(readUntilClosed(socket)).startsWith("HTTP/1.1 408 ").contains("\"error\":\"request_timeout\"");
        assertThat(served).hasValue(0);
        assertThat(RawHttp.status(server.port(), RawHttp.get("/items/good"))).isEqualTo(200);
    }

    @Test
    void aMalformedChunkedBodyThatStallsTheParserGetsA408() throws Exception {
        HttpServer server = start(HttpServer.builder(router).readTimeout(Duration.ofSeconds(1)));
        // the chunk is longer than it claims: the parser takes its tail for the next chunk's size and waits for more
        Socket socket = open(server.port(), "POST /items/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabcdef\r\n0\r\n\r\n");

        assertThat(readUntilClosed(socket)).startsWith("HTTP/1.1 408 ");
        assertThat(served).hasValue(0);
    }

    @Test
    void aRequestLineTrickledByteByByteIsClosedByTheIdleTimeout() throws Exception {
        HttpServer server = start(HttpServer.builder(router).idleTimeout(Duration.ofSeconds(1)));
        Socket socket = open(server.port(), "GET /items/");
        Thread trickler = Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    send(socket, "a");
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException closedOrStopped) {
                // the server closed the connection, or the test is over
            }
        });
        resources.add(trickler::interrupt);

        await().atMost(Duration.ofSeconds(10)).until(() -> !trickler.isAlive());
        assertThat(readUntilClosed(socket)).isEmpty();
    }

    @Test
    void aFastClientIsNotCutOffByTheDeadlines() throws Exception {
        HttpServer server = start(HttpServer.builder(router)
                .requestHeadTimeout(Duration.ofMillis(500)).readTimeout(Duration.ofMillis(500)));
        try (Socket keepAlive = RawHttp.open(server.port())) {
            for (int i = 0; i < 5; i++) {
                assertThat(RawHttp.exchange(keepAlive, "POST /items/a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"))
                        .startsWith("HTTP/1.1 200").endsWith("hi");
                // idle between requests for longer than both deadlines: they only run while a request arrives
                Thread.sleep(600);
            }
        }
    }

    @Test
    void connectionsOverTheLimitWaitUnansweredInTheBacklogUntilOneCloses() throws Exception {
        HttpServer server = start(HttpServer.builder(router).maxConnections(2));
        Socket first = open(server.port(), "");
        Socket second = open(server.port(), "");
        assertThat(RawHttp.exchange(first, "GET /items/a HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 200");
        assertThat(RawHttp.exchange(second, "GET /items/a HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 200");

        Socket waiting = open(server.port(), RawHttp.get("/items/waiting"));
        waiting.setSoTimeout(500);
        assertThatThrownBy(() -> waiting.getInputStream().read()).as("no answer while both slots are taken")
                .isInstanceOf(SocketTimeoutException.class);

        first.close();

        waiting.setSoTimeout(5000);
        assertThat(RawHttp.exchange(waiting, "")).startsWith("HTTP/1.1 200");

        second.close();
        waiting.close();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                RawHttp.status(server.port(), RawHttp.get("/items/again"))).as("slots come back").isEqualTo(200));
    }
}
