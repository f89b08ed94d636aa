package io.javakit.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * What an {@link Upstream} knows of one instance from the calls that reached it: calls in flight, totals, a latency
 * estimate, and the last minute one second at a time (requests and p99). Recording is a few atomic additions and no
 * allocation; reading builds the view.
 *
 * <p>Latencies go into log-linear buckets, four per power of two of microseconds (so a p99 is within 19 % of the
 * truth), from 1 µs to about 70 minutes.
 */
final class InstanceStats {
    static final int SECONDS = 60;
    private static final int SUB_BUCKETS = 4;
    private static final int BUCKETS = 32 * SUB_BUCKETS;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** How much of the estimate each new latency replaces: a tenth, so about the last ten calls count. */
    private static final double EWMA_WEIGHT = 0.1;

    private final LongSupplier nanoClock;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong latencyEstimateNanos = new AtomicLong(-1);
    /** Per slot: which second it holds (on the nano clock, divided by a second), its count, and its buckets. */
    private final AtomicLongArray slotSecond = new AtomicLongArray(SECONDS);
    private final AtomicLongArray slotCount = new AtomicLongArray(SECONDS);
    private final AtomicLongArray slotBuckets = new AtomicLongArray(SECONDS * BUCKETS);

    InstanceStats(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        for (int i = 0; i < SECONDS; i++) {
            slotSecond.set(i, Long.MIN_VALUE);
        }
    }

    /** A call is about to be sent; returns its start on the nano clock. */
    long started() {
        inFlight.incrementAndGet();
        return nanoClock.getAsLong();
    }

    /** The call that {@link #started} at {@code start} came back, {@code failed} if it says the instance could not serve. */
    void finished(long start, boolean failed) {
        long now = nanoClock.getAsLong();
        long took = Math.max(0, now - start);
        inFlight.decrementAndGet();
        requests.incrementAndGet();
        if (failed) {
            failures.incrementAndGet();
        }
        long prev;
        long next;
        do {
            prev = latencyEstimateNanos.get();
            next = prev < 0 ? took : (long) (prev + EWMA_WEIGHT * (took - prev));
        } while (!latencyEstimateNanos.compareAndSet(prev, next));
        int slot = slotFor(Math.floorDiv(now, NANOS_PER_SECOND));
        slotCount.incrementAndGet(slot);
        slotBuckets.incrementAndGet(slot * BUCKETS + bucket(took / 1000));
    }

    int inFlight() {
        return inFlight.get();
    }

    long requests() {
        return requests.get();
    }

    long failures() {
        return failures.get();
    }

    /** The moving average of recent latencies in nanoseconds, or -1 before the first answer. */
    long latencyEstimateNanos() {
        return latencyEstimateNanos.get();
    }

    /**
     * The last {@value #SECONDS} complete seconds, oldest first: requests in each, and the p99 latency of each in
     * milliseconds (0 for a second without calls).
     */
    Minute lastMinute() {
        long current = Math.floorDiv(nanoClock.getAsLong(), NANOS_PER_SECOND);
        List<Double> rates = new ArrayList<>(SECONDS);
        List<Double> p99s = new ArrayList<>(SECONDS);
        for (long second = current - SECONDS; second < current; second++) {
            int slot = (int) Math.floorMod(second, SECONDS);
            if (slotSecond.get(slot) != second) {
                rates.add(0.0);
                p99s.add(0.0);
                continue;
            }
            long count = slotCount.get(slot);
            rates.add((double) count);
            p99s.add(percentileMillis(slot, count, 0.99));
        }
        return new Minute(rates, p99s);
    }

    /** One value per second over the last minute, oldest first. */
    record Minute(List<Double> requestsPerSecond, List<Double> p99Millis) {}

    /**
     * The slot of {@code second}, cleared first if it still holds an older one. Two threads may race to clear it; the
     * loser's count may land before the winner's clearing and be lost, which a display can afford.
     */
    private int slotFor(long second) {
        int slot = (int) Math.floorMod(second, SECONDS);
        long held = slotSecond.get(slot);
        if (held != second && held < second && slotSecond.compareAndSet(slot, held, second)) {
            slotCount.set(slot, 0);
            for (int b = 0; b < BUCKETS; b++) {
                slotBuckets.set(slot * BUCKETS + b, 0);
            }
        }
        return slot;
    }

    private double percentileMillis(int slot, long count, double quantile) {
        if (count == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(quantile * count);
        long seen = 0;
        for (int b = 0; b < BUCKETS; b++) {
            seen += slotBuckets.get(slot * BUCKETS + b);
            if (seen >= rank) {
                return upperBoundMicros(b) / 1000.0;
            }
        }
        return upperBoundMicros(BUCKETS - 1) / 1000.0;
    }

    /** Bucket of a latency in microseconds: below 4 µs one per µs, then four per power of two. */
    static int bucket(long micros) {
        if (micros < SUB_BUCKETS) {
            return (int) Math.max(0, micros);
        }
        int power = 63 - Long.numberOfLeadingZeros(micros); // >= 2
        int sub = (int) ((micros >>> (power - 2)) & (SUB_BUCKETS - 1));
        return Math.min(BUCKETS - 1, (power - 1) * SUB_BUCKETS + sub);
    }

    /** The largest latency, in microseconds, that falls into bucket {@code b}. */
    static long upperBoundMicros(int b) {
        if (b < SUB_BUCKETS) {
            return b;
        }
        int power = b / SUB_BUCKETS + 1;
        int sub = b % SUB_BUCKETS;
        return ((long) (SUB_BUCKETS + sub + 1) << (power - 2)) - 1;
    }
}
