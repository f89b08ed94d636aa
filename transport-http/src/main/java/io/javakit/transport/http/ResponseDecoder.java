package io.javakit.transport.http;

import io.javakit.endpoint.RequestContext;

/**
 * Turns a successful (2xx) HTTP response into the client endpoint's response, e.g. {@link Json#decoder(Class)}.
 * Non-2xx answers never reach it: the client transport has already turned them into typed errors.
 */
@FunctionalInterface
public interface ResponseDecoder<Res> {
    Res decode(RequestContext ctx, HttpResponse response) throws Exception;
}
