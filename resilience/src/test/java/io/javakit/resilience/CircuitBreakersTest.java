package io.javakit.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.javakit.endpoint.OverloadedException;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.NotFoundException;
import io.javakit.endpoint.RateLimitedException;
import io.javakit.endpoint.RequestContext;
import io.javakit.endpoint.UnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CircuitBreakersTest {

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
    }

    private final ManualClock clock = new ManualClock();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final Endpoint<String, String> backend = (ctx, r) -> {
        calls.incrementAndGet();
        if (failure.get() != null) {
            throw failure.get();
        }
        return "ok";
    };
    private final CircuitBreaker breaker = CircuitBreaker.of("a",
            CircuitBreakerConfig.from(CircuitBreakers.seedDefaults()).clock(clock).build());
    private final Endpoint<String, String> guarded = CircuitBreakers.<String, String>middleware(breaker).wrap(backend);

    private void call(int times) {
        for (int i = 0; i < times; i++) {
            try {
                guarded.call(RequestContext.background(), "x");
            } catch (Exception ignored) {
                // counted by the breaker
            }
        }
    }

    @Test
    void opensAfterMoreThanFiveConsecutiveFailuresAndThenRejectsWithoutCalling() {
        failure.set(new UnavailableException("down"));

        call(5);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        call(1);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);

        int before = calls.get();
        assertThatThrownBy(() -> guarded.call(RequestContext.background(), "x")).isInstanceOf(CircuitOpenException.class);
        assertThat(calls.get()).isEqualTo(before);
    }

    @Test
    void aSuccessInBetweenResetsTheCount() {
        failure.set(new UnavailableException("down"));
        call(5);
        failure.set(null);
        call(1);
        failure.set(new UnavailableException("down"));
        call(5);

        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void notFoundAndRateLimitsNeverOpenIt() {
        failure.set(new NotFoundException("user not found."));
        call(20);
        failure.set(new RateLimitedException("limited"));
        call(20);

        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void theCallersOwnBulkheadRejectionsNeverOpenIt() {
        failure.set(new OverloadedException("bulkhead 'a' is full"));
        call(20);

        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void letsOneTrialCallThroughAfterSixtySecondsAndClosesOnSuccess() throws Exception {
        failure.set(new UnavailableException("down"));
        call(6);
        clock.advance(Duration.ofSeconds(59));
        assertThatThrownBy(() -> guarded.call(RequestContext.background(), "x")).isInstanceOf(CircuitOpenException.class);

        clock.advance(Duration.ofSeconds(2));
        failure.set(null);

        assertThat(guarded.call(RequestContext.background(), "x")).isEqualTo("ok");
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void aFailedTrialReopensIt() {
        failure.set(new UnavailableException("down"));
        call(6);
        clock.advance(Duration.ofSeconds(61));

        call(1);

        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
    }
}
