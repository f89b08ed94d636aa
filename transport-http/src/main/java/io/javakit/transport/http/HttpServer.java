package io.javakit.transport.http;

import io.helidon.http.DirectHandler;
import io.helidon.http.Header;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http1.Http1Config;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.Headers;
import io.javakit.endpoint.RequestContext;
import io.javakit.transport.http.internal.RejectionHandler;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Serves one handler (usually a {@link Router}) over HTTP/1.1, a virtual thread per request, with production-safe
 * defaults: a read timeout against slow clients, an idle timeout for keep-alive connections, and limits on the
 * request line (414), the headers (431) and the body (413). The engine is Helidon SE's web server, chosen by
 * measurement (docs/http-engine.md); no Helidon type appears in this API.
 *
 * <pre>{@code
 * try (HttpServer server = HttpServer.builder(router).port(8080).start()) {
 *     server.awaitShutdown();
 * }
 * }</pre>
 */
public final class HttpServer implements AutoCloseable {
    /** The seed's server read timeout: the longest a connection may take to send the next bytes of a request. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(15);
    /** How long an idle keep-alive connection stays open. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** Longest request line (method, URI, version); longer ones get a 414. */
    public static final int DEFAULT_MAX_REQUEST_LINE_BYTES = 8 * 1024;
    /** Largest header section; larger ones get a 431. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
    /** Largest request body; larger ones get a 413. */
    public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
    /** Most open connections at once; more wait in the accept backlog. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /** How long a stopping server waits for requests in flight. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);

    private final WebServer server;
    private final String host;

    private HttpServer(WebServer server, String host) {
        this.server = server;
        this.host = host;
    }

    public static Builder builder(Endpoint<HttpRequest, HttpResponse> handler) {
        return new Builder(handler);
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.port();
    }

    /** {@code host:port} as bound. */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port();
    }

    public boolean isRunning() {
        return server.isRunning();
    }

    /** Stops accepting, lets requests in flight finish within the drain timeout, then closes. */
    @Override
    public void close() {
        server.stop();
    }

    /**
     * The engine's own header limit is a backstop that answers a bare 400; below it, this server counts the header
     * bytes itself so that an oversized header section gets the precise 431.
     */
    private static final int ENGINE_HEADER_LIMIT_FACTOR = 4;

    private static void handle(Endpoint<HttpRequest, HttpResponse> handler, int maxHeaderBytes,
                               ServerRequest req, ServerResponse res) {
        Headers.Builder headers = Headers.builder();
        int headerBytes = 0;
        for (Header header : req.headers()) {
            for (String value : header.allValues()) {
                headers.add(header.name(), value);
                headerBytes += header.name().length() + value.length() + 4;
            }
        }
        if (headerBytes > maxHeaderBytes) {
            send(res, ErrorEncoder.body(431, "headers_too_large", "request headers too large"));
            return;
        }
        byte[] body = req.content().hasEntity() ? req.content().as(byte[].class) : null;
        HttpRequest request = new HttpRequest(req.prologue().method().text(), req.path().rawPath(),
                req.query().rawValue(), headers.build(), body, null, describe(req.remotePeer().address()));
        RequestContext ctx = RequestContext.background().withHeaders(request.headers());
        HttpResponse response;
        try {
            response = handler.call(ctx, request);
        } catch (Exception e) {
            HttpServerTransport.logIfUnexpected(request, e);
            response = ErrorEncoder.json().encode(ctx, e);
        }
        send(res, response);
    }

    private static void send(ServerResponse res, HttpResponse response) {
        res.status(response.status());
        response.headers().forEach((name, value) -> res.header(name, value));
        res.send(response.body());
    }

    private static String describe(SocketAddress address) {
        return address instanceof InetSocketAddress inet
                ? inet.getAddress().getHostAddress() + ":" + inet.getPort() : String.valueOf(address);
    }

    /** Options over the {@code DEFAULT_*} values. */
    public static final class Builder {
        private final Endpoint<HttpRequest, HttpResponse> handler;
        private String host = "0.0.0.0";
        private int port = 0;
        private Duration readTimeout = DEFAULT_READ_TIMEOUT;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private int maxRequestLineBytes = DEFAULT_MAX_REQUEST_LINE_BYTES;
        private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
        private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;

        private Builder(Endpoint<HttpRequest, HttpResponse> handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        /** The address to bind, default {@code 0.0.0.0} (all interfaces). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The port to bind, default 0 (any free port; see {@link HttpServer#port()}). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
            }
            this.port = port;
            return this;
        }

        /** Default {@link #DEFAULT_READ_TIMEOUT}. */
        public Builder readTimeout(Duration readTimeout) {
            this.readTimeout = positive(readTimeout, "readTimeout");
            return this;
        }

        /** Default {@link #DEFAULT_IDLE_TIMEOUT}. */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = positive(idleTimeout, "idleTimeout");
            return this;
        }

        /** Default {@link #DEFAULT_DRAIN_TIMEOUT}. */
        public Builder drainTimeout(Duration drainTimeout) {
            this.drainTimeout = positive(drainTimeout, "drainTimeout");
            return this;
        }

        /** Default {@link #DEFAULT_MAX_REQUEST_LINE_BYTES}. */
        public Builder maxRequestLineBytes(int bytes) {
            this.maxRequestLineBytes = atLeast(bytes, 64, "maxRequestLineBytes");
            return this;
        }

        /** Default {@link #DEFAULT_MAX_HEADER_BYTES}. */
        public Builder maxHeaderBytes(int bytes) {
            this.maxHeaderBytes = atLeast(bytes, 256, "maxHeaderBytes");
            return this;
        }

        /** Default {@link #DEFAULT_MAX_BODY_BYTES}. */
        public Builder maxBodyBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxBodyBytes: " + bytes + " (expected: >= 0)");
            }
            this.maxBodyBytes = bytes;
            return this;
        }

        /** Default {@link #DEFAULT_MAX_CONNECTIONS}. */
        public Builder maxConnections(int connections) {
            this.maxConnections = atLeast(connections, 1, "maxConnections");
            return this;
        }

        /** Binds and starts serving. */
        public HttpServer start() {
            Endpoint<HttpRequest, HttpResponse> h = handler;
            int headerLimit = maxHeaderBytes;
            WebServer server = WebServer.builder()
                    .host(host)
                    .port(port)
                    .maxPayloadSize(maxBodyBytes)
                    .maxTcpConnections(maxConnections)
                    .idleConnectionTimeout(idleTimeout)
                    .shutdownGracePeriod(drainTimeout)
                    .connectionOptions(o -> o.readTimeout(readTimeout))
                    .addProtocol(Http1Config.builder()
                            .maxPrologueLength(maxRequestLineBytes)
                            .maxHeadersSize(maxHeaderBytes * ENGINE_HEADER_LIMIT_FACTOR)
                            .build())
                    .directHandlers(d -> {
                        RejectionHandler rejections = new RejectionHandler();
                        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
                            d.addHandler(type, rejections);
                        }
                    })
                    .routing(r -> r.any((req, res) -> handle(h, headerLimit, req, res)))
                    .build()
                    .start();
            return new HttpServer(server, host);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
            return d;
        }

        private static int atLeast(int value, int min, String name) {
            if (value < min) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: >= " + min + ")");
            }
            return value;
        }
    }
}
