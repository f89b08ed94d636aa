package io.javakit.example;

import io.javakit.endpoint.Endpoint;
import io.javakit.logging.Logging;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.javakit.transport.http.HttpServerTransport;
import io.javakit.transport.http.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP side shared by every process: a lookup by the path variable {@code name}, answered as JSON. */
final class Serve {
    private static final Logger LOG = LoggerFactory.getLogger("calls");

    private Serve() {}

    /** Serves {@code endpoint} for {@code GET .../{name}}, logging each call as {@code server} unless quiet. */
    static <T> Endpoint<HttpRequest, HttpResponse> byName(String method, Endpoint<ByName, T> endpoint, String server, boolean quiet) {
        Endpoint<ByName, T> served = quiet ? endpoint : Logging.<ByName, T>middleware(LOG, server, method).wrap(endpoint);
        return HttpServerTransport.serve((ctx, req) -> new ByName(req.pathVariable("name")), served, Json.encoder());
    }
}
