package io.javakit.endpoint;

/** The named thing does not exist. Never retried, never counted by a circuit breaker. */
public class NotFoundException extends EndpointException {

    public NotFoundException(String message) {
        super(Kind.NOT_FOUND, message);
    }

    public NotFoundException(String message, Throwable cause) {
        super(Kind.NOT_FOUND, message, cause);
    }
}
