package io.javakit.resilience;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.javakit.endpoint.OverloadedException;
import io.javakit.endpoint.Middleware;
import java.time.Duration;
import java.util.Objects;

/**
 * Bulkhead middleware on a Resilience4j {@link Bulkhead}: a bound on the calls in flight through one endpoint, so
 * that a slow instance cannot tie up every caller and its memory. A call over the bound fails at once with
 * {@link OverloadedException}, which retry takes to another instance.
 *
 * <p>Per instance on the client side, put it outside the instance's circuit breaker, so that the breaker only ever
 * sees calls that were made (the seed breaker ignores {@link OverloadedException} anyway):
 * <pre>{@code
 * Middleware.chain(Bulkheads.middleware(Bulkheads.concurrencyLimit(instance.address(), 64)),
 *                  CircuitBreakers.middleware(breakers.circuitBreaker(instance.address())))
 * }</pre>
 */
public final class Bulkheads {

    private Bulkheads() {}

    /**
     * A bulkhead for {@link #middleware}: at most {@code maxConcurrentCalls} calls at once; it never makes a call
     * wait for a slot, since a queue in front of a slow instance only adds latency to the failure.
     */
    public static Bulkhead concurrencyLimit(String name, int maxConcurrentCalls) {
        if (maxConcurrentCalls < 1) {
            throw new IllegalArgumentException("maxConcurrentCalls: " + maxConcurrentCalls + " (expected: >= 1)");
        }
        return Bulkhead.of(Objects.requireNonNull(name, "name"), BulkheadConfig.custom()
                .maxConcurrentCalls(maxConcurrentCalls)
                .maxWaitDuration(Duration.ZERO)
                // nobody waits, so there is no queue to be fair to
                .fairCallHandlingStrategyEnabled(false)
                .build());
    }

    /**
     * Bounds the calls in flight with {@code bulkhead}; a call it does not admit fails with
     * {@link OverloadedException}. A bulkhead with a wait duration makes calls wait that long for a slot first.
     */
    public static <Req, Res> Middleware<Req, Res> middleware(Bulkhead bulkhead) {
        Objects.requireNonNull(bulkhead, "bulkhead");
        String rejection = "bulkhead '" + bulkhead.getName() + "' is full: "
                + bulkhead.getBulkheadConfig().getMaxConcurrentCalls() + " calls in flight";
        return Middleware.named("bulkhead(" + bulkhead.getName() + ")", next -> (ctx, request) -> {
            if (!bulkhead.tryAcquirePermission()) {
                throw new OverloadedException(rejection);
            }
            try {
                return next.call(ctx, request);
            } finally {
                bulkhead.onComplete();
            }
        });
    }
}
