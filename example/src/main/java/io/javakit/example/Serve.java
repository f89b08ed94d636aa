package io.javakit.example;

import io.javakit.endpoint.Endpoint;
import io.javakit.logging.Logging;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.javakit.transport.http.HttpServerTransport;
import io.javakit.transport.http.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.javakit.tracing.Tracing;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Tracer;

/** The HTTP side shared by every process: a lookup by the path variable {@code name}, answered as JSON. */
final class Serve {
    private static final Logger LOG = LoggerFactory.getLogger("calls");

    private Serve() {}

    /**
     * Serves {@code endpoint} for {@code GET .../{name}} in a server span (the process's OpenTelemetry, a no-op
     * unless {@code --tracing} set one up), logging each call as {@code server} unless quiet; the log line is
     * written inside the span, so it carries the trace id.
     */
    static <T> Endpoint<HttpRequest, HttpResponse> byName(String method, Endpoint<ByName, T> endpoint, String server, boolean quiet) {
        Endpoint<ByName, T> logged = quiet ? endpoint : Logging.<ByName, T>middleware(LOG, server, method).wrap(endpoint);
        Endpoint<ByName, T> traced = Tracing.<ByName, T>server(tracer(), method).wrap(logged);
        return HttpServerTransport.serve((ctx, req) -> new ByName(req.pathVariable("name")), traced, Json.encoder());
    }

    static Tracer tracer() {
        return GlobalOpenTelemetry.getTracer("io.javakit.example");
    }
}
