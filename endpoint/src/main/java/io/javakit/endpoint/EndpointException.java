package io.javakit.endpoint;

import java.util.Objects;

/**
 * A failure of a known {@link Kind}, which callers can branch on and transports map to status codes. Expected
 * failures (not found, rate limited) carry no stack trace: they are answers, not bugs, and cost nothing to throw.
 *
 * <p>Subclasses exist per kind so that callers can {@code catch (NotFoundException e)}; {@link #kind()} serves code
 * that maps all kinds at once, such as an error encoder.
 */
public class EndpointException extends RuntimeException {

    /** What went wrong, in the terms a caller can act on. */
    public enum Kind {
        /** The request is malformed or invalid: retrying it unchanged cannot help. */
        BAD_REQUEST(false),
        /** The named thing does not exist. */
        NOT_FOUND(false),
        /** Too many requests right now; another instance, or later, may accept it. */
        RATE_LIMITED(true),
        /** The service or instance cannot serve now (down, overloaded, breaker open, no instances). */
        UNAVAILABLE(true),
        /** The deadline passed before an answer came. */
        DEADLINE_EXCEEDED(true),
        /** Anything else: a bug or an unexpected failure, whose details are not for the caller. */
        INTERNAL(false);

        private final boolean retryable;

        Kind(boolean retryable) {
            this.retryable = retryable;
        }

        /** Whether another attempt, on another instance, may succeed. */
        public boolean retryable() {
            return retryable;
        }
    }

    private final Kind kind;

    public EndpointException(Kind kind, String message) {
        this(kind, message, null);
    }

    public EndpointException(Kind kind, String message, Throwable cause) {
        super(message, cause, true, kind == Kind.INTERNAL);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public Kind kind() {
        return kind;
    }

    /** Whether another attempt, on another instance, may succeed. */
    public boolean retryable() {
        return kind.retryable();
    }

    /** The kind of any throwable: its own for an {@link EndpointException}, {@link Kind#INTERNAL} otherwise. */
    public static Kind kindOf(Throwable error) {
        return error instanceof EndpointException e ? e.kind() : Kind.INTERNAL;
    }

    /** Whether {@code error} is worth another attempt on another instance. */
    public static boolean isRetryable(Throwable error) {
        return error instanceof EndpointException e && e.retryable();
    }

    /**
     * Whether {@code error} says something about the health of the instance that raised it, so that circuit
     * breakers and outlier detection should count it: unavailability, timeouts and unexpected errors do; a caller's
     * bad request, a not-found, a rate limit, or a call the caller's own guard {@linkplain NotSentException never
     * sent} do not.
     */
    public static boolean isInstanceFailure(Throwable error) {
        if (error instanceof NotSentException) {
            return false;
        }
        Kind kind = kindOf(error);
        return kind == Kind.UNAVAILABLE || kind == Kind.DEADLINE_EXCEEDED || kind == Kind.INTERNAL;
    }
}
