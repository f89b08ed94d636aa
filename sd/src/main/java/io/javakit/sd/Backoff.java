package io.javakit.sd;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter, for loops that talk to a registry: each failure doubles the ceiling (from
 * {@code initial} up to {@code max}) and the wait is drawn uniformly between half the ceiling and the ceiling, so
 * that many clients that lost the registry together do not come back together, yet none retries much sooner than
 * the schedule. A success resets it. Not thread-safe: one per loop.
 */
public final class Backoff {
    /** First ceiling after a failure. */
    public static final Duration DEFAULT_INITIAL = Duration.ofMillis(100);
    /** Highest ceiling: about a minute, so a long outage costs a registry one request per client per minute. */
    public static final Duration DEFAULT_MAX = Duration.ofSeconds(60);

    private final long initialNanos;
    private final long maxNanos;
    private long ceilingNanos;
    private int failures;

    public Backoff(Duration initial, Duration max) {
        this.initialNanos = Objects.requireNonNull(initial, "initial").toNanos();
        this.maxNanos = Objects.requireNonNull(max, "max").toNanos();
        if (initialNanos <= 0 || maxNanos < initialNanos) {
            throw new IllegalArgumentException("initial: " + initial + ", max: " + max + " (expected: 0 < initial <= max)");
        }
        this.ceilingNanos = initialNanos;
    }

    public static Backoff ofDefaults() {
        return new Backoff(DEFAULT_INITIAL, DEFAULT_MAX);
    }

    /** Records a failure and returns how long to wait before the next attempt. */
    public Duration nextDelay() {
        failures++;
        long delay = ThreadLocalRandom.current().nextLong(ceilingNanos / 2, ceilingNanos + 1);
        ceilingNanos = Math.min(maxNanos, ceilingNanos * 2);
        return Duration.ofNanos(delay);
    }

    /** Records a success: the next failure starts from {@code initial} again. */
    public void reset() {
        failures = 0;
        ceilingNanos = initialNanos;
    }

    /** Consecutive failures since the last success. */
    public int failures() {
        return failures;
    }
}
