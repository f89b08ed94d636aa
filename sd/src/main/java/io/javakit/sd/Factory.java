package io.javakit.sd;

import io.javakit.endpoint.Endpoint;

/**
 * Turns an instance into an endpoint that calls it, typically a transport client wrapped in per-instance
 * middleware (circuit breaker, rate limiter). If the endpoint it returns is {@link AutoCloseable}, the endpointer
 * closes it when the instance disappears.
 */
@FunctionalInterface
public interface Factory<Req, Res> {
    Endpoint<Req, Res> create(Instance instance) throws Exception;
}
