package io.javakit.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.NotFoundException;
import io.javakit.endpoint.RequestContext;
import io.javakit.endpoint.UnavailableException;
import io.javakit.resilience.CircuitBreakers;
import io.javakit.sd.FixedInstancer;
import io.javakit.sd.InstanceCache;
import io.javakit.sd.InstanceEvent;
import io.javakit.sd.Instancer;
import java.util.List;
import java.util.function.Consumer;
import io.javakit.sd.Instance;
import io.javakit.upstream.UpstreamView.Breaker;
import io.javakit.upstream.UpstreamView.InstanceState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class UpstreamTest {
    private static final FixedInstancer THREE = FixedInstancer.of("a:1", "b:2", "c:3");

    /** Three in-process instances; those in {@code failing} answer unavailable. Counts the calls each one gets. */
    private static final class Instances {
        final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        final Set<String> failing = ConcurrentHashMap.newKeySet();

        Upstream.Builder<String, String> upstream() {
            return Upstream.<String, String>builder("things", THREE, instance -> (ctx, name) -> {
                calls.computeIfAbsent(instance.address(), a -> new AtomicInteger()).incrementAndGet();
                if (failing.contains(instance.address())) {
                    throw new UnavailableException("injected");
                }
                if (name.equals("nope")) {
                    throw new NotFoundException("thing not found.");
                }
                return name + "@" + instance.address();
            }).meterRegistry(new SimpleMeterRegistry());
        }

        int calls(String address) {
            AtomicInteger n = calls.get(address);
            return n == null ? 0 : n.get();
        }
    }

    @Test
    void printsItsStackOutermostFirst() {
        try (Upstream<String, String> upstream = new Instances().upstream().operation("ThingByName").rateLimit(100, Duration.ZERO).build()) {
            assertThat(upstream.toString())
                    .startsWith("upstream(things): metrics(things/ThingByName) -> retry-metrics(things) -> retry(3, PT1S) -> p2c")
                    .contains("per instance: picks -> bound(256 in flight) -> rate-limit(100/s) -> breaker -> stats -> span(things) -> transport");
        }
    }

    @Test
    void roundRobinStaysExactWithEverySafeguardOn() throws Exception {
        Instances instances = new Instances();
        try (Upstream<String, String> upstream = instances.upstream().balancing(Upstream.Balancing.ROUND_ROBIN).idempotent(true)
                .rateLimit(100, Duration.ZERO).build()) {
            for (int i = 0; i < 30; i++) {
                upstream.call(RequestContext.background(), "x");
            }
        }
        assertThat(instances.calls("a:1")).isEqualTo(10);
        assertThat(instances.calls("b:2")).isEqualTo(10);
        assertThat(instances.calls("c:3")).isEqualTo(10);
    }

    @Test
    void retriesNothingThatWasSentUnlessDeclaredIdempotent() {
        Instances instances = new Instances();
        instances.failing.addAll(Set.of("a:1", "b:2", "c:3"));
        try (Upstream<String, String> upstream = instances.upstream().build()) {
            assertThatThrownBy(() -> upstream.call(RequestContext.background(), "x")).isInstanceOf(UnavailableException.class);
        }
        assertThat(instances.calls.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(1);
    }

    @Test
    void retriesIdempotentCallsOnAnotherInstance() throws Exception {
        Instances instances = new Instances();
        instances.failing.add("a:1");
        try (Upstream<String, String> upstream = instances.upstream().idempotent(true).balancing(Upstream.Balancing.ROUND_ROBIN)
                .noOutlierEjection().build()) {
            for (int i = 0; i < 6; i++) {
                assertThat(upstream.call(RequestContext.background(), "x")).isIn("x@b:2", "x@c:3");
            }
        }
    }

    @Test
    void aNotFoundIsAnAnswerNeitherRetriedNorHeldAgainstTheInstance() {
        Instances instances = new Instances();
        try (Upstream<String, String> upstream = instances.upstream().idempotent(true).build()) {
            for (int i = 0; i < 20; i++) {
                assertThatThrownBy(() -> upstream.call(RequestContext.background(), "nope")).isInstanceOf(NotFoundException.class);
            }
            assertThat(instances.calls.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(20);
            assertThat(upstream.view().instances()).allSatisfy(i -> {
                assertThat(i.breaker()).isEqualTo(Breaker.CLOSED);
                assertThat(i.pickable()).isTrue();
                assertThat(i.failures()).isZero();
            });
            assertThat(upstream.view().recentErrors()).isEmpty();
        }
    }

    @Test
    void anInstanceWhoseBreakerIsOpenGetsNoPicksAndComesBackByItself() throws Exception {
        Instances instances = new Instances();
        instances.failing.add("a:1");
        try (Upstream<String, String> upstream = instances.upstream().idempotent(true).noOutlierEjection()
                .balancing(Upstream.Balancing.ROUND_ROBIN)
                .breaker(CircuitBreakers.consecutiveFailures(3, Duration.ofMillis(300))).build()) {
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                upstream.call(RequestContext.background(), "x");
                return upstream.view().instance("a:1").orElseThrow().breaker() == Breaker.OPEN;
            });
            int before = instances.calls("a:1");
            InstanceState a = upstream.view().instance("a:1").orElseThrow();
            assertThat(a.pickable()).isFalse();
            assertThat(a.failures()).isEqualTo(3);
            // every pick is a healthy instance: no attempt is spent on the open breaker
            for (int i = 0; i < 20; i++) {
                upstream.call(RequestContext.background(), "x");
            }
            assertThat(instances.calls("a:1")).isEqualTo(before);

            instances.failing.clear();
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                upstream.call(RequestContext.background(), "x");
                return instances.calls("a:1") > before && upstream.view().instance("a:1").orElseThrow().breaker() == Breaker.CLOSED;
            });
        }
    }

    @Test
    void theViewShowsEachInstancesCallsLatencyAndLastMinute() throws Exception {
        AtomicLong clock = new AtomicLong(1_000_000_000_000L);
        Instances instances = new Instances();
        instances.failing.add("c:3");
        try (Upstream<String, String> upstream = instances.upstream().idempotent(true).noOutlierEjection()
                .balancing(Upstream.Balancing.ROUND_ROBIN).nanoClock(clock::get).build()) {
            for (int i = 0; i < 9; i++) {
                upstream.call(RequestContext.background(), "x"); // c fails, and the retry lands on a
            }
            clock.addAndGet(1_000_000_000L); // the second those calls were in is complete
            UpstreamView view = upstream.view();
            assertThat(view.service()).isEqualTo("things");
            assertThat(view.balancer()).isEqualTo("round-robin");
            assertThat(view.retry()).isEqualTo("3 attempts within 1 s, idempotent requests only");
            InstanceState c = view.instance("c:3").orElseThrow();
            assertThat(c.requests()).isEqualTo(c.failures()).isPositive();
            assertThat(c.inFlight()).isZero();
            InstanceState a = view.instance("a:1").orElseThrow();
            assertThat(a.requests()).isEqualTo(instances.calls("a:1"));
            assertThat(a.latency()).isPresent();
            assertThat(a.requestsPerSecond()).hasSize(60).last().isEqualTo((double) a.requests());
            assertThat(a.requestsPerSecond().subList(0, 59)).containsOnly(0.0);
            assertThat(view.recentErrors()).isNotEmpty().allSatisfy(e -> {
                assertThat(e.instance()).isEqualTo(Instance.parse("c:3"));
                assertThat(e.kind()).isEqualTo("unavailable");
            });
            clock.addAndGet(61_000_000_000L); // a minute later the series is quiet again
            assertThat(upstream.view().instance("a:1").orElseThrow().requestsPerSecond()).containsOnly(0.0);
        }
    }

    @Test
    void whenEveryBreakerIsOpenEveryInstanceIsPickableAgainAndCallsFailFast() {
        Instances instances = new Instances();
        instances.failing.addAll(Set.of("a:1", "b:2", "c:3"));
        try (Upstream<String, String> upstream = instances.upstream().idempotent(true).noOutlierEjection()
                .breaker(CircuitBreakers.consecutiveFailures(1, Duration.ofSeconds(30))).build()) {
            for (int i = 0; i < 5; i++) {
                assertThatThrownBy(() -> upstream.call(RequestContext.background(), "x"))
                        .satisfies(e -> assertThat(EndpointException.kindOf(e)).isEqualTo(EndpointException.Kind.UNAVAILABLE));
            }
            assertThat(upstream.view().instances()).allSatisfy(i -> {
                assertThat(i.breaker()).isEqualTo(Breaker.OPEN);
                assertThat(i.pickable()).isTrue();
            });
        }
    }

    @Test
    void sequentialCallsUnderTheDefaultsReachEveryInstance() throws Exception {
        Instances instances = new Instances();
        try (Upstream<String, String> upstream = instances.upstream().idempotent(true).rateLimit(100, Duration.ZERO).build()) {
            for (int i = 0; i < 60; i++) {
                upstream.call(RequestContext.background(), "x");
            }
        }
        assertThat(instances.calls("a:1")).isPositive();
        assertThat(instances.calls("b:2")).isPositive();
        assertThat(instances.calls("c:3")).isPositive();
    }

    @Test
    void theCallersOwnLimitMovesCallsOnWithoutHoldingItAgainstTheInstance() throws Exception {
        Instances instances = new Instances();
        // not idempotent: a refusal by the caller's own limiter sent nothing, so moving on is still safe
        try (Upstream<String, String> upstream = instances.upstream().rateLimit(2, Duration.ZERO).build()) {
            for (int i = 0; i < 6; i++) {
                assertThat(upstream.call(RequestContext.background(), "x")).startsWith("x@");
            }
            assertThat(instances.calls).containsOnlyKeys("a:1", "b:2", "c:3").allSatisfy((address, calls) -> assertThat(calls).hasValue(2));
            assertThatThrownBy(() -> upstream.call(RequestContext.background(), "x"))
                    .satisfies(e -> assertThat(EndpointException.kindOf(upstream.callerError(e))).isEqualTo(EndpointException.Kind.RATE_LIMITED))
                    .satisfies(e -> assertThat(upstream.callerError(e)).hasMessage("things: too many requests, retry later"));
            assertThat(upstream.view().instances()).allSatisfy(i -> {
                assertThat(i.failures()).isZero();
                assertThat(i.pickable()).isTrue();
                assertThat(i.ejected()).isFalse();
                assertThat(i.breaker()).isEqualTo(Breaker.CLOSED);
            });
            assertThat(upstream.view().recentErrors()).isEmpty();
            // the next second, every instance is picked again
            Map<String, Integer> before = Map.of("a:1", instances.calls("a:1"), "b:2", instances.calls("b:2"), "c:3", instances.calls("c:3"));
            await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ofMillis(100)).until(() -> {
                try {
                    upstream.call(RequestContext.background(), "x");
                } catch (EndpointException limited) {
                    // still within the second
                }
                return before.entrySet().stream().allMatch(e -> instances.calls(e.getKey()) > e.getValue());
            });
        }
    }

    @Test
    void aRestartedInstanceIsBackInRotationWithinSeconds() throws Exception {
        Instances instances = new Instances();
        InstanceCache cache = new InstanceCache();
        List<Instance> three = List.of(Instance.parse("a:1"), Instance.parse("b:2"), Instance.parse("c:3"));
        cache.update(InstanceEvent.of(three));
        Instancer instancer = new Instancer() {
            @Override
            public AutoCloseable subscribe(Consumer<InstanceEvent> subscriber) {
                return cache.subscribe(subscriber);
            }

            @Override
            public void close() {}
        };
        try (Upstream<String, String> upstream = Upstream.<String, String>builder("things", instancer, instance -> (ctx, name) -> {
            instances.calls.computeIfAbsent(instance.address(), a -> new AtomicInteger()).incrementAndGet();
            return name;
        }).idempotent(true).meterRegistry(new SimpleMeterRegistry()).build()) {
            for (int i = 0; i < 30; i++) {
                upstream.call(RequestContext.background(), "x");
            }
            cache.update(InstanceEvent.of(three.subList(0, 2))); // c goes away, as a registry would show a restart
            cache.update(InstanceEvent.of(three));               // and comes back
            int before = instances.calls("c:3");
            await("c:3 back in rotation").atMost(Duration.ofSeconds(5)).until(() -> {
                upstream.call(RequestContext.background(), "x");
                return instances.calls("c:3") > before;
            });
        }
    }

    @Test
    void argumentsAreCheckedByName() {
        Instances instances = new Instances();
        assertThatThrownBy(() -> instances.upstream().maxAttempts(0)).hasMessage("maxAttempts: 0 (expected: >= 1)");
        assertThatThrownBy(() -> instances.upstream().deadline(Duration.ZERO)).hasMessage("deadline: PT0S (expected: > 0)");
        assertThatThrownBy(() -> instances.upstream().rateLimit(-1, Duration.ZERO)).hasMessage("perSecond: -1 (expected: >= 0, 0 for no limit)");
        assertThatThrownBy(() -> Upstream.Balancing.parse("fastest"))
                .hasMessage("balancing: 'fastest' (expected: p2c, round-robin or weighted-round-robin)");
    }
}
