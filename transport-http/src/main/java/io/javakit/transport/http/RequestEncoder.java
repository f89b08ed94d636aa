package io.javakit.transport.http;

import io.javakit.endpoint.RequestContext;

/**
 * Turns the client endpoint's request into what to send: {@code req -> OutgoingRequest.path(req.name())}.
 */
@FunctionalInterface
public interface RequestEncoder<Req> {
    OutgoingRequest encode(RequestContext ctx, Req request) throws Exception;
}
