package io.javakit.resilience;

import io.javakit.endpoint.UnavailableException;

/**
 * The caller's own bound on concurrent calls to an instance is reached: the call was not made. Retried on another
 * instance; it says nothing about the instance's health, so circuit breakers ignore it.
 */
public final class OverloadedException extends UnavailableException {
    public OverloadedException(String message) {
        super(message);
    }
}
