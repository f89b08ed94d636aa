package io.javakit.endpoint;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Every attempt of a retried call failed. It keeps each attempt's error, prints them as
 * {@code "final (previously: first; second)"}, and takes the {@link #kind()} of the final one, so that a caller
 * sees "rate limited" when every instance was rate limited and "unavailable" when every instance was down. It is
 * itself never retried: an outer retry would multiply the load.
 */
public final class RetryExhaustedException extends EndpointException {
    private final List<Throwable> attempts;

    public RetryExhaustedException(List<Throwable> attempts) {
        super(kindOf(attempts.getLast()), describe(attempts), attempts.getLast());
        this.attempts = List.copyOf(attempts);
        attempts.subList(0, attempts.size() - 1).forEach(this::addSuppressed);
    }

    /** The error of each attempt, in order; the last is the final one. */
    public List<Throwable> attempts() {
        return attempts;
    }

    @Override
    public boolean retryable() {
        return false;
    }

    private static String describe(List<Throwable> attempts) {
        String last = String.valueOf(attempts.getLast().getMessage());
        if (attempts.size() == 1) {
            return last;
        }
        return last + " (previously: " + attempts.subList(0, attempts.size() - 1).stream()
                .map(t -> String.valueOf(t.getMessage())).collect(Collectors.joining("; ")) + ")";
    }
}
