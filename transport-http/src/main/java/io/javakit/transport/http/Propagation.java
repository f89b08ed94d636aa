package io.javakit.transport.http;

import io.javakit.endpoint.Headers;
import io.javakit.endpoint.Middleware;
import io.javakit.endpoint.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What travels in headers from one hop to the next (a trace context, a deadline, the caller's headers), installed
 * once on a server and once on a client instead of around every handler and every encoder. Each propagation has two
 * halves:
 * <ul>
 *   <li>the <b>server half</b>, a middleware around the server's handler: it reads the incoming request's headers
 *       into the {@link RequestContext} (or makes something current while the call runs, as a trace context is);
 *   <li>the <b>client half</b>: it writes what the context carries into the headers of each request a client sends.
 * </ul>
 *
 * <pre>{@code
 * Propagation propagation = Propagation.of(Tracing.propagation(), ForwardedHeaders.propagation(),
 *         Deadlines.propagation(Duration.ofSeconds(1)));
 * HttpServer.builder(router).propagation(propagation).start();        // a gateway reads them on the way in
 * HttpClient client = HttpClient.builder().propagation(propagation).build(); // and passes them on upstream
 * }</pre>
 *
 * <p><b>Order.</b> In {@link #of(Propagation...) of(a, b, c)}, the server halves nest like
 * {@link Middleware#chain}: {@code a} sees the request first, and {@code c}'s is innermost. The client halves write
 * into one header builder, in the same order, after the encoder's own headers: a part that sets a header replaces
 * what the encoder or an earlier part wrote. The built-ins need no particular order: deadline and trace context set
 * their headers, and {@link ForwardedHeaders#propagation()} only fills in names nobody else wrote.
 */
public final class Propagation {
    /** The client half: writes what {@code ctx} carries into an outgoing request's headers. */
    @FunctionalInterface
    public interface HeaderWriter {
        void write(RequestContext ctx, Headers.Builder headers);
    }

    private static final Propagation NONE = new Propagation(null, List.of(), Middleware.identity(), (ctx, headers) -> {});

    /** The name of a single propagation; null for a composite, which prints its parts. */
    private final String name;
    private final List<Propagation> parts;
    private final Middleware<HttpRequest, HttpResponse> server;
    private final HeaderWriter client;

    private Propagation(String name, List<Propagation> parts, Middleware<HttpRequest, HttpResponse> server, HeaderWriter client) {
        this.name = name;
        this.parts = parts;
        this.server = server;
        this.client = client;
    }

    /**
     * One propagation.
     *
     * @param name what it carries, as it prints, e.g. {@code "deadline(max PT1S)"}
     * @param server the server half, around the server's handler; {@link Middleware#identity()} for none
     * @param client the client half; {@code (ctx, headers) -> {}} for none
     */
    public static Propagation named(String name, Middleware<HttpRequest, HttpResponse> server, HeaderWriter client) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(client, "client");
        return new Propagation(name, null, Middleware.named(name, server), client);
    }

    /** Propagates nothing: the default of servers and clients. */
    public static Propagation none() {
        return NONE;
    }

    /**
     * {@code parts} together, in the order described {@linkplain Propagation above} (composites are flattened).
     */
    public static Propagation of(Propagation... parts) {
        List<Propagation> flat = new ArrayList<>(parts.length);
        for (int i = 0; i < parts.length; i++) {
            flat.addAll(Objects.requireNonNull(parts[i], "parts[" + i + "]").parts());
        }
        if (flat.isEmpty()) {
            return NONE;
        }
        if (flat.size() == 1) {
            return flat.get(0);
        }
        List<Propagation> frozen = List.copyOf(flat);
        Middleware<HttpRequest, HttpResponse> server = Middleware.identity();
        for (Propagation part : frozen.reversed()) {
            server = part.server.andThen(server);
        }
        return new Propagation(null, frozen, server, (ctx, headers) -> {
            for (Propagation part : frozen) {
                part.client.write(ctx, headers);
            }
        });
    }

    /** The single propagations this one is made of, in order; itself if it is one. */
    public List<Propagation> parts() {
        return parts == null ? List.of(this) : parts;
    }

    /** The server half, as a middleware around a server's handler. */
    public Middleware<HttpRequest, HttpResponse> server() {
        return server;
    }

    /**
     * The client half: {@code headers}, the ones an encoder produced, plus what this propagation writes from
     * {@code ctx}, built in one pass. Nothing to propagate gives {@code headers} itself.
     */
    public Headers outgoing(RequestContext ctx, Headers headers) {
        if (this == NONE) {
            return headers;
        }
        Headers.Builder builder = headers.toBuilder();
        client.write(ctx, builder);
        return builder.build();
    }

    /**
     * The client half for one endpoint's requests, for a client without this propagation: {@code encoder}'s
     * request with the headers of {@link #outgoing}.
     */
    public <Req> RequestEncoder<Req> client(RequestEncoder<Req> encoder) {
        Objects.requireNonNull(encoder, "encoder");
        return (ctx, request) -> {
            OutgoingRequest outgoing = encoder.encode(ctx, request);
            return new OutgoingRequest(outgoing.pathSegments(), outgoing.query(), outgoing(ctx, outgoing.headers()), outgoing.body());
        };
    }

    /** {@code deadline(max PT1S)} for one, {@code propagation(trace-context, deadline(from caller))} for several. */
    @Override
    public String toString() {
        return name != null ? name : parts.stream().map(Propagation::toString).collect(Collectors.joining(", ", "propagation(", ")"));
    }
}
