package io.javakit.sd.lb;

import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.EndpointException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Calls the balancer's pick and, when the call fails with a retryable error, tries the next pick, within a number
 * of attempts and a total time budget. Non-retryable errors (not found, bad request, unexpected errors) return at
 * once. When every attempt fails, a {@link io.javakit.endpoint.RetryExhaustedException} carries each attempt's
 * error and takes the final one's kind.
 *
 * <p>A call the caller's own guard refused before it left ({@link io.javakit.endpoint.NotSentException}: an open
 * circuit breaker, a full bound on calls in flight) is no attempt: it goes at once to another pick, without backoff
 * and without drawing from the {@link RetryBudget}, and this holds for requests not declared idempotent too, since
 * nothing was sent. It moves past a few such refusals at most, and stops as soon as the balancer offers only
 * instances that refused already, so a set whose guards all refuse fails at once with the refusals as the error
 * (unavailable). {@link Builder#retryIf} still decides whether a refusal is worth another pick (the default says yes).
 *
 * <p>Each attempt gets at most {@code attemptTimeout} (default: the budget divided by the attempts), so a hung
 * instance costs one slice of the budget rather than all of it. The budget narrows the request's deadline, which
 * transports honour and pass on.
 *
 * <p>Two ways in. {@link #retry(int, Duration, Balancer)} is the seed's {@code lb.Retry}: every request counts as
 * idempotent, attempts follow each other at once, and nothing caps the retries across calls. {@link #builder}
 * is safe by default: it retries only requests declared idempotent, waits an exponentially growing, jittered
 * {@linkplain Builder#backoff backoff} between attempts, and draws every retry from a {@link RetryBudget}, so that
 * retries add at most a fifth to the load when a backend is down:
 *
 * <pre>{@code
 * Endpoint<ByName, User> users = Retry.builder(Balancers.p2c(instances))
 *         .idempotent(true)                     // lookups: safe to send twice
 *         .maxAttempts(3).maxTime(Duration.ofSeconds(1))
 *         .build();
 * }</pre>
 */
public final class Retry {
    /** Attempts per call, the first included: 3, the seed's {@code lb.Retry(3, 1s)}. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    /** Time for all attempts of one call together: 1 s, the seed's {@code lb.Retry(3, 1s)}. */
    public static final Duration DEFAULT_MAX_TIME = Duration.ofSeconds(1);
    /**
     * The first backoff's ceiling in {@link #builder}: 25 ms (Envoy's base interval). Short next to the default
     * 1 s budget, since the next attempt goes to another instance; long enough to let an overloaded service
     * breathe.
     */
    public static final Duration DEFAULT_BACKOFF_INITIAL = Duration.ofMillis(25);
    /** The highest backoff ceiling in {@link #builder}: 250 ms (Envoy's, ten times the base). */
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofMillis(250);

    private Retry() {}

    /**
     * Retries on the next pick, at most {@code maxAttempts} attempts within {@code maxTime} in total, each attempt
     * limited to {@code maxTime / maxAttempts}. Every request is retried (as if idempotent), without backoff and
     * without a {@link RetryBudget}: the seed's behaviour. Prefer {@link #builder} for new code.
     */
    public static <Req, Res> Endpoint<Req, Res> retry(int maxAttempts, Duration maxTime, Balancer<Req, Res> balancer) {
        requireAttempts(maxAttempts);
        requirePositive(maxTime, "maxTime");
        return retry(maxAttempts, maxTime, maxTime.dividedBy(maxAttempts), balancer);
    }

    /**
     * Retries on the next pick, at most {@code maxAttempts} attempts within {@code maxTime} in total, each attempt
     * limited to {@code attemptTimeout}. Every request is retried (as if idempotent), without backoff and without
     * a {@link RetryBudget}: the seed's behaviour. Prefer {@link #builder} for new code.
     */
    public static <Req, Res> Endpoint<Req, Res> retry(int maxAttempts, Duration maxTime, Duration attemptTimeout,
                                                      Balancer<Req, Res> balancer) {
        return builder(balancer).maxAttempts(maxAttempts).maxTime(maxTime).attemptTimeout(attemptTimeout)
                .noBackoff().budget(RetryBudget.unlimited()).idempotent(true).build();
    }

    /**
     * A builder for a retrying endpoint over {@code balancer}, with safe defaults: {@value #DEFAULT_MAX_ATTEMPTS}
     * attempts within {@link #DEFAULT_MAX_TIME}, backoff from {@link #DEFAULT_BACKOFF_INITIAL} to
     * {@link #DEFAULT_BACKOFF_MAX}, a {@link RetryBudget#ofDefaults()} budget, retrying what
     * {@link EndpointException#isRetryable} accepts, and <em>no request idempotent</em>: declare which are with
     * {@link Builder#idempotent(boolean)} or {@link Builder#idempotentIf}, or nothing is retried.
     */
    public static <Req, Res> Builder<Req, Res> builder(Balancer<Req, Res> balancer) {
        return new Builder<>(Objects.requireNonNull(balancer, "balancer"));
    }

    /**
     * Where a retry reads the time and how it waits between attempts: {@link #system()} in production; tests pass
     * a fake whose {@code sleep} moves its clock.
     */
    public interface Timer {
        /** A {@link System#nanoTime()}-like monotonic reading. */
        long nanoTime();

        /** Waits {@code duration}. */
        void sleep(Duration duration) throws InterruptedException;

        /** {@link System#nanoTime()} and {@link Thread#sleep(Duration)}. */
        static Timer system() {
            return SystemTimer.INSTANCE;
        }
    }

    /** Configures a retrying endpoint; see {@link Retry#builder}. Not thread-safe; {@link #build()} may be repeated. */
    public static final class Builder<Req, Res> {
        private final Balancer<Req, Res> balancer;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration maxTime = DEFAULT_MAX_TIME;
        private Duration attemptTimeout;
        private Duration backoffInitial = DEFAULT_BACKOFF_INITIAL;
        private Duration backoffMax = DEFAULT_BACKOFF_MAX;
        private RetryBudget budget;
        private Predicate<? super Throwable> retryIf = EndpointException::isRetryable;
        private Predicate<? super Req> idempotent = request -> false;
        private Timer timer = Timer.system();

        private Builder(Balancer<Req, Res> balancer) {
            this.balancer = balancer;
        }

        /** Attempts per call, the first included, {@code >= 1}; default {@value Retry#DEFAULT_MAX_ATTEMPTS}. */
        public Builder<Req, Res> maxAttempts(int maxAttempts) {
            requireAttempts(maxAttempts);
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** Time for all attempts and backoffs of one call, {@code > 0}; default {@link Retry#DEFAULT_MAX_TIME}. */
        public Builder<Req, Res> maxTime(Duration maxTime) {
            requirePositive(maxTime, "maxTime");
            this.maxTime = maxTime;
            return this;
        }

        /** Time for one attempt, {@code > 0}; default {@code maxTime / maxAttempts}. */
        public Builder<Req, Res> attemptTimeout(Duration attemptTimeout) {
            requirePositive(attemptTimeout, "attemptTimeout");
            this.attemptTimeout = attemptTimeout;
            return this;
        }

        /**
         * Waits between attempts: before retry {@code n} the ceiling is {@code initial * 2^(n-1)}, at most
         * {@code max}, and the wait is drawn uniformly between half the ceiling and the ceiling, so that callers
         * that failed together do not come back together, yet no wait is shorter than the one before until the
         * ceiling reaches {@code max}. When the wait would use up the rest of {@code maxTime} (or of the caller's
         * deadline), the call fails at once with the errors so far instead. Default {@link Retry#DEFAULT_BACKOFF_INITIAL} to
         * {@link Retry#DEFAULT_BACKOFF_MAX}.
         */
        public Builder<Req, Res> backoff(Duration initial, Duration max) {
            requirePositive(initial, "initial");
            requirePositive(max, "max");
            if (max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("max: " + max + " (expected: >= initial, " + initial + ")");
            }
            this.backoffInitial = initial;
            this.backoffMax = max;
            return this;
        }

        /** Retries at once, as the seed's {@code lb.Retry} does. */
        public Builder<Req, Res> noBackoff() {
            this.backoffInitial = null;
            this.backoffMax = null;
            return this;
        }

        /**
         * The budget every retry draws from; when it is empty, the call fails with the errors so far. Default: a
         * new {@link RetryBudget#ofDefaults()} for each {@link #build()}; pass {@link RetryBudget#unlimited()} to
         * rely on the per-call limits alone.
         */
        public Builder<Req, Res> budget(RetryBudget budget) {
            this.budget = Objects.requireNonNull(budget, "budget");
            return this;
        }

        /**
         * Which errors are worth another attempt; others are thrown at once. Default
         * {@link EndpointException#isRetryable} (rate limited, unavailable, deadline exceeded).
         */
        public Builder<Req, Res> retryIf(Predicate<? super Throwable> retryIf) {
            this.retryIf = Objects.requireNonNull(retryIf, "retryIf");
            return this;
        }

        /**
         * Whether every request may be sent more than once: {@code true} for lookups and other calls whose
         * repetition does no harm. Default {@code false}: a failed attempt may have taken effect on the instance, so
         * only a caller who knows may say it is safe to try again. Either way a call refused before it was sent
         * ({@link io.javakit.endpoint.NotSentException}) moves on to another instance.
         */
        public Builder<Req, Res> idempotent(boolean idempotent) {
            this.idempotent = request -> idempotent;
            return this;
        }

        /**
         * Which requests may be sent more than once; the others are never retried, though they too move on past a
         * call refused before it was sent. Default: none.
         */
        public Builder<Req, Res> idempotentIf(Predicate<? super Req> idempotent) {
            this.idempotent = Objects.requireNonNull(idempotent, "idempotent");
            return this;
        }

        /** The time source and the way to wait; default {@link Timer#system()}. */
        public Builder<Req, Res> timer(Timer timer) {
            this.timer = Objects.requireNonNull(timer, "timer");
            return this;
        }

        /** The retrying endpoint; it describes itself as {@code retry(3, PT1S) -> <balancer>}. */
        public Endpoint<Req, Res> build() {
            return new RetryingEndpoint<>(balancer, maxAttempts, maxTime,
                    attemptTimeout != null ? attemptTimeout : maxTime.dividedBy(maxAttempts),
                    backoffInitial, backoffMax, budget != null ? budget : RetryBudget.ofDefaults(), retryIf,
                    idempotent, timer);
        }
    }

    private enum SystemTimer implements Timer {
        INSTANCE;

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            Thread.sleep(duration);
        }
    }

    private static void requireAttempts(int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: >= 1)");
        }
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
    }
}
