package io.javakit.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.javakit.metrics.Metrics;
import io.javakit.sd.Lifecycle;
import io.javakit.upstream.UpstreamView;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Optional;
import io.javakit.example.SeedSystem.Backend;
import io.javakit.resilience.CircuitBreakers;
import io.javakit.sd.FixedInstancer;
import io.javakit.sd.Instance;
import io.javakit.transport.http.HungServer;
import io.javakit.transport.http.RawHttp;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class GatewayTest {

    @Test
    void servesUsersAndProductsAsJson() {
        try (SeedSystem system = new SeedSystem()) {
            HttpResponse<String> user = system.get("/users/user2");
            HttpResponse<String> product = system.get("/products/product3");

            assertThat(user.statusCode()).isEqualTo(200);
            assertThat(user.body()).isEqualTo("{\"id\":2,\"name\":\"user2\"}");
            assertThat(user.headers().firstValue("content-type")).contains("application/json");
            assertThat(product.body()).isEqualTo("{\"id\":3,\"name\":\"product3\"}");
        }
    }

    @Test
    void anUnknownNameIsA404JsonErrorAndTheBackendSawExactlyOneRequest() {
        try (SeedSystem system = new SeedSystem()) {
            HttpResponse<String> response = system.get("/products/nope");

            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(response.body()).isEqualTo("{\"error\":\"not_found\",\"message\":\"product not found.\"}");
            assertThat(system.products.stream().mapToInt(b -> b.paths.size()).sum()).isEqualTo(1);
            assertThat(system.products.stream().flatMap(b -> b.paths.stream())).containsExactly("/nope");
        }
    }

    @Test
    void roundRobinSpreadsThirtyCallsExactlyTenTenTen() {
        try (SeedSystem system = new SeedSystem(SeedSystem.tuned(SeedSystem.ROUND_ROBIN))) {
            for (int i = 0; i < 30; i++) {
                assertThat(system.get("/products/product1").statusCode()).isEqualTo(200);
            }

            assertThat(system.products).extracting(b -> b.paths.size()).containsExactly(10, 10, 10);
        }
    }

    @Test
    void aStoppedInstanceIsHiddenByRetryItsBreakerOpensAndItReturnsThroughHalfOpen() {
        // the seed's layout: round robin, no outlier ejection (which would take the instance out before its breaker trips)
        try (SeedSystem system = new SeedSystem(SeedSystem.tuned(SeedSystem.ROUND_ROBIN.andThen((service, b) -> b.noOutlierEjection()
                .rateLimit(0, Duration.ZERO).breaker(CircuitBreakers.consecutiveFailures(CircuitBreakers.DEFAULT_CONSECUTIVE_FAILURES, Duration.ofSeconds(1))))))) {
            Backend dead = system.users.getFirst();
            dead.stop();

            for (int i = 0; i < 60; i++) {
                assertThat(system.get("/users/user1").statusCode()).as("call %d", i).isEqualTo(200);
            }
            UpstreamView.InstanceState down = system.view("users").instance(dead.instance().address()).orElseThrow();
            assertThat(down.breaker()).isEqualTo(UpstreamView.Breaker.OPEN);
            assertThat(down.pickable()).as("an open breaker is no pick").isFalse();
            assertThat(down.failures()).as("the failures that opened it, and a half-open trial or so").isBetween(
                    (long) CircuitBreakers.DEFAULT_CONSECUTIVE_FAILURES, CircuitBreakers.DEFAULT_CONSECUTIVE_FAILURES + 3L);

            dead.start();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(system.get("/users/user1").statusCode()).isEqualTo(200);
                assertThat(dead.paths).isNotEmpty();
            });
            assertThat(system.view("users").instance(dead.instance().address()).orElseThrow().breaker()).isEqualTo(UpstreamView.Breaker.CLOSED);
            int before = dead.paths.size();
            for (int i = 0; i < 30; i++) {
                system.get("/users/user1");
            }
            assertThat(dead.paths.size() - before).isEqualTo(10);
        }
    }

    @Test
    void aHungInstanceIsSkippedWithinTheOneSecondRetryBudget() throws IOException {
        try (HungServer hung = new HungServer();
             SeedSystem system = new SeedSystem()) {
            system.restartGateway(new FixedInstancer(List.of(new Instance("127.0.0.1", hung.port()), system.users.get(1).instance(),
                    system.users.get(2).instance())), SeedSystem.fixed(system.products), SeedSystem.tuned(SeedSystem.ROUND_ROBIN));

            // A 200 means an attempt on a live instance answered within the gateway's own 1 s budget (past it the
            // gateway answers 504); the bound below only rules out waiting on some longer default timeout.
            for (int i = 0; i < 9; i++) {
                long start = System.nanoTime();
                assertThat(system.get("/users/user3").statusCode()).as("call %d", i).isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            }
            assertThat(hung.accepted()).as("the hung instance was tried").isPositive();
        }
    }

    @Test
    void whenEveryInstanceIsRateLimitedTheErroringLimiterAnswersAClean429() {
        try (SeedSystem system = new SeedSystem(SeedSystem.tuned((service, b) -> b.rateLimit(2, Duration.ZERO)))) {
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                statuses.add(system.get("/users/user1").statusCode());
            }

            assertThat(statuses.subList(0, 6)).containsOnly(200);
            HttpResponse<String> limited = system.get("/users/user1");
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.body()).startsWith("{\"error\":\"rate_limited\",");
            assertThat(system.users.stream().mapToInt(b -> b.paths.size()).sum()).isEqualTo(6);
        }
    }

    @Test
    void whenEveryInstanceIsRateLimitedTheDelayingLimiterWaitsForASlotWithinItsBound() {
        try (SeedSystem system = new SeedSystem(SeedSystem.tuned(SeedSystem.ROUND_ROBIN.andThen((service, b) -> b.rateLimit(5, Duration.ofMillis(300)))))) {
            for (int i = 0; i < 3; i++) {
                assertThat(system.get("/users/user1").statusCode()).isEqualTo(200);
            }

            long start = System.nanoTime();
            assertThat(system.get("/users/user1").statusCode()).isEqualTo(200);
            Duration waited = Duration.ofNanos(System.nanoTime() - start);

            assertThat(waited).as("waited for the next slot").isGreaterThanOrEqualTo(Duration.ofMillis(50)).isLessThan(Duration.ofMillis(1000));
            assertThat(system.users.stream().mapToInt(b -> b.paths.size()).sum()).isEqualTo(4);
        }
    }

    @Test
    void theAdminEndpointExposesPrometheusMetricsAndReadiness() throws Exception {
        try (SeedSystem system = new SeedSystem()) {
            system.get("/users/user1");
            system.get("/users/nope");
            PrometheusMeterRegistry registry = Metrics.prometheus();
            system.restartGateway(SeedSystem.fixed(system.users), SeedSystem.fixed(system.products), SeedSystem.defaults(), registry);
            system.get("/users/user1");
            system.get("/users/nope");
            var admin = Main.GatewayOptions.admin(system.gateway, registry, Optional.empty());

            String metrics = admin.call(io.javakit.endpoint.RequestContext.background(),
                    io.javakit.transport.http.HttpRequest.of("GET", "/metrics")).bodyText();
            assertThat(metrics).contains("javakit_requests_total{").contains("outcome=\"success\"").contains("outcome=\"not_found\"")
                    .contains("javakit_breaker_state").contains("javakit_balancer_picks_total");
            assertThat(admin.call(io.javakit.endpoint.RequestContext.background(),
                    io.javakit.transport.http.HttpRequest.of("GET", "/health/ready")).status()).isEqualTo(200);
            var console = admin.call(io.javakit.endpoint.RequestContext.background(), io.javakit.transport.http.HttpRequest.of("GET", "/console/"));
            assertThat(console.status()).as("everything else is the console's").isEqualTo(200);
            assertThat(console.bodyText()).contains("<html");
        }
        try (SeedSystem empty = new SeedSystem()) {
            empty.restartGateway(new FixedInstancer(List.of()), SeedSystem.fixed(empty.products), SeedSystem.defaults());
            var ready = Main.GatewayOptions.admin(empty.gateway, Metrics.prometheus(), Optional.empty()).call(io.javakit.endpoint.RequestContext.background(),
                    io.javakit.transport.http.HttpRequest.of("GET", "/health/ready"));
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.bodyText()).contains("no instances of users");
        }
    }

    @Test
    void anInstanceIsReadyOnlyFromRegistrationUntilItStartsToDeregister() throws Exception {
        Lifecycle lifecycle = Lifecycle.builder().grace(Duration.ZERO).build();
        var handler = Backends.users(io.javakit.example.users.UserService.inMemory(), "users-x", true, lifecycle::isReady);
        var health = io.javakit.transport.http.HttpRequest.of("GET", "/health/ready");
        io.javakit.transport.http.HttpServer server = Backends.start(handler, "127.0.0.1", 0);
        assertThat(handler.call(io.javakit.endpoint.RequestContext.background(), health).status()).isEqualTo(503);

        AutoCloseable announced = lifecycle.started(server);
        assertThat(handler.call(io.javakit.endpoint.RequestContext.background(), health).status()).isEqualTo(200);
        assertThat(handler.call(io.javakit.endpoint.RequestContext.background(),
                io.javakit.transport.http.HttpRequest.of("GET", "/health/live")).status()).isEqualTo(200);

        announced.close();
        assertThat(handler.call(io.javakit.endpoint.RequestContext.background(), health).status()).isEqualTo(503);
    }

    @Test
    void aServiceWithNoInstancesIsAClean503() {
        try (SeedSystem system = new SeedSystem()) {
            system.restartGateway(new FixedInstancer(List.of()), SeedSystem.fixed(system.products), SeedSystem.defaults());
            HttpResponse<String> response = system.get("/users/user1");

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.body()).isEqualTo("{\"error\":\"unavailable\",\"message\":\"no users instances available\"}");
            assertThat(system.get("/products/product1").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void hostileInputIsA4xxNeverForwardedAndTheGatewayKeepsServing() throws IOException {
        try (SeedSystem system = new SeedSystem()) {
            int port = system.gateway.port();
            String[] hostileTargets = {"/users/", "/users", "/users/a/b", "/users/a%2Fb", "/users/..", "/users/%2E%2E",
                "/users/%00", "/users/a%0D%0AX-Injected:%201", "/users/%E0%A4", "/users/" + "x".repeat(64 * 1024),
                "/users/../admin", "/products//product1", "/nope"};
            for (String target : hostileTargets) {
                int status = RawHttp.status(port, RawHttp.get(target));
                assertThat(status).as(target.length() > 60 ? target.substring(0, 60) : target).isBetween(400, 499);
            }
            assertThat(RawHttp.status(port, "GET /users/a\rb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).isEqualTo(400);
            // A line break inside the request line leaves a line with no HTTP version: not an HTTP/1.1 request at
            // all, so the engine closes the connection without an answer (nginx would even serve it as HTTP/0.9).
            assertThat(RawHttp.exchange(port, "GET /users/a\r\nb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                    .satisfiesAnyOf(r -> assertThat(r).isEmpty(), r -> assertThat(r).startsWith("HTTP/1.1 400"));
            assertThat(RawHttp.status(port, "GET /users/user1 HTTP/1.1\r\nHost: x\r\nX-Big: " + "y".repeat(20 * 1024)
                    + "\r\nConnection: close\r\n\r\n")).isEqualTo(431);
            assertThat(RawHttp.status(port, "POST /users/user1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")).isEqualTo(405);
            assertThat(RawHttp.status(port, "DELETE /users/user1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).isEqualTo(405);

            assertThat(Stream.concat(system.users.stream(), system.products.stream()).flatMap(b -> b.paths.stream()))
                    .as("nothing hostile reached a backend").isEmpty();
            assertThat(system.get("/users/user1").body()).isEqualTo("{\"id\":1,\"name\":\"user1\"}");
            assertThat(system.users.stream().flatMap(b -> b.paths.stream())).containsExactly("/user1");
        }
    }
}
