package io.javakit.sd.lb;

import io.javakit.endpoint.Endpoint;

/** Picks the endpoint for one call. */
@FunctionalInterface
public interface Balancer<Req, Res> {

    /**
     * The endpoint to call next.
     *
     * @throws NoEndpointsException when there is none to pick
     */
    Endpoint<Req, Res> next();
}
