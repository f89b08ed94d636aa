package io.javakit.endpoint;

/** Too many requests right now. Retried on another instance; not counted by a circuit breaker. */
public class RateLimitedException extends EndpointException {

    public RateLimitedException(String message) {
        super(Kind.RATE_LIMITED, message);
    }

    public RateLimitedException(String message, Throwable cause) {
        super(Kind.RATE_LIMITED, message, cause);
    }
}
