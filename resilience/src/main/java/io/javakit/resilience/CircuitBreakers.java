package io.javakit.resilience;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.Middleware;
import io.javakit.endpoint.NotSentException;
import java.time.Duration;
import java.util.Objects;

/**
 * Circuit breaker middleware: a Resilience4j {@link CircuitBreaker} guarding one endpoint.
 *
 * <p>The breaker is CLOSED while calls succeed; after too many failures it turns OPEN and rejects calls at once
 * with {@link CircuitOpenException}; after the open duration it turns HALF_OPEN and lets trial calls through, whose
 * outcome closes or reopens it. It learns about the endpoint only from the outcome of calls.
 */
public final class CircuitBreakers {
    /** gobreaker opens after more than 5 consecutive failures: a window of the last 6 calls, all failed. */
    public static final int DEFAULT_CONSECUTIVE_FAILURES = 6;
    /** gobreaker's default time in OPEN. */
    public static final Duration DEFAULT_OPEN_DURATION = Duration.ofSeconds(60);
    /** gobreaker lets one trial request through when half-open. */
    public static final int DEFAULT_HALF_OPEN_CALLS = 1;

    private CircuitBreakers() {}

    /**
     * The seed's breaker (gobreaker's defaults): opens after more than 5 consecutive failures, stays open 60 s,
     * then lets one trial call through. Only instance failures count; rate limits and calls a guard
     * {@linkplain NotSentException never sent} are ignored, and client errors such as not-found count as successes, since the instance answered.
     */
    public static CircuitBreakerConfig seedDefaults() {
        return consecutiveFailures(DEFAULT_CONSECUTIVE_FAILURES, DEFAULT_OPEN_DURATION);
    }

    /**
     * A breaker that opens after {@code failures} consecutive instance failures and stays open for {@code open}.
     */
    public static CircuitBreakerConfig consecutiveFailures(int failures, Duration open) {
        if (failures < 1) {
            throw new IllegalArgumentException("failures: " + failures + " (expected: >= 1)");
        }
        return CircuitBreakerConfig.custom()
                .slidingWindow(failures, failures, SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(100)
                .waitDurationInOpenState(Objects.requireNonNull(open, "open"))
                .permittedNumberOfCallsInHalfOpenState(DEFAULT_HALF_OPEN_CALLS)
                .recordException(EndpointException::isInstanceFailure)
                // neither a rate limit nor a call the caller's own guard never sent says anything about the instance
                .ignoreException(e -> EndpointException.kindOf(e) == EndpointException.Kind.RATE_LIMITED
                        || e instanceof NotSentException)
                .build();
    }

    /** Guards calls with {@code breaker}; rejected calls fail with {@link CircuitOpenException}. */
    public static <Req, Res> Middleware<Req, Res> middleware(CircuitBreaker breaker) {
        Objects.requireNonNull(breaker, "breaker");
        String rejection = "circuit breaker '" + breaker.getName() + "' is open";
        return Middleware.named("breaker(" + breaker.getName() + ")", next -> (ctx, request) -> {
            if (!breaker.tryAcquirePermission()) {
                throw new CircuitOpenException(rejection);
            }
            long start = breaker.getCurrentTimestamp();
            try {
                Res response = next.call(ctx, request);
                breaker.onSuccess(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit());
                return response;
            } catch (Exception | Error e) {
                breaker.onError(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit(), e);
                throw e;
            }
        });
    }

    /** A breaker with the {@link #seedDefaults()}. */
    public static CircuitBreaker create(String name) {
        return CircuitBreaker.of(name, seedDefaults());
    }

}
