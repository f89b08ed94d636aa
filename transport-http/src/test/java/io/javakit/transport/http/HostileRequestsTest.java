package io.javakit.transport.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Requests no well-behaved client sends: each gets a 4xx or 5xx with our JSON body, and none reaches a handler. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileRequestsTest {
    private static final String CLOSE = "Connection: close\r\n";

    private final AtomicInteger served = new AtomicInteger();
    private final List<String> servedPaths = new CopyOnWriteArrayList<>();
    private final HttpServer server = HttpServer.builder(Router.builder()
            .get("/items/{name}", (ctx, req) -> {
                served.incrementAndGet();
                servedPaths.add(req.path());
                return HttpResponse.json(200, "{\"name\":\"item\"}".getBytes());
            })
            .post("/items/{name}", (ctx, req) -> {
                served.incrementAndGet();
                return HttpResponse.json(200, req.body());
            })
            .build()).host("127.0.0.1").maxBodyBytes(1024).start();

    @AfterAll
    void stop() {
        server.close();
    }

    record Hostile(String what, String request, int status) {
        @Override
        public String toString() {
            return what;
        }
    }

    private static Hostile get(String what, String target, String headers, int status) {
        return new Hostile(what, "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + headers + CLOSE + "\r\n", status);
    }

    private static Hostile post(String what, String headers, String body, int status) {
        return new Hostile(what, "POST /items/a HTTP/1.1\r\nHost: x\r\n" + headers + CLOSE + "\r\n" + body, status);
    }

    static Stream<Hostile> hostileRequests() {
        return Stream.of(
                new Hostile("not HTTP at all", "GARBAGE\r\n\r\n", 400),
                new Hostile("HTTP/1.0", "GET /items/a HTTP/1.0\r\n" + CLOSE + "\r\n", 505),
                new Hostile("unknown version", "GET /items/a HTTP/2.0\r\nHost: x\r\n" + CLOSE + "\r\n", 400),
                new Hostile("HTTP/2 prior knowledge", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400),
                new Hostile("extra request line field", "GET /items/a HTTP/1.1 x\r\nHost: x\r\n" + CLOSE + "\r\n", 400),
                new Hostile("bare LF line ends", "GET /items/a HTTP/1.1\nHost: x\nConnection: close\n\n", 400),
                new Hostile("illegal method token", "G@T /items/a HTTP/1.1\r\nHost: x\r\n" + CLOSE + "\r\n", 400),
                new Hostile("unsupported method", "BREW /items/a HTTP/1.1\r\nHost: x\r\n" + CLOSE + "\r\n", 405),
                new Hostile("missing Host", "GET /items/a HTTP/1.1\r\n" + CLOSE + "\r\n", 400),
                get("two Hosts", "/items/a", "Host: y\r\n", 400),
                new Hostile("Host with a space", "GET /items/a HTTP/1.1\r\nHost: x y\r\n" + CLOSE + "\r\n", 400),
                get("NUL in a header value", "/items/a", "X-Bad: a\0b\r\n", 400),
                get("CR in a header value", "/items/a", "X-Bad: a\rb\r\n", 400),
                get("LF in a header value", "/items/a", "X-Bad: a\nb\r\n", 400),
                get("non-ASCII header value", "/items/a", "X-Bad: caf\u00e9\r\n", 400),
                get("control character in a header value", "/items/a", "X-Bad: a\u0001b\r\n", 400),
                get("space in a header name", "/items/a", "X B: c\r\n", 400),
                get("non-ASCII header name", "/items/a", "X-\u00e9: c\r\n", 400),
                get("empty header name", "/items/a", ": c\r\n", 400),
                get("header line without a colon", "/items/a", "NoColon\r\n", 400),
                get("folded header line", "/items/a", "X-A: b\r\n folded\r\n", 400),
                get("101 headers", "/items/a", "X-H: v\r\n".repeat(100), 431),
                get("header section over 16 KiB", "/items/a", "X-Big: " + "y".repeat(20 * 1024) + "\r\n", 431),
                get("header section over the engine's backstop", "/items/a", "X-Huge: " + "y".repeat(100 * 1024) + "\r\n", 400),
                get("request line over 8 KiB", "/items/" + "x".repeat(9 * 1024), "", 414),
                get("malformed percent-encoding", "/items/a%zz", "", 400),
                get("truncated percent-encoding", "/items/a%2", "", 400),
                get("malformed percent-encoding in a literal segment", "/it%zzems/a", "", 400),
                get("raw non-ASCII in the path", "/items/caf\u00e9", "", 400),
                get("encoded slash in a variable", "/items/a%2Fb", "", 400),
                get("encoded NUL in a variable", "/items/%00", "", 400),
                get("malformed percent-encoding in the query", "/items/a?x=%zz", "", 400),
                get("asterisk form", "*", "", 400),
                post("chunk size not hex", "Transfer-Encoding: chunked\r\n", "zz\r\nabc\r\n0\r\n\r\n", 400),
                post("chunked body over the limit", "Transfer-Encoding: chunked\r\n", "800\r\n" + "z".repeat(2048) + "\r\n0\r\n\r\n", 413),
                post("Content-Length not a number", "Content-Length: abc\r\n", "abc", 400),
                post("negative Content-Length", "Content-Length: -1\r\n", "abc", 400),
                post("two Content-Lengths", "Content-Length: 3\r\nContent-Length: 4\r\n", "abcd", 400),
                post("Content-Length with Transfer-Encoding", "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\n\r\n", 400),
                post("final transfer coding not chunked", "Transfer-Encoding: gzip\r\n", "abc", 400),
                post("transfer coding stacked on chunked", "Transfer-Encoding: gzip, chunked\r\n", "3\r\nabc\r\n0\r\n\r\n", 501),
                post("content coding the server does not decode", "Content-Encoding: gzip\r\nContent-Length: 3\r\n", "abc", 400),
                post("body over the limit", "Content-Length: 4096\r\n", "z".repeat(4096), 413));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileRequests")
    void getsAJsonErrorThatLeaksNothingAndNeverReachesAHandler(Hostile hostile) throws Exception {
        int before = served.get();

        String response = RawHttp.exchange(server.port(), hostile.request());

        assertThat(response).as("response").startsWith("HTTP/1.1 " + hostile.status() + " ");
        int headEnd = response.indexOf("\r\n\r\n");
        String head = response.substring(0, headEnd).toLowerCase(Locale.ROOT);
        assertThat(head).contains("content-type: application/json");
        JsonNode body = Json.mapper().readTree(response.substring(headEnd + 4));
        assertThat(body.properties()).extracting(e -> e.getKey()).containsExactly("error", "message");
        assertThat(body.get("error").isTextual()).isTrue();
        assertThat(body.get("message").isTextual()).isTrue();
        assertThat(response.toLowerCase(Locale.ROOT)).doesNotContain("exception").doesNotContain("helidon")
                .doesNotContain("at io.").doesNotContain("java.");
        assertThat(served).as("requests that reached a handler").hasValue(before);
    }

    @Test
    void exactlyTheMaximumNumberOfHeadersIsServed() throws Exception {
        // Host and Connection count too: 98 more make 100
        String response = RawHttp.exchange(server.port(), "GET /items/a HTTP/1.1\r\nHost: x\r\n"
                + "X-H: v\r\n".repeat(98) + CLOSE + "\r\n");

        assertThat(response).startsWith("HTTP/1.1 200");
    }

    @BeforeEach
    void forgetServedPaths() {
        servedPaths.clear();
    }

    @Test
    void anAnswerToHeadHasItsLengthButNoBodySoTheNextAnswerOnTheConnectionIsReadRight() throws Exception {
        try (Socket connection = RawHttp.open(server.port())) {
            connection.setSoTimeout(5_000);
            connection.getOutputStream().write(("HEAD /items/a HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /items/next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            StringBuilder both = new StringBuilder();
            byte[] buffer = new byte[4096];
            while (!both.toString().contains("{\"name\":\"item\"}")) { // the GET's body: both answers are in
                int n = connection.getInputStream().read(buffer);
                if (n < 0) {
                    break;
                }
                both.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            }

            String[] answers = both.toString().split("\r\n\r\n", 2);
            assertThat(answers[0]).startsWith("HTTP/1.1 405").containsIgnoringCase("content-length: ");
            assertThat(answers[1]).as("the GET's answer comes right after the HEAD's headers").startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void aRejectedRequestsBodyIsSkippedSoTheNextRequestOnTheConnectionIsTheRealNextOne() throws Exception {
        String smuggled = "GET /items/smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
        try (Socket connection = RawHttp.open(server.port())) {
            String rejected = RawHttp.exchange(connection, "POST /items/a HTTP/1.1\r\nHost: x\r\n" + "X-H: v\r\n".repeat(100)
                    + "Content-Length: " + smuggled.length() + "\r\n\r\n" + smuggled);
            String next = RawHttp.exchange(connection, "GET /items/next HTTP/1.1\r\nHost: x\r\n\r\n");

            assertThat(rejected).startsWith("HTTP/1.1 431");
            assertThat(next).startsWith("HTTP/1.1 200");
        }
        assertThat(servedPaths).containsExactly("/items/next");
    }

    @Test
    void keepsServingGoodRequestsWhileHostileOnesComeIn() throws Exception {
        List<Hostile> hostile = hostileRequests().toList();
        AtomicBoolean attacking = new AtomicBoolean(true);
        try (ExecutorService attackers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> sent = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                sent.add(attackers.submit(() -> {
                    int requests = 0;
                    while (attacking.get()) {
                        RawHttp.exchange(server.port(), hostile.get(requests++ % hostile.size()).request());
                    }
                    return requests;
                }));
            }
            for (int i = 0; i < 50; i++) {
                assertThat(RawHttp.exchange(server.port(), RawHttp.get("/items/good"))).as("good request " + i)
                        .startsWith("HTTP/1.1 200").endsWith("{\"name\":\"item\"}");
            }
            attacking.set(false);
            for (Future<Integer> attacker : sent) {
                assertThat(attacker.get(30, TimeUnit.SECONDS)).isPositive();
            }
        }
    }
}
