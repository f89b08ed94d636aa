package io.javakit.example.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import io.javakit.example.badinput.HostileSystem.Received;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * Random and hostile requests, sent as raw bytes, at the seed's gateway and at one service instance exposed
 * directly, while well-behaved clients keep asking for {@code user1}. Every answer must be one well-formed JSON
 * response whose status fits the request ({@link Acceptable}); nothing but {@code GET /{one encoded name}} may reach
 * a backend, hop-by-hop headers never; the good requests must all succeed and every server must still answer.
 *
 * <p>A server may close without a response only when the bytes are not HTTP at all (noise, TLS, SSH) or the client
 * stopped mid-message (headers or body cut short, then a close): there is no complete request to answer. Any
 * complete request, however malformed, deserves an answer.
 */
class HostileInputTest {
    private static final String USER1 = "{\"id\":1,\"name\":\"user1\"}";
    private static final AtomicLong TRACES = new AtomicLong();

    private static HostileSystem system;
    private static GoodTraffic goodTraffic;
    /** How many requests the backends had received when the property started. */
    private static int receivedBefore;

    @BeforeContainer
    static void startSystem() {
        system = new HostileSystem();
    }

    @AfterContainer
    static void stopSystem() {
        system.close();
    }

    @BeforeProperty
    void startGoodTraffic() {
        receivedBefore = system.behindGateway.size();
        goodTraffic = GoodTraffic.start(List.of(
                new GoodTraffic.Call(URI.create("http://127.0.0.1:" + system.gatewayPort() + "/users/user1"), USER1),
                new GoodTraffic.Call(URI.create("http://127.0.0.1:" + system.exposedPort() + "/user1"), USER1)));
    }

    @AfterProperty
    void goodRequestsKeptSucceedingAndEveryServerStillAnswers() throws InterruptedException {
        goodTraffic.close();
        assertThat(goodTraffic.failures()).as("good requests that failed during the barrage").isEmpty();
        assertThat(goodTraffic.succeeded()).as("good requests that succeeded").isPositive();
        assertThat(system.instancesRunning()).as("every instance still running").isTrue();
        Map.of(system.gatewayPort(), "/users/user1", system.exposedPort(), "/user1").forEach((port, path) -> {
            RawExchange answer = RawClient.exchange(port, "GET",
                    ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            assertThat(answer.finals()).as("a good request to %s after the barrage", path)
                    .singleElement().satisfies(r -> assertThat(r.bodyText()).isEqualTo(USER1));
        });
        assertThat(system.behindGateway.subList(receivedBefore, system.behindGateway.size()).stream()
                .flatMap(r -> Rules.receivedProblems(r).stream()).distinct())
                .as("anything a backend received during the property").isEmpty();
    }

    @Property(tries = 300)
    void everyHostileRequestToTheGatewayGetsOneWellFormedJsonAnswer(@ForAll("gatewayAttacks") RawRequest request) {
        assertTheGatewayHandles(request);
    }

    @Property(tries = 300)
    void everyHostileRequestToAServiceGetsOneWellFormedJsonAnswer(@ForAll("serviceAttacks") RawRequest request) {
        RawExchange exchange = RawClient.exchange(system.exposedPort(), request.method(), request.bytes(Optional.empty()));
        assertThat(Rules.answerProblems(request, exchange, system.backendAddresses())).as("answer: %s", exchange).isEmpty();
    }

    @Property(tries = 300)
    void nothingButAGetOfOneEncodedNameSegmentReachesABackend(@ForAll("gatewayPathAttacks") RawRequest request) {
        assertTheGatewayHandles(request);
    }

    @Property(tries = 100)
    void hopByHopHeadersNeverReachABackend(@ForAll("hopByHopAttacks") RawRequest request) {
        assertTheGatewayHandles(request);
    }

    /**
     * Sends {@code request} with a trace id of its own, which is how the backends' records are matched to it. A
     * request that may be served but was answered 503 or 504 is sent once more: on a loaded machine the gateway's
     * deadline can pass for any request, while one that always times out still fails.
     */
    private static void assertTheGatewayHandles(RawRequest request) {
        Attempt attempt = Attempt.at(request);
        if (request.acceptable().mayServe() && attempt.status().filter(status -> status == 503 || status == 504).isPresent()) {
            attempt = Attempt.at(request);
        }
        List<String> problems = new ArrayList<>(Rules.answerProblems(request, attempt.exchange(), system.backendAddresses()));
        problems.addAll(Rules.forwardingProblems(request, attempt.exchange().finals().stream().findFirst(), attempt.received()));
        assertThat(problems).as("answer: %s", attempt.exchange()).isEmpty();
    }

    /** One sending of a request to the gateway: the answer, and what the backends received for it. */
    private record Attempt(RawExchange exchange, List<Received> received) {
        static Attempt at(RawRequest request) {
            String traceId = "%032x".formatted(TRACES.incrementAndGet());
            RawExchange exchange = RawClient.exchange(system.gatewayPort(), request.method(),
                    request.bytes(Optional.of("traceparent: 00-" + traceId + "-00f067aa0ba902b7-01")));
            return new Attempt(exchange, system.behindGateway.stream().filter(r -> r.traceId().filter(traceId::equals).isPresent()).toList());
        }

        Optional<Integer> status() {
            return exchange.finals().stream().findFirst().map(RawExchange.Response::status);
        }
    }

    @Provide
    Arbitrary<RawRequest> gatewayAttacks() {
        return HostileRequests.attacks(Route.GATEWAY_USERS, Route.GATEWAY_PRODUCTS);
    }

    @Provide
    Arbitrary<RawRequest> serviceAttacks() {
        return HostileRequests.attacks(Route.SERVICE);
    }

    @Provide
    Arbitrary<RawRequest> gatewayPathAttacks() {
        return HostileRequests.pathAttacks(Route.GATEWAY_USERS, Route.GATEWAY_PRODUCTS);
    }

    @Provide
    Arbitrary<RawRequest> hopByHopAttacks() {
        return HostileRequests.hopByHopAttacks(Route.GATEWAY_USERS, Route.GATEWAY_PRODUCTS);
    }
}
