package io.javakit.resilience;

import io.javakit.endpoint.NotSentException;

/** The instance's circuit breaker is open: the call was not made. Retried on another instance. */
public final class CircuitOpenException extends NotSentException {
    public CircuitOpenException(String message) {
        super(message);
    }
}
