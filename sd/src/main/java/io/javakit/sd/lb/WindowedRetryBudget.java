package io.javakit.sd.lb;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Finagle's token retry budget: a bucket whose deposits and withdrawals expire after the TTL, plus a constant
 * reserve for the per-second floor. Amounts are scaled so that both stay integers: a request deposits
 * {@value #SCALE}, a retry costs {@code SCALE * 100 / percent} (5000 at 20 %, that is five requests' worth).
 *
 * <p>The window is ten slices in a ring; a deposit is one atomic add to the current slice, and only moving to a
 * new slice (once per tenth of the TTL) takes a lock. Concurrent withdrawals may overdraw by a few retries, which a
 * budget meant to bound load to a share can afford.
 */
final class WindowedRetryBudget implements RetryBudget {
    private static final int SLICES = 10;
    private static final long SCALE = 1000;

    private final String description;
    private final long depositAmount;
    private final long withdrawalAmount;
    private final long reserve;
    private final long sliceNanos;
    private final LongSupplier nanoClock;
    private final long origin;
    private final AtomicLongArray slices = new AtomicLongArray(SLICES);
    private volatile long currentSlice;

    WindowedRetryBudget(double percent, int minPerSecond, Duration ttl, LongSupplier nanoClock) {
        this.description = "RetryBudget(" + percent + "%, " + minPerSecond + "/s, " + ttl + ")";
        // With no share, requests earn nothing and only the reserve pays for retries, one unit each.
        this.depositAmount = percent == 0 ? 0 : SCALE;
        this.withdrawalAmount = percent == 0 ? 1 : Math.round(SCALE * 100 / percent);
        this.reserve = Math.round(minPerSecond * (ttl.toNanos() / 1e9) * withdrawalAmount);
        this.sliceNanos = ttl.toNanos() / SLICES;
        this.nanoClock = nanoClock;
        this.origin = nanoClock.getAsLong();
    }

    @Override
    public void deposit() {
        if (depositAmount > 0) {
            slices.addAndGet(slice(), depositAmount);
        }
    }

    @Override
    public boolean tryWithdraw() {
        int slice = slice();
        if (reserve + sum() < withdrawalAmount) {
            return false;
        }
        slices.addAndGet(slice, -withdrawalAmount);
        return true;
    }

    @Override
    public long balance() {
        slice();
        return Math.max(0, (reserve + sum()) / withdrawalAmount);
    }

    /** The ring index of the current slice, after clearing the slices that fell out of the window. */
    private int slice() {
        long now = Math.max(0, (nanoClock.getAsLong() - origin) / sliceNanos);
        long current = currentSlice;
        if (now > current) {
            advance(now);
            current = now;
        }
        return (int) (current % SLICES);
    }

    private synchronized void advance(long now) {
        long current = currentSlice;
        for (long s = current + 1; s <= Math.min(now, current + SLICES); s++) {
            slices.set((int) (s % SLICES), 0);
        }
        if (now > current) {
            currentSlice = now;
        }
    }

    private long sum() {
        long sum = 0;
        for (int i = 0; i < SLICES; i++) {
            sum += slices.get(i);
        }
        return sum;
    }

    @Override
    public String toString() {
        return description;
    }
}
