package io.javakit.endpoint;

/** The service or instance cannot serve now. Retried on another instance and counted by circuit breakers. */
public class UnavailableException extends EndpointException {

    public UnavailableException(String message) {
        super(Kind.UNAVAILABLE, message);
    }

    public UnavailableException(String message, Throwable cause) {
        super(Kind.UNAVAILABLE, message, cause);
    }
}
