package io.javakit.sd.lb;

import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * How many retries a client may send, relative to its traffic: Finagle's retry budget. Every request
 * {@linkplain #deposit() deposits} and every retry {@linkplain #tryWithdraw() withdraws}, so retries add at most a
 * fixed share of the load, plus a small floor per second for clients with little traffic. Per-call attempt limits
 * cannot do this: with three attempts, a dead backend triples the load on the others exactly when they can least
 * take it; with a budget of 20 %, it adds at most a fifth.
 *
 * <p>Share one budget among the calls to one service ({@link Retry.Builder#build()} makes one per retrying
 * endpoint by default).
 */
public interface RetryBudget {
    /** Retries may add this share of the requests: 20 %, Finagle's default. */
    double DEFAULT_PERCENT = 20;
    /** Retries allowed per second on top of the share, so a client with little traffic can still retry: 10. */
    int DEFAULT_MIN_PER_SECOND = 10;
    /** How long a deposit or withdrawal counts: 10 s, Finagle's default. */
    Duration DEFAULT_TTL = Duration.ofSeconds(10);

    /** Records one request. */
    void deposit();

    /**
     * Takes one retry from the budget.
     *
     * @return whether a retry may be sent; {@code false} leaves the budget unchanged
     */
    boolean tryWithdraw();

    /** How many retries the budget would allow now. */
    long balance();

    /** 20 % of the requests plus 10 retries per second, over a 10 s window. */
    static RetryBudget ofDefaults() {
        return of(DEFAULT_PERCENT, DEFAULT_MIN_PER_SECOND, DEFAULT_TTL);
    }

    /** {@link #of(double, int, Duration, LongSupplier)} on {@link System#nanoTime()}. */
    static RetryBudget of(double percent, int minPerSecond, Duration ttl) {
        return of(percent, minPerSecond, ttl, System::nanoTime);
    }

    /**
     * A budget that allows retries of up to {@code percent} % of the requests made within the last {@code ttl},
     * plus {@code minPerSecond} retries per second averaged over {@code ttl} (so {@code minPerSecond * ttl} retries
     * are available before any request, and may be spent at once). Deposits and withdrawals are forgotten after
     * {@code ttl}, in tenths of it. Both amounts zero makes a budget that never allows a retry.
     *
     * @param percent retries per 100 requests, 0 to 1000 (default {@link #DEFAULT_PERCENT})
     * @param minPerSecond the floor, {@code >= 0} (default {@link #DEFAULT_MIN_PER_SECOND})
     * @param ttl the window, 1 s to 60 s (default {@link #DEFAULT_TTL})
     * @param nanoClock a {@link System#nanoTime()}-like monotonic clock; tests pass one they move
     */
    static RetryBudget of(double percent, int minPerSecond, Duration ttl, LongSupplier nanoClock) {
        if (!(percent >= 0 && percent <= 1000)) {
            throw new IllegalArgumentException("percent: " + percent + " (expected: 0 to 1000)");
        }
        if (minPerSecond < 0) {
            throw new IllegalArgumentException("minPerSecond: " + minPerSecond + " (expected: >= 0)");
        }
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new IllegalArgumentException("ttl: " + ttl + " (expected: 1 s to 60 s)");
        }
        return new WindowedRetryBudget(percent, minPerSecond, ttl, Objects.requireNonNull(nanoClock, "nanoClock"));
    }

    /** A budget that allows every retry: the per-call limits of {@link Retry} are the only ones. */
    static RetryBudget unlimited() {
        return UnlimitedRetryBudget.INSTANCE;
    }
}
