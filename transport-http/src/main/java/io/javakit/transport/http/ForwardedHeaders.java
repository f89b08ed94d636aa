package io.javakit.transport.http;

import io.javakit.endpoint.Attribute;
import io.javakit.endpoint.Headers;
import io.javakit.endpoint.Middleware;
import io.javakit.endpoint.RequestContext;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The headers a gateway sends upstream for a request it received: the end-to-end headers of the incoming request,
 * without the ones that describe only the hop it came over, plus the {@code X-Forwarded-*} headers that tell the
 * upstream who the client was.
 *
 * <ul>
 *   <li>hop-by-hop headers are dropped (RFC 9110 section 7.6.1): {@code Connection} and every header it names,
 *       {@code Keep-Alive}, {@code Proxy-Authenticate}, {@code Proxy-Authorization}, {@code Proxy-Connection},
 *       {@code TE}, {@code Trailer}, {@code Transfer-Encoding}, {@code Upgrade};</li>
 *   <li>{@code Host} and {@code Content-Length} are dropped: the client that sends the request upstream sets them
 *       for the upstream address and the body it actually sends;</li>
 *   <li>{@code X-Forwarded-For} is the incoming value, if any, then ", " and the client's IP address;</li>
 *   <li>{@code X-Forwarded-Proto} is {@code http}, the scheme {@link HttpServer} serves (an incoming value is
 *       replaced, not trusted);</li>
 *   <li>{@code X-Forwarded-Host} is the incoming {@code Host}.</li>
 * </ul>
 *
 * <pre>{@code
 * OutgoingRequest upstream = new OutgoingRequest(segments, incoming.query(), ForwardedHeaders.from(incoming), body);
 * }</pre>
 *
 * A gateway whose client endpoints take typed requests captures them on the server side and adds them on the
 * client side, with {@link #propagation()} registered on both:
 * <pre>{@code
 * HttpServer.builder(router).propagation(ForwardedHeaders.propagation())
 * HttpClient.builder().propagation(ForwardedHeaders.propagation())
 * }</pre>
 */
public final class ForwardedHeaders {
    public static final String X_FORWARDED_FOR = "X-Forwarded-For";
    public static final String X_FORWARDED_PROTO = "X-Forwarded-Proto";
    public static final String X_FORWARDED_HOST = "X-Forwarded-Host";

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");
    /** Set by the client for the hop it sends on, never copied from the caller. */
    private static final Set<String> SET_BY_CLIENT = Set.of("host", "content-length");

    /** Where the server half of {@link #propagation()} keeps the headers to forward for the request being served. */
    public static final Attribute<Headers> ATTRIBUTE = Attribute.of("forwarded-headers", Headers.class);

    private static final Propagation PROPAGATION = Propagation.named("forwarded-headers",
            next -> (ctx, request) -> next.call(ctx.with(ATTRIBUTE, from(request)), request), ForwardedHeaders::fillIn);

    private ForwardedHeaders() {}

    /**
     * Server half: keeps {@link #from(HttpRequest)} of each request in its context ({@link #ATTRIBUTE}). Client
     * half: sends those headers on, but only the names that the encoder and the other propagations have not
     * written (a deadline or a trace context is the gateway's, not the caller's), whatever the order in
     * {@link Propagation#of}.
     */
    public static Propagation propagation() {
        return PROPAGATION;
    }

    /** The server half of {@link #propagation()}, for a server without it. */
    public static Middleware<HttpRequest, HttpResponse> capture() {
        return PROPAGATION.server();
    }

    /** The client half of {@link #propagation()} for one endpoint, for a client without it. */
    public static <Req> RequestEncoder<Req> forward(RequestEncoder<Req> encoder) {
        return PROPAGATION.client(encoder);
    }

    private static void fillIn(RequestContext ctx, Headers.Builder headers) {
        ctx.get(ATTRIBUTE).ifPresent(forwarded -> {
            for (String name : forwarded.names()) {
                if (!headers.contains(name)) {
                    forwarded.all(name).forEach(value -> headers.add(name, value));
                }
            }
        });
    }

    /** The headers to send upstream on behalf of {@code incoming}. */
    public static Headers from(HttpRequest incoming) {
        Headers in = incoming.headers();
        Headers.Builder out = endToEnd(in);
        String clientIp = clientIp(incoming.remoteAddress());
        String priorHops = String.join(", ", in.all(X_FORWARDED_FOR));
        String forwardedFor = priorHops.isEmpty() ? clientIp
                : clientIp.isEmpty() ? priorHops : priorHops + ", " + clientIp;
        out.remove(X_FORWARDED_FOR);
        if (!forwardedFor.isEmpty()) {
            out.set(X_FORWARDED_FOR, forwardedFor);
        }
        out.set(X_FORWARDED_PROTO, "http");
        out.remove(X_FORWARDED_HOST);
        in.first("host").ifPresent(host -> out.set(X_FORWARDED_HOST, host));
        return out.build();
    }

    /**
     * {@code headers} without the hop-by-hop ones, those named in {@code Connection}, {@code Host} and
     * {@code Content-Length}: what a client may pass on from its caller.
     */
    static Headers.Builder endToEnd(Headers headers) {
        Headers.Builder out = Headers.builder();
        forEachEndToEnd(headers, out::add);
        return out;
    }

    /** Calls {@code action} with each value of {@link #endToEnd}, without copying the headers. */
    static void forEachEndToEnd(Headers headers, BiConsumer<String, String> action) {
        Set<String> named = headers.contains("connection") ? connectionNamed(headers) : Set.of();
        headers.forEach((name, value) -> {
            if (!HOP_BY_HOP.contains(name) && !SET_BY_CLIENT.contains(name) && !named.contains(name)) {
                action.accept(name, value);
            }
        });
    }

    private static Set<String> connectionNamed(Headers headers) {
        Set<String> named = new HashSet<>();
        for (String connection : headers.all("connection")) {
            for (String name : connection.split(",")) {
                named.add(name.trim().toLowerCase(Locale.ROOT));
            }
        }
        return named;
    }

    /**
     * The IP address in a {@code host:port} peer address: {@code 10.0.0.7:5432} gives {@code 10.0.0.7},
     * {@code [::1]:5432} or {@code 0:0:0:0:0:0:0:1:5432} give the IPv6 address without brackets or port, and an
     * IPv6 zone ({@code %eth0}), which means nothing on another host, is dropped.
     */
    static String clientIp(String remoteAddress) {
        int colon = remoteAddress.lastIndexOf(':');
        String host = colon < 0 ? remoteAddress : remoteAddress.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int zone = host.indexOf('%');
        return zone < 0 ? host : host.substring(0, zone);
    }
}
