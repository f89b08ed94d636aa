package io.javakit.resilience;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.javakit.endpoint.Middleware;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.NotSentException;
import io.javakit.endpoint.RequestContext;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * Rate limiter middleware on a Resilience4j {@link RateLimiter}, in Go kit's two flavours: <em>erroring</em>
 * rejects a call over the limit at once with a {@link NotSentException} of kind {@code RATE_LIMITED} (which retry takes to another instance),
 * <em>delaying</em> waits for a permit up to a bound and the request's deadline, whichever comes first.
 */
public final class RateLimiters {
    /** The seed's intended limit per instance. */
    public static final int DEFAULT_REQUESTS_PER_SECOND = 100;

    private RateLimiters() {}

    /**
     * A limiter for {@link #erroring}: {@code requestsPerSecond} permits each second, which a burst may spend at
     * once; it never waits.
     */
    public static RateLimiter perSecond(String name, int requestsPerSecond) {
        requireRate(requestsPerSecond);
        return RateLimiter.of(name, RateLimiterConfig.custom()
                .limitForPeriod(requestsPerSecond)
                .limitRefreshPeriod(Duration.ofSeconds(1))
                .timeoutDuration(Duration.ZERO)
                .build());
    }

    /**
     * A limiter for {@link #delaying}: paces calls one every {@code 1 s / requestsPerSecond}, so that a call over
     * the rate waits for the next free slot (at most {@code maxWait}) rather than for the next whole second.
     */
    public static RateLimiter paced(String name, int requestsPerSecond, Duration maxWait) {
        requireRate(requestsPerSecond);
        return RateLimiter.of(name, RateLimiterConfig.custom()
                .limitForPeriod(1)
                .limitRefreshPeriod(Duration.ofNanos(Math.max(1, 1_000_000_000L / requestsPerSecond)))
                .timeoutDuration(Objects.requireNonNull(maxWait, "maxWait"))
                .build());
    }

    private static void requireRate(int requestsPerSecond) {
        if (requestsPerSecond < 1) {
            throw new IllegalArgumentException("requestsPerSecond: " + requestsPerSecond + " (expected: >= 1)");
        }
    }

    /**
     * Rejects calls over the limit at once, as never sent: another instance may take them, and neither breakers, ejection
     * nor balancers hold a refusal of the caller's own against the instance.
     *
     * @param limiter a limiter whose timeout is zero, e.g. from {@link #perSecond}
     */
    public static <Req, Res> Middleware<Req, Res> erroring(RateLimiter limiter) {
        Objects.requireNonNull(limiter, "limiter");
        Duration timeout = limiter.getRateLimiterConfig().getTimeoutDuration();
        if (!timeout.isZero()) {
            throw new IllegalArgumentException("limiter timeoutDuration: " + timeout + " (expected: 0 for an erroring limiter)");
        }
        String rejection = "rate limit of '" + limiter.getName() + "' exceeded";
        return Middleware.named("erroring-limiter(" + limiter.getName() + ")", next -> (ctx, request) -> {
            if (limiter.reservePermission() != 0) {
                // the caller's own limit: nothing was sent, so another instance may take it and this one learns nothing
                throw new NotSentException(EndpointException.Kind.RATE_LIMITED, rejection);
            }
            return next.call(ctx, request);
        });
    }

    /**
     * Waits for a permit (use a {@link #paced} limiter) up to the limiter's own timeout or the request's deadline, whichever is sooner; rejects
     * with a {@link NotSentException} of kind {@code RATE_LIMITED} if neither leaves enough time.
     */
    public static <Req, Res> Middleware<Req, Res> delaying(RateLimiter limiter) {
        Objects.requireNonNull(limiter, "limiter");
        String rejection = "rate limit of '" + limiter.getName() + "' exceeded: no permit within the wait bound";
        return Middleware.named("delaying-limiter(" + limiter.getName() + ")", next -> (ctx, request) -> {
            long waitNanos = limiter.reservePermission();
            if (waitNanos < 0 || waitNanos > remainingNanos(ctx)) {
                throw new NotSentException(EndpointException.Kind.RATE_LIMITED, rejection);
            }
            long permitAt = System.nanoTime() + waitNanos;
            for (long left = waitNanos; left > 0; left = permitAt - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
            return next.call(ctx, request);
        });
    }

    private static long remainingNanos(RequestContext ctx) {
        return ctx.remaining().map(Duration::toNanos).orElse(Long.MAX_VALUE);
    }
}
