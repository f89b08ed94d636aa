package io.javakit.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.javakit.endpoint.BadRequestException;
import io.javakit.endpoint.CallLog;
import io.javakit.endpoint.DeadlineExceededException;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.Middleware;
import io.javakit.endpoint.NotFoundException;
import io.javakit.endpoint.RateLimitedException;
import io.javakit.endpoint.RequestContext;
import io.javakit.endpoint.UnavailableException;
import io.javakit.resilience.CircuitBreakers;
import io.javakit.resilience.RateLimiters;
import io.javakit.sd.Endpointer;
import io.javakit.sd.FixedInstancer;
import io.javakit.sd.lb.Balancers;
import io.javakit.sd.lb.Retry;
import io.javakit.transport.http.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MetricsTest {
    private static final String SERVED_BY = "10.0.0.1:8080";

    private final MockClock clock = new MockClock();
    private final MeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);

    /** An endpoint that a balancer would have routed to {@link #SERVED_BY}. */
    private static Endpoint<String, String> servedBy(Endpoint<String, String> endpoint) {
        return (ctx, request) -> {
            ctx.log().put(CallLog.INSTANCE, SERVED_BY);
            return endpoint.call(ctx, request);
        };
    }

    private Endpoint<String, String> measured(Endpoint<String, String> endpoint) {
        return Metrics.<String, String>middleware(registry, "users", "UserByName").wrap(endpoint);
    }

    private double requests(String instance, String outcome) {
        Counter counter = registry.find("javakit.requests")
                .tags("service", "users", "endpoint", "UserByName", "instance", instance, "outcome", outcome)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private double inFlight() {
        return registry.get("javakit.inflight.requests").tags("service", "users", "endpoint", "UserByName")
                .gauge().value();
    }

    private static void callIgnoringFailure(Endpoint<String, String> endpoint) {
        try {
            endpoint.call(RequestContext.background(), "x");
        } catch (Exception ignored) {
            // the metrics are under test, not the failure
        }
    }

    @Nested
    class EndpointMiddleware {
        @Test
        void countsASuccessWithServiceEndpointInstanceAndOutcome() throws Exception {
            Endpoint<String, String> endpoint = measured(servedBy((ctx, r) -> "ok"));

            assertThat(endpoint.call(RequestContext.background(), "alice")).isEqualTo("ok");

            assertThat(requests(SERVED_BY, "success")).isEqualTo(1);
            assertThat(registry.get("javakit.requests").counters()).hasSize(1);
        }

        static Stream<Arguments> failures() {
            return Stream.of(
                    Arguments.of(new NotFoundException("no such user"), "not_found"),
                    Arguments.of(new BadRequestException("bad name"), "bad_request"),
                    Arguments.of(new RateLimitedException("slow down"), "rate_limited"),
                    Arguments.of(new UnavailableException("down"), "unavailable"),
                    Arguments.of(new DeadlineExceededException("late"), "deadline_exceeded"),
                    Arguments.of(new IllegalStateException("bug"), "internal"),
                    Arguments.of(new LinkageError("simulated"), "internal"));
        }

        @ParameterizedTest
        @MethodSource("failures")
        void countsEachFailureKindAsItsOwnOutcomeAndRethrowsIt(Throwable failure, String outcome) {
            Endpoint<String, String> endpoint = measured(servedBy((ctx, r) -> {
                if (failure instanceof Error error) {
                    throw error;
                }
                throw (Exception) failure;
            }));

            assertThatThrownBy(() -> endpoint.call(RequestContext.background(), "alice")).isSameAs(failure);

            assertThat(requests(SERVED_BY, outcome)).isEqualTo(1);
            assertThat(requests(SERVED_BY, "success")).isZero();
            assertThat(registry.get("javakit.request.duration").tag("outcome", outcome).timer().count()).isEqualTo(1);
        }

        @Test
        void labelsACallThatNoBalancerRoutedWithInstanceNone() throws Exception {
            measured((ctx, r) -> "ok").call(RequestContext.background(), "alice");

            assertThat(requests("none", "success")).isEqualTo(1);
        }

        @Test
        void recordsLatencyByTheRegistrysClockInAHistogram() throws Exception {
            Endpoint<String, String> endpoint = measured(servedBy((ctx, r) -> {
                clock.add(Duration.ofMillis(250));
                return "ok";
            }));

            endpoint.call(RequestContext.background(), "alice");
            endpoint.call(RequestContext.background(), "bob");

            Timer latency = registry.get("javakit.request.duration")
                    .tags("service", "users", "endpoint", "UserByName", "instance", SERVED_BY, "outcome", "success")
                    .timer();
            assertThat(latency.count()).isEqualTo(2);
            assertThat(latency.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(500);
        }

        @Test
        void inFlightGaugeCountsACallWhileItRunsAndDropsBackAfterSuccessOrFailure() throws Exception {
            List<Double> seenDuringCalls = new ArrayList<>();
            Endpoint<String, String> endpoint = measured((ctx, r) -> {
                seenDuringCalls.add(inFlight());
                if (r.equals("fail")) {
                    throw new UnavailableException("down");
                }
                return "ok";
            });
            assertThat(inFlight()).isZero();

            endpoint.call(RequestContext.background(), "alice");
            assertThat(inFlight()).isZero();
            callIgnoringFailure((ctx, r) -> endpoint.call(ctx, "fail"));

            assertThat(seenDuringCalls).containsExactly(1.0, 1.0);
            assertThat(inFlight()).isZero();
        }

        @Test
        void twoMiddlewaresForTheSameEndpointShareOneInFlightGauge() throws Exception {
            List<Double> seen = new ArrayList<>();
            Endpoint<String, String> nested = measured(measured((ctx, r) -> {
                seen.add(inFlight());
                return "ok";
            }));

            nested.call(RequestContext.background(), "alice");

            assertThat(seen).containsExactly(2.0);
            assertThat(inFlight()).isZero();
        }

        @Test
        void describesItselfInAChain() {
            assertThat(measured(Endpoint.named("backend", (ctx, r) -> "ok")))
                    .hasToString("metrics(users/UserByName) -> backend");
        }
    }

    @Nested
    class RetriesAndBalancerPicks {
        private double picks(String instance) {
            return registry.get("javakit.balancer.picks").tags("service", "users", "instance", instance)
                    .counter().count();
        }

        @Test
        void countsAttemptsBeyondTheFirstAndPicksPerInstance() throws Exception {
            // Round robin takes 10.0.0.1, .2, .3 in turn; .1 always fails with a retryable error. Calls 1, 3 and 5
            // go .1 (fails) then .2; calls 2 and 4 go to .3.
            try (Endpointer<String, String> instances = Endpointer.of(
                    FixedInstancer.of("10.0.0.1:1", "10.0.0.2:2", "10.0.0.3:3"),
                    instance -> Metrics.<String, String>balancerPicks(registry, "users", instance.address()).wrap(
                            (ctx, r) -> {
                                if (instance.host().equals("10.0.0.1")) {
                                    throw new UnavailableException("down");
                                }
                                return "ok";
                            }))) {
                Endpoint<String, String> users = Middleware.chain(
                                Metrics.<String, String>middleware(registry, "users", "UserByName"),
                                Metrics.<String, String>retries(registry, "users"))
                        .wrap(Retry.retry(3, Duration.ofSeconds(5), Balancers.roundRobin(instances)));

                for (int i = 0; i < 5; i++) {
                    assertThat(users.call(RequestContext.background(), "alice")).isEqualTo("ok");
                }

                assertThat(picks("10.0.0.1:1")).isEqualTo(3);
                assertThat(picks("10.0.0.2:2")).isEqualTo(3);
                assertThat(picks("10.0.0.3:3")).isEqualTo(2);
                assertThat(registry.get("javakit.retries").tag("service", "users").counter().count()).isEqualTo(3);
                assertThat(requests("10.0.0.2:2", "success")).as("labelled by the instance that finally served")
                        .isEqualTo(3);
                assertThat(requests("10.0.0.3:3", "success")).isEqualTo(2);
                assertThat(requests("10.0.0.1:1", "success")).isZero();
            }
        }

        @Test
        void countsRetriesOfACallThatFailedInTheEnd() {
            Endpoint<String, String> exhausted = Metrics.<String, String>retries(registry, "users").wrap((ctx, r) -> {
                ctx.log().put(CallLog.ATTEMPTS, 3);
                throw new UnavailableException("every instance down");
            });

            callIgnoringFailure(exhausted);

            assertThat(registry.get("javakit.retries").counter().count()).isEqualTo(2);
        }

        @Test
        void countsNoRetryForACallThatTookOneAttemptOrNoRetryAtAll() throws Exception {
            Metrics.<String, String>retries(registry, "users").wrap((ctx, r) -> {
                ctx.log().put(CallLog.ATTEMPTS, 1);
                return "ok";
            }).call(RequestContext.background(), "alice");
            Metrics.<String, String>retries(registry, "users").wrap((ctx, r) -> "ok")
                    .call(RequestContext.background(), "alice");

            assertThat(registry.get("javakit.retries").counter().count()).isZero();
        }
    }

    @Nested
    class Resilience {
        private final CircuitBreaker breaker =
                CircuitBreaker.of(SERVED_BY, CircuitBreakers.consecutiveFailures(3, Duration.ofMinutes(1)));

        private double state(String instance) {
            return registry.get("javakit.breaker.state").tag("instance", instance).gauge().value();
        }

        private double transitions(String from, String to) {
            return registry.get("javakit.breaker.transitions").tags("instance", SERVED_BY, "from", from, "to", to)
                    .counter().count();
        }

        @Test
        void breakerStateGaugeFollowsABreakerOpenedByFailures() {
            Metrics.bindCircuitBreaker(registry, breaker);
            Endpoint<String, String> guarded = CircuitBreakers.<String, String>middleware(breaker)
                    .wrap((ctx, r) -> { throw new UnavailableException("down"); });
            assertThat(state(SERVED_BY)).isEqualTo(0);
            assertThat(transitions("closed", "open")).as("counted from zero").isZero();

            for (int i = 0; i < 3; i++) {
                callIgnoringFailure(guarded);
            }
            assertThat(state(SERVED_BY)).isEqualTo(1);
            assertThat(transitions("closed", "open")).isEqualTo(1);

            breaker.transitionToHalfOpenState();
            assertThat(state(SERVED_BY)).isEqualTo(2);
            assertThat(transitions("open", "half_open")).isEqualTo(1);
            breaker.transitionToClosedState();
            assertThat(state(SERVED_BY)).isEqualTo(0);
            assertThat(transitions("half_open", "closed")).isEqualTo(1);
        }

        @Test
        void bindsResilience4jsOwnBreakerMetersToo() {
            Metrics.bindCircuitBreaker(registry, breaker);
            callIgnoringFailure(CircuitBreakers.<String, String>middleware(breaker)
                    .wrap((ctx, r) -> { throw new UnavailableException("down"); }));

            assertThat(registry.get("resilience4j.circuitbreaker.calls").tags("name", SERVED_BY, "kind", "failed")
                    .timer().count()).isEqualTo(1);
        }

        @Test
        void registryBindingMeasuresBreakersCreatedLaterAndDropsRemovedOnes() {
            CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(CircuitBreakers.seedDefaults());
            breakers.circuitBreaker("10.0.0.1:1");
            Metrics.bindCircuitBreakers(registry, breakers);

            breakers.circuitBreaker("10.0.0.2:2").transitionToOpenState();

            assertThat(state("10.0.0.1:1")).isEqualTo(0);
            assertThat(state("10.0.0.2:2")).isEqualTo(1);
            assertThat(registry.get("javakit.breaker.transitions").tags("instance", "10.0.0.2:2", "to", "open")
                    .counter().count()).isEqualTo(1);

            breakers.remove("10.0.0.1:1");
            assertThat(registry.find("javakit.breaker.state").tag("instance", "10.0.0.1:1").gauge()).isNull();
        }

        @Test
        void countsCallsTheRateLimiterRejected() {
            RateLimiter limiter = RateLimiter.of(SERVED_BY, RateLimiterConfig.custom()
                    .limitForPeriod(1).limitRefreshPeriod(Duration.ofHours(1)).timeoutDuration(Duration.ZERO).build());
            Metrics.bindRateLimiter(registry, limiter);
            Endpoint<String, String> limited = RateLimiters.<String, String>erroring(limiter).wrap((ctx, r) -> "ok");

            for (int i = 0; i < 3; i++) {
                callIgnoringFailure(limited);
            }

            assertThat(registry.get("javakit.ratelimiter.rejections").tag("instance", SERVED_BY).counter().count())
                    .isEqualTo(2);
            assertThat(registry.get("resilience4j.ratelimiter.available.permissions").tag("name", SERVED_BY)
                    .gauge().value()).isZero();
        }
    }

    @Test
    void bindJvmBindsMemoryGcThreadProcessorAndUptimeMeters() throws Exception {
        AutoCloseable gc = Metrics.bindJvm(registry);
        try {
            assertThat(registry.get("jvm.memory.used").gauges()).isNotEmpty();
            assertThat(registry.find("jvm.gc.memory.allocated").counter()).isNotNull();
            assertThat(registry.get("jvm.threads.live").gauge().value()).isPositive();
            assertThat(registry.get("system.cpu.count").gauge().value()).isPositive();
            assertThat(registry.get("process.uptime").timeGauge()).isNotNull();
        } finally {
            gc.close();
        }
    }

    @Nested
    class Prometheus {
        private final PrometheusMeterRegistry prometheus = Metrics.prometheus();

        /** A registry with every kind of javakit meter and the JVM's, as a gateway would have. */
        private String scrapeAfterTraffic() throws Exception {
            Endpoint<String, String> endpoint = Middleware.chain(
                            Metrics.<String, String>middleware(prometheus, "users", "UserByName"),
                            Metrics.<String, String>retries(prometheus, "users"),
                            Metrics.<String, String>balancerPicks(prometheus, "users", SERVED_BY))
                    .wrap(servedBy((ctx, r) -> {
                        if (r.equals("nope")) {
                            throw new NotFoundException("no such user \"nope\"");
                        }
                        return "ok";
                    }));
            endpoint.call(RequestContext.background(), "alice");
            callIgnoringFailure((ctx, r) -> endpoint.call(ctx, "nope"));
            CircuitBreaker breaker = CircuitBreakers.create(SERVED_BY);
            Metrics.bindCircuitBreaker(prometheus, breaker);
            breaker.transitionToOpenState();
            Metrics.bindRateLimiter(prometheus, RateLimiters.perSecond(SERVED_BY, 100));
            AutoCloseable gc = Metrics.bindJvm(prometheus);
            try (HttpServer admin = HttpServer.builder(Metrics.handler(prometheus)).host("127.0.0.1").start()) {
                HttpResponse<String> response = get(admin, "GET", "/metrics");
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.headers().firstValue("content-type"))
                        .hasValue("text/plain; version=0.0.4; charset=utf-8");
                return response.body();
            } finally {
                gc.close();
            }
        }

        private static HttpResponse<String> get(HttpServer server, String method, String path) throws Exception {
            try (HttpClient client = HttpClient.newHttpClient()) {
                return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            }
        }

        @Test
        void adminEndpointServesOurMetricsInPrometheusTextFormat() throws Exception {
            String text = scrapeAfterTraffic();

            Exposition metrics = Exposition.parse(text);
            assertThat(metrics.type("javakit_requests_total")).isEqualTo("counter");
            assertThat(metrics.value("javakit_requests_total", Map.of("service", "users", "endpoint", "UserByName",
                    "instance", SERVED_BY, "outcome", "not_found"))).isEqualTo(1);
            assertThat(metrics.type("javakit_request_duration_seconds")).isEqualTo("histogram");
            assertThat(metrics.value("javakit_request_duration_seconds_bucket",
                    Map.of("outcome", "success", "le", "+Inf"))).isEqualTo(1);
            assertThat(metrics.value("javakit_inflight_requests", Map.of("service", "users"))).isZero();
            assertThat(metrics.value("javakit_retries_total", Map.of("service", "users"))).isZero();
            assertThat(metrics.value("javakit_balancer_picks_total", Map.of("instance", SERVED_BY))).isEqualTo(2);
            assertThat(metrics.value("javakit_breaker_state", Map.of("instance", SERVED_BY))).isEqualTo(1);
            assertThat(metrics.value("javakit_breaker_transitions_total",
                    Map.of("instance", SERVED_BY, "from", "closed", "to", "open"))).isEqualTo(1);
            assertThat(metrics.value("javakit_ratelimiter_rejections_total", Map.of("instance", SERVED_BY))).isZero();
            assertThat(metrics.families()).containsKeys("jvm_memory_used_bytes", "process_uptime_seconds",
                    "resilience4j_circuitbreaker_state");
        }

        @Test
        void adminEndpointAnswersOtherPathsWith404AndOtherMethodsWith405() throws Exception {
            try (HttpServer admin = HttpServer.builder(Metrics.handler(prometheus)).host("127.0.0.1").start()) {
                assertThat(get(admin, "GET", "/other").statusCode()).isEqualTo(404);
                assertThat(get(admin, "POST", "/metrics").statusCode()).isEqualTo(405);
            }
        }

        @Test
        void promtoolFindsNoFormatErrorAndNoLintProblemInOurMetrics() throws Exception {
            Path promtool = Path.of("/usr/bin/promtool");
            assumeTrue(Files.isExecutable(promtool),
                    "skipped: /usr/bin/promtool not found (install Debian's 'prometheus' package to run this check)");
            Path scraped = Files.createTempFile("javakit-metrics", ".prom");
            try {
                Files.writeString(scraped, scrapeAfterTraffic());
                Process check = new ProcessBuilder(promtool.toString(), "check", "metrics")
                        .redirectInput(scraped.toFile()).redirectErrorStream(true).start();
                String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
                // Exit 0: clean; otherwise lint problems, one per line, or a parse error. Micrometer's JVM and
                // Resilience4j's names are theirs to fix; ours must be clean and the whole text must parse.
                assertThat(output).as("promtool output").doesNotContain("error while linting")
                        .doesNotContainPattern("(?m)^javakit_");
                assertThat(check.exitValue()).as("promtool exit status; output:%n%s", output).isIn(0, 1, 3);
            } finally {
                Files.delete(scraped);
            }
        }
    }
}
