package io.javakit.transport.http;

import io.javakit.endpoint.Attribute;
import io.javakit.endpoint.Headers;
import io.javakit.endpoint.Middleware;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

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
 * client side, as tracing does with {@code traceparent}:
 * <pre>{@code
 * HttpServer.builder(ForwardedHeaders.capture().wrap(router))
 * HttpClientTransport.endpoint(client, "GET", uri, ForwardedHeaders.forward(encoder), decoder)
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

    /** Where {@link #capture()} keeps the headers to forward for the request being served. */
    public static final Attribute<Headers> ATTRIBUTE = Attribute.of("forwarded-headers", Headers.class);

    private ForwardedHeaders() {}

    /** Keeps {@link #from(HttpRequest)} of each request in its context, for {@link #forward} to send on. */
    public static Middleware<HttpRequest, HttpResponse> capture() {
        return next -> (ctx, request) -> next.call(ctx.with(ATTRIBUTE, from(request)), request);
    }

    /**
     * Sends the captured headers along with what {@code encoder} produces; the encoder's own headers win over
     * forwarded ones of the same name (a deadline or a trace context is the gateway's, not the caller's).
     */
    public static <Req> RequestEncoder<Req> forward(RequestEncoder<Req> encoder) {
        Objects.requireNonNull(encoder, "encoder");
        return (ctx, request) -> {
            OutgoingRequest outgoing = encoder.encode(ctx, request);
            Optional<Headers> forwarded = ctx.get(ATTRIBUTE);
            if (forwarded.isEmpty()) {
                return outgoing;
            }
            Headers.Builder headers = forwarded.get().toBuilder();
            outgoing.headers().forEach((name, value) -> headers.remove(name));
            outgoing.headers().forEach(headers::add);
            return new OutgoingRequest(outgoing.pathSegments(), outgoing.query(), headers.build(), outgoing.body());
        };
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
        Headers.Builder out = headers.toBuilder();
        for (String connection : headers.all("connection")) {
            for (String named : connection.split(",")) {
                out.remove(named.trim());
            }
        }
        HOP_BY_HOP.forEach(out::remove);
        SET_BY_CLIENT.forEach(out::remove);
        return out;
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
