package io.javakit.transport.http;

import io.javakit.endpoint.RequestContext;

/** Turns the endpoint's response into an HTTP response, e.g. {@link Json#encoder()}. */
@FunctionalInterface
public interface ResponseEncoder<Res> {
    HttpResponse encode(RequestContext ctx, Res response) throws Exception;
}
