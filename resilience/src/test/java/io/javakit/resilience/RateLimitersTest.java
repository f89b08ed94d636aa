package io.javakit.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.NotSentException;
import io.javakit.endpoint.RequestContext;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RateLimitersTest {
    private final AtomicInteger calls = new AtomicInteger();
    private final Endpoint<String, String> backend = (ctx, r) -> {
        calls.incrementAndGet();
        return "ok";
    };

    @Test
    void erroringRejectsAtOnceOverTheLimitWithoutCalling() throws Exception {
        Endpoint<String, String> limited = RateLimiters.<String, String>erroring(RateLimiters.perSecond("a", 3)).wrap(backend);
        for (int i = 0; i < 3; i++) {
            limited.call(RequestContext.background(), "x");
        }

        assertThatThrownBy(() -> limited.call(RequestContext.background(), "x")).isInstanceOf(NotSentException.class).satisfies(e -> assertThat(EndpointException.kindOf(e)).isEqualTo(EndpointException.Kind.RATE_LIMITED));
        assertThat(calls.get()).isEqualTo(3);
    }

    @Test
    void erroringRefusesALimiterThatWouldWait() {
        RateLimiter waiting = RateLimiters.paced("a", 3, Duration.ofSeconds(1));
        assertThatThrownBy(() -> RateLimiters.erroring(waiting)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("timeoutDuration");
    }

    @Test
    void delayingPacesCallsIntoSlotsWithinItsBound() throws Exception {
        Endpoint<String, String> limited = RateLimiters.<String, String>delaying(
                RateLimiters.paced("a", 10, Duration.ofSeconds(2))).wrap(backend);
        long start = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            assertThat(limited.call(RequestContext.background(), "x")).isEqualTo("ok");
        }

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(calls.get()).isEqualTo(4);
    }

    @Test
    void delayingRejectsWhenThePermitWouldComeAfterTheDeadline() throws Exception {
        Endpoint<String, String> limited = RateLimiters.<String, String>delaying(
                RateLimiters.paced("a", 1, Duration.ofSeconds(5))).wrap(backend);
        limited.call(RequestContext.background(), "x");

        assertThatThrownBy(() -> limited.call(RequestContext.withTimeout(Duration.ofMillis(10)), "x"))
                .isInstanceOf(NotSentException.class).satisfies(e -> assertThat(EndpointException.kindOf(e)).isEqualTo(EndpointException.Kind.RATE_LIMITED));
        assertThat(calls.get()).isEqualTo(1);
    }
}
