package io.javakit.endpoint;

/**
 * The caller's own guard refused the call, so it was never sent: an open circuit breaker, a full bound on calls in
 * flight, a rate limit of the caller's (of kind {@link Kind#RATE_LIMITED}; the others are {@link Kind#UNAVAILABLE}). Another instance may take it, so it is retried; it says nothing new about the instance it was meant for,
 * so outlier detection does not count it (see {@link EndpointException#isInstanceFailure}) — otherwise an instance
 * whose breaker is still open would be ejected again the moment it was re-admitted.
 */
public class NotSentException extends EndpointException {
    /** A refusal of kind {@link Kind#UNAVAILABLE}. */
    public NotSentException(String message) {
        super(Kind.UNAVAILABLE, message);
    }

    public NotSentException(Kind kind, String message) {
        super(kind, message);
    }
}
