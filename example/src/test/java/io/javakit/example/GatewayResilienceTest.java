package io.javakit.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.javakit.console.ConsoleModel.Fault;
import io.javakit.example.SeedSystem.Backend;
import io.javakit.sd.FixedInstancer;
import io.javakit.sd.Instance;
import io.javakit.transport.http.Deadlines;
import io.javakit.transport.http.HungServer;
import io.javakit.transport.http.RawHttp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicBoolean;
import io.javakit.console.UpstreamConsole;
import io.javakit.metrics.Metrics;
import io.javakit.upstream.Upstream;
import io.javakit.upstream.UpstreamView;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Optional;
import io.javakit.example.users.UserService;
import io.javakit.sd.lb.OutlierDetection;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class GatewayResilienceTest {
    private final HttpClient client = HttpClient.newHttpClient();

    private HttpResponse<String> get(int port, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), BodyHandlers.ofString());
    }

    @Test
    void instancesReceiveWhatIsLeftOfTheGatewaysDeadline() throws Exception {
        try (SeedSystem system = new SeedSystem(SeedSystem.deadline(Duration.ofMillis(800)))) {
            assertThat(system.get("/users/user1").statusCode()).isEqualTo(200);

            long sent = system.users.stream().flatMap(b -> b.headers.stream())
                    .map(h -> Long.parseLong(h.first(Deadlines.HEADER).orElseThrow())).findFirst().orElseThrow();
            assertThat(sent).isPositive().isLessThanOrEqualTo(800);
        }
    }

    @Test
    void whenNoInstanceAnswersInTimeTheCallerGetsA504SayingSoWithinTheDeadline() throws Exception {
        try (HungServer hung1 = new HungServer(); HungServer hung2 = new HungServer();
             SeedSystem system = new SeedSystem()) {
            system.restartGateway(new FixedInstancer(List.of(new Instance("127.0.0.1", hung1.port()), new Instance("127.0.0.1", hung2.port()))),
                    SeedSystem.fixed(system.products), SeedSystem.deadline(Duration.ofMillis(300)));
            long start = System.nanoTime();
            HttpResponse<String> response = system.get("/users/user1");
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(response.statusCode()).isEqualTo(504);
            assertThat(response.body()).isEqualTo("{\"error\":\"deadline_exceeded\",\"message\":\"users did not answer within the 300 ms deadline\"}");
            assertThat(took).isLessThan(Duration.ofSeconds(2));
            assertThat(system.get("/products/product1").statusCode()).as("other services unaffected").isEqualTo(200);
        }
    }

    @Test
    void aCallerMayAskForLessTimeThanTheGatewayAllowsButNotMore() throws Exception {
        try (SeedSystem system = new SeedSystem(SeedSystem.deadline(Duration.ofMillis(900)))) {
            get(system.gateway.port(), "/users/user1", Deadlines.HEADER, "120");
            get(system.gateway.port(), "/users/user2", Deadlines.HEADER, "60000");

            List<Long> sent = system.users.stream().flatMap(b -> b.headers.stream())
                    .map(h -> Long.parseLong(h.first(Deadlines.HEADER).orElseThrow())).sorted().toList();
            assertThat(sent).hasSize(2);
            assertThat(sent.get(0)).isLessThanOrEqualTo(120);
            assertThat(sent.get(1)).isGreaterThan(120).isLessThanOrEqualTo(900);
        }
    }

    @Test
    void aServiceStopsWorkWhoseCallerHasGivenUp() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        Backend slow = new Backend(Backends.users((ctx, name) -> {
            lookups.incrementAndGet();
            return UserService.inMemory().userByName(ctx, name);
        }, "users-slow", true, () -> true));
        try (slow) {
            slow.faults.set(Fault.SLOW); // +200 ms before the lookup, as if queued behind other work

            HttpResponse<String> response = get(slow.port, "/user1", Deadlines.HEADER, "50");

            assertThat(response.statusCode()).isEqualTo(504);
            assertThat(response.body()).contains("\"error\":\"deadline_exceeded\"");
            assertThat(lookups).as("the lookup never ran").hasValue(0);
            slow.faults.set(Fault.NONE);
            assertThat(get(slow.port, "/user1", Deadlines.HEADER, "500").statusCode()).isEqualTo(200);
            assertThat(lookups).hasValue(1);
        }
    }

    @Test
    void p2cSendsLittleTrafficToASlowInstanceWhereRoundRobinSendsItsShare() throws Exception {
        for (Upstream.Balancing balancing : List.of(Upstream.Balancing.P2C, Upstream.Balancing.ROUND_ROBIN)) {
            try (SeedSystem system = new SeedSystem(SeedSystem.tuned((service, b) -> b.balancing(balancing)))) {
                Backend slow = system.users.getFirst();
                slow.faults.set(Fault.SLOW);
                for (int i = 0; i < 60; i++) {
                    assertThat(system.get("/users/user1").statusCode()).isEqualTo(200);
                }
                int total = system.users.stream().mapToInt(b -> b.paths.size()).sum();
                double slowShare = slow.paths.size() / (double) total;
                if (balancing == Upstream.Balancing.P2C) {
                    assertThat(slowShare).as("P2C's share to the slow instance").isLessThan(0.15);
                } else {
                    assertThat(slowShare).as("round robin's share to the slow instance").isCloseTo(1 / 3.0, Offset.offset(0.02));
                }
            }
        }
    }

    @Test
    void aStoppingGatewayReportsNotReadyAndFinishesWhatItStarted() throws Exception {
        Gateway.Settings d = SeedSystem.defaults();
        try (SeedSystem system = new SeedSystem(new Gateway.Settings(d.deadline(), d.maxConcurrentRequests(), d.healthChecks(), true,
                Duration.ofMillis(400), d.tuning()))) {
            system.users.forEach(b -> b.faults.set(Fault.SLOW));
            CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + system.gateway.port() + "/users/user1")).build(), BodyHandlers.ofString());
            Thread.sleep(50); // the request is at an instance now

            Gateway gateway = system.gateway;
            PrometheusMeterRegistry registry = Metrics.prometheus();
            Thread stopping = Thread.ofVirtual().start(gateway::close);
            var admin = Main.GatewayOptions.admin(gateway, registry, Optional.empty());
            await().atMost(Duration.ofSeconds(2)).until(() -> admin.call(io.javakit.endpoint.RequestContext.background(),
                    io.javakit.transport.http.HttpRequest.of("GET", "/health/ready")).status() == 503);
            var ready = admin.call(io.javakit.endpoint.RequestContext.background(),
                    io.javakit.transport.http.HttpRequest.of("GET", "/health/ready"));

            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.bodyText()).contains("shutting down");
            assertThat(inFlight.get().statusCode()).isEqualTo(200);
            stopping.join();
        }
    }

    @Test
    void upstreamFailuresNeverNameTheInstances() throws Exception {
        try (SeedSystem system = new SeedSystem()) {
            system.users.forEach(Backend::stop);

            HttpResponse<String> response = system.get("/users/user1");

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.body()).isEqualTo("{\"error\":\"unavailable\",\"message\":\"no users instance could answer\"}");
            system.users.forEach(Backend::start);
        }
    }

    @Test
    void anInstanceThatKeepsFailingIsEjectedAndNoCallerNotices() throws Exception {
        PrometheusMeterRegistry registry = Metrics.prometheus();
        try (SeedSystem system = new SeedSystem()) {
            system.restartGateway(SeedSystem.fixed(system.users), SeedSystem.fixed(system.products), SeedSystem.tuned(SeedSystem.ROUND_ROBIN), registry);
            Backend failing = system.users.getFirst();
            failing.faults.set(Fault.FAIL);

            for (int i = 0; i < 40; i++) {
                assertThat(system.get("/users/user1").statusCode()).as("call %d", i).isEqualTo(200);
            }

            UpstreamView.InstanceState ejected = system.view("users").instance(failing.instance().address()).orElseThrow();
            assertThat(ejected.ejected()).as("still known, only skipped").isTrue();
            assertThat(system.view("users").instances()).filteredOn(UpstreamView.InstanceState::ejected).hasSize(1);
            assertThat(failing.paths).as("no picks once ejected").hasSizeLessThanOrEqualTo(OutlierDetection.DEFAULT_CONSECUTIVE_FAILURES);
            assertThat(UpstreamConsole.of(system.gateway.upstreams()).snapshot().services().stream().flatMap(v -> v.instances().stream())
                    .filter(i -> i.address().equals(failing.instance().address())).findFirst().orElseThrow().health())
                    .as("the console shows it down").isEqualTo(io.javakit.console.ConsoleModel.InstanceView.DOWN);
            String metrics = Main.GatewayOptions.admin(system.gateway, registry, Optional.empty()).call(io.javakit.endpoint.RequestContext.background(),
                    io.javakit.transport.http.HttpRequest.of("GET", "/metrics")).bodyText();
            assertThat(metrics).contains("javakit_outlier_ejections_total{instance=\"" + failing.instance().address()
                    + "\",reason=\"consecutive_failures\",service=\"users\"} 1.0")
                    .contains("javakit_outlier_ejected{service=\"users\"} 1.0");
        }
    }

    @Test
    void withHealthChecksAnInstanceJoinsOnlyOnceItIsReady() throws Exception {
        AtomicBoolean readiness = new AtomicBoolean();
        Backend ready = new Backend(Backends.users(UserService.inMemory(), "users-ready", true, () -> true));
        Backend starting = new Backend(Backends.users(UserService.inMemory(), "users-starting", true, readiness::get));
        Gateway.Settings d = SeedSystem.defaults();
        try (ready; starting; SeedSystem system = new SeedSystem()) {
            system.restartGateway(new FixedInstancer(List.of(ready.instance(), starting.instance())), SeedSystem.fixed(system.products),
                    new Gateway.Settings(d.deadline(), d.maxConcurrentRequests(), Duration.ofMillis(100), true, Duration.ZERO, d.tuning()));
            await().atMost(Duration.ofSeconds(5)).until(() -> instances(system).equals(List.of(ready.instance())));
            for (int i = 0; i < 20; i++) {
                assertThat(system.get("/users/user1").statusCode()).isEqualTo(200);
            }
            assertThat(starting.paths).filteredOn(p -> !p.startsWith("/health/")).as("not routed to while not ready").isEmpty();

            readiness.set(true);

            await().atMost(Duration.ofSeconds(5)).until(() -> instances(system).contains(starting.instance()));
        }
    }

    @Test
    void anOverloadedGatewayShedsAtOnceWith503sAndServesEveryoneOnceLoadDrops() throws Exception {
        Gateway.Settings d = SeedSystem.defaults();
        try (SeedSystem system = new SeedSystem(new Gateway.Settings(d.deadline(), 4, d.healthChecks(), true, Duration.ZERO, d.tuning()))) {
            system.users.forEach(b -> b.faults.set(Fault.SLOW));
            List<CompletableFuture<HttpResponse<String>>> burst = new java.util.ArrayList<>();
            for (int i = 0; i < 16; i++) {
                burst.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + system.gateway.port() + "/users/user1"))
                        .build(), BodyHandlers.ofString()));
            }
            List<HttpResponse<String>> answers = burst.stream().map(CompletableFuture::join).toList();

            assertThat(answers).extracting(HttpResponse::statusCode).containsOnly(200, 503);
            assertThat(answers).filteredOn(r -> r.statusCode() == 200).hasSizeBetween(1, 4);
            assertThat(answers).filteredOn(r -> r.statusCode() == 503).allSatisfy(r -> {
                assertThat(r.body()).contains("\"error\":\"overloaded\"");
                assertThat(r.headers().firstValue("retry-after")).isPresent();
            });
            system.users.forEach(b -> b.faults.set(Fault.NONE));
            for (int i = 0; i < 10; i++) {
                assertThat(system.get("/users/user1").statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void instancesGetTheCallersHeadersAndWhoTheCallerWasButNoHopByHopHeaders() throws Exception {
        try (SeedSystem system = new SeedSystem()) {
            String response = RawHttp.exchange(system.gateway.port(), "GET /users/user1 HTTP/1.1\r\nHost: gw\r\nX-Tenant: acme\r\n"
                    + "X-Forwarded-For: 203.0.113.9\r\nConnection: X-Internal, close\r\nX-Internal: secret\r\n\r\n");

            assertThat(response).startsWith("HTTP/1.1 200");
            io.javakit.endpoint.Headers seen = system.users.stream().flatMap(b -> b.headers.stream()).findFirst().orElseThrow();
            assertThat(seen.first("x-tenant")).hasValue("acme");
            assertThat(seen.first("x-forwarded-for")).hasValue("203.0.113.9, 127.0.0.1");
            assertThat(seen.first("x-forwarded-proto")).hasValue("http");
            assertThat(seen.contains("x-internal")).isFalse();
        }
    }

    private static List<Instance> instances(SeedSystem system) {
        return system.view("users").instances().stream().map(UpstreamView.InstanceState::instance).toList();
    }
}
