package io.javakit.example;

import io.javakit.endpoint.Endpoint;
import io.javakit.logging.Logging;
import io.javakit.transport.http.Deadlines;
import io.javakit.transport.http.ErrorEncoder;
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
     * written inside the span, so it carries the trace id. A request whose deadline has passed by the time it is
     * decoded is answered 504 without calling {@code endpoint}.
     */
    static <T> Endpoint<HttpRequest, HttpResponse> byName(String method, Endpoint<ByName, T> endpoint, String server, boolean quiet) {
        return byName(method, endpoint, server, quiet, ErrorEncoder.json());
    }

    /** Like {@link #byName(String, Endpoint, String, boolean)}, answering failures with {@code errors}. */
    static <T> Endpoint<HttpRequest, HttpResponse> byName(String method, Endpoint<ByName, T> endpoint, String server, boolean quiet,
                                                         ErrorEncoder errors) {
        Endpoint<ByName, T> guarded = Deadlines.<ByName, T>enforce().wrap(endpoint);
        Endpoint<ByName, T> logged = quiet ? guarded : Logging.<ByName, T>middleware(LOG, server, method).wrap(guarded);
        Endpoint<ByName, T> traced = Tracing.<ByName, T>server(tracer(), method).wrap(logged);
        return HttpServerTransport.builder((ctx, req) -> new ByName(req.pathVariable("name")), traced, Json.encoder())
                .errorEncoder(errors).build();
    }

    static Tracer tracer() {
        return GlobalOpenTelemetry.getTracer("io.javakit.example");
    }
}
