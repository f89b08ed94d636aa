package io.javakit.endpoint;

/** The request is malformed or invalid. Never retried, never counted by a circuit breaker. */
public class BadRequestException extends EndpointException {

    public BadRequestException(String message) {
        super(Kind.BAD_REQUEST, message);
    }

    public BadRequestException(String message, Throwable cause) {
        super(Kind.BAD_REQUEST, message, cause);
    }
}
