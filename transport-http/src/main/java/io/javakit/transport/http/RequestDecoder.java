package io.javakit.transport.http;

import io.javakit.endpoint.RequestContext;

/**
 * Turns an HTTP request into the endpoint's request. Throw {@link io.javakit.endpoint.BadRequestException} for
 * input that does not make a valid request: it becomes a 400.
 *
 * <pre>{@code RequestDecoder<ByName> byName = (ctx, http) -> new ByName(http.pathVariable("name"));}</pre>
 */
@FunctionalInterface
public interface RequestDecoder<Req> {
    Req decode(RequestContext ctx, HttpRequest request) throws Exception;
}
