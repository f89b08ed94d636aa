package io.javakit.sd.lb;

import io.javakit.endpoint.UnavailableException;

/** A balancer had no endpoint to pick: the service has no known instance right now. */
public final class NoEndpointsException extends UnavailableException {
    public NoEndpointsException(String message) {
        super(message);
    }
}
