package io.javakit.resilience;

import io.javakit.endpoint.UnavailableException;

/** The instance's circuit breaker is open: the call was not made. Retried on another instance. */
public final class CircuitOpenException extends UnavailableException {
    public CircuitOpenException(String message) {
        super(message);
    }
}
