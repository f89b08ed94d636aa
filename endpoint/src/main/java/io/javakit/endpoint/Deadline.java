package io.javakit.endpoint;

import java.time.Duration;

/**
 * A point in time by which a request must be answered, on the monotonic clock ({@link System#nanoTime()}), so
 * that wall-clock jumps never fire or postpone it.
 *
 * @param nanoTime the deadline as a {@link System#nanoTime()} value
 */
public record Deadline(long nanoTime) implements Comparable<Deadline> {

    /** The deadline {@code timeout} from now. */
    public static Deadline after(Duration timeout) {
        return new Deadline(System.nanoTime() + saturatedNanos(timeout));
    }

    /** The time left, {@link Duration#ZERO} once passed. */
    public Duration remaining() {
        long left = nanoTime - System.nanoTime();
        return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
    }

    /** Whether the deadline has passed. */
    public boolean isExpired() {
        return nanoTime - System.nanoTime() <= 0;
    }

    /** The earlier of this deadline and {@code other}. */
    public Deadline min(Deadline other) {
        return compareTo(other) <= 0 ? this : other;
    }

    @Override
    public int compareTo(Deadline other) {
        return Long.compare(nanoTime - other.nanoTime, 0);
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
        }
    }
}
