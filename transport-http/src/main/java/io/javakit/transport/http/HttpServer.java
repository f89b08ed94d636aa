package io.javakit.transport.http;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.helidon.http.DirectHandler;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.RequestException;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http1.Http1Config;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.Headers;
import io.javakit.endpoint.RequestContext;
import io.javakit.transport.http.internal.ReadDeadlines;
import io.javakit.transport.http.internal.RejectionHandler;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one handler (usually a {@link Router}) over HTTP/1.1, a virtual thread per request, with production-safe
 * defaults: deadlines against slow clients (the headers, then the whole request, must arrive in time), an idle
 * timeout for keep-alive connections, limits on the request line (414), the headers (431, by size and by count) and
 * the body (413), on open connections, and on requests in flight (503 at once, never a queue). Every error the
 * server answers itself, malformed requests included, has the JSON body of {@link ErrorEncoder#json()} and never
 * any internal detail. The engine is Helidon SE's web server, chosen by measurement (docs/http-engine.md); no
 * Helidon type appears in this API.
 *
 * <pre>{@code
 * HttpServer server = HttpServer.builder(router).propagation(Deadlines.propagation(Duration.ofSeconds(1))).port(8080).start();
 * // ... and when the process is told to stop (the server registers no shutdown hook of its own, so that its
 * // owner can deregister first and let callers move away):
 * server.close(); // stops accepting, finishes the requests in flight
 * }</pre>
 */
public final class HttpServer implements AutoCloseable {
    /**
     * The seed's server read timeout (Go's {@code ReadTimeout}): the longest a client may take to send a whole
     * request, body included, once its request line has arrived. Then it gets a 408 and the connection is closed.
     */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(15);
    /**
     * The longest a client may take to send its headers once its request line has arrived (Go's
     * {@code ReadHeaderTimeout}): a client trickling header bytes (slowloris) gets a 408 and the connection is
     * closed, however steadily the bytes come.
     */
    public static final Duration DEFAULT_REQUEST_HEAD_TIMEOUT = Duration.ofSeconds(10);
    /**
     * How long a keep-alive connection may wait for its next request line, or take to send it; then it is closed.
     * This also bounds a new connection that sends nothing, or its request line a byte at a time.
     */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** Longest request line (method, URI, version); longer ones get a 414. */
    public static final int DEFAULT_MAX_REQUEST_LINE_BYTES = 8 * 1024;
    /** Largest header section; larger ones get a 431. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
    /** Most header fields in a request (Tomcat's default); more get a 431. */
    public static final int DEFAULT_MAX_HEADER_COUNT = 100;
    /** Headers a {@linkplain Builder#forwardingProxy forwarding proxy} keeps room for under the defaults. */
    public static final int PROXY_HEADROOM_HEADERS = 16;
    /** Header bytes a {@linkplain Builder#forwardingProxy forwarding proxy} keeps room for under the defaults. */
    public static final int PROXY_HEADROOM_BYTES = 2 * 1024;
    /** Largest request body; larger ones get a 413. */
    public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
    /**
     * Most open connections at once. Further ones are not refused but wait, unanswered, in the kernel's accept
     * backlog until a connection closes (and are refused by the kernel once the backlog is full).
     */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /**
     * Most requests in flight at once; more get a 503 at once ({@code "overloaded"}, {@code Retry-After: 1}), so
     * that an overloaded instance sheds load quickly and callers retry elsewhere instead of queueing. High enough
     * never to bind a healthy instance (at 50 ms a request it allows 20,000 requests/s), low enough that a stalled
     * dependency cannot pile up unbounded work and memory (at most this many buffered bodies).
     */
    public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 1000;
    /** How long a stopping server waits for requests in flight. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
    /** The idle timeout is checked every tenth of it, within these bounds. */
    private static final Duration MIN_IDLE_CHECK = Duration.ofMillis(100);
    private static final Duration MAX_IDLE_CHECK = Duration.ofSeconds(5);
    /**
     * The engine's own header limit is a backstop that answers a bare 400; below it, this server counts the header
     * bytes itself so that an oversized header section gets the precise 431.
     */
    private static final int ENGINE_HEADER_LIMIT_FACTOR = 4;

    private static final HttpResponse TOO_MANY_HEADERS = ErrorEncoder.body(431, "headers_too_large", "too many request headers");
    private static final HttpResponse HEADERS_TOO_LARGE = ErrorEncoder.body(431, "headers_too_large", "request headers too large");
    private static final HttpResponse MALFORMED_HEAD = ErrorEncoder.body(400, "bad_request", "malformed request");
    private static final HttpResponse MALFORMED_BODY = ErrorEncoder.body(400, "bad_request", "malformed request body");
    private static final HttpResponse BODY_TOO_LARGE = ErrorEncoder.body(413, "payload_too_large", "request body too large");
    private static final HttpResponse OVERLOADED = ErrorEncoder.body(503, "overloaded", "server overloaded, retry later")
            .withHeader("retry-after", "1");

    private final WebServer server;
    private final ReadDeadlines deadlines;
    private final String host;

    private HttpServer(WebServer server, ReadDeadlines deadlines, String host) {
        this.server = server;
        this.deadlines = deadlines;
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
        deadlines.close();
    }

    /** Turns one engine request into an {@link HttpRequest} for the handler, within the server's limits. */
    private record Serving(Endpoint<HttpRequest, HttpResponse> handler, int maxHeaderBytes, int maxHeaderCount,
                           Bulkhead inFlight, ReadDeadlines deadlines) {

        void handle(ServerRequest req, ServerResponse res) {
            Headers.Builder headers = Headers.builder();
            HttpResponse rejection = checkHead(req, headers);
            boolean admitted = rejection == null && inFlight.tryAcquirePermission();
            if (rejection == null && !admitted) {
                rejection = OVERLOADED;
                LOG.atDebug().addKeyValue("peer", describe(req.remotePeer().address()))
                        .log("request shed: too many requests in flight");
            }
            try {
                byte[] body;
                try {
                    body = readBody(req, admitted);
                } catch (RuntimeException e) {
                    deadlines.requestRead();
                    failOnBody(req, res, e);
                    return;
                }
                deadlines.requestRead();
                if (!admitted) {
                    send(req, res, rejection);
                    return;
                }
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
                send(req, res, response);
            } finally {
                if (admitted) {
                    inFlight.onComplete();
                }
            }
        }

        /** Copies the headers into {@code headers}; the error response if the head breaks a limit or a rule. */
        private HttpResponse checkHead(ServerRequest req, Headers.Builder headers) {
            int headerBytes = 0;
            int headerCount = 0;
            boolean wellFormed = isVisibleAscii(req.path().rawPath()) && isVisibleAscii(req.query().rawValue());
            for (Header header : req.headers()) {
                boolean validName = isToken(header.name());
                for (String value : header.allValues()) {
                    headers.add(header.name(), value);
                    headerCount++;
                    headerBytes += header.name().length() + value.length() + 4;
                    wellFormed &= validName && isFieldValue(value);
                }
            }
            return headerCount > maxHeaderCount ? TOO_MANY_HEADERS
                    : headerBytes > maxHeaderBytes ? HEADERS_TOO_LARGE
                    : wellFormed ? null : MALFORMED_HEAD;
        }

        /**
         * The body of an admitted request; for a rejected one, the body is read and dropped, so that the connection
         * stays in step for the next request (within the read deadline, like any body).
         */
        private static byte[] readBody(ServerRequest req, boolean admitted) {
            if (!req.content().hasEntity()) {
                return null;
            }
            if (admitted) {
                return req.content().as(byte[].class);
            }
            req.content().consume();
            return null;
        }

        /**
         * A body that cannot be read leaves the connection out of step: nothing after it can be trusted to start a
         * request. The client gets its answer, if it is still there, and the connection is closed.
         */
        private static void failOnBody(ServerRequest req, ServerResponse res, RuntimeException e) {
            HttpResponse answer = e instanceof RequestException re && re.status().code() == 413
                    ? BODY_TOO_LARGE : MALFORMED_BODY;
            try {
                send(req, res, answer.withHeader("connection", "close"));
            } catch (RuntimeException clientGone) {
                // the body broke off because the client left: nobody to answer
            }
            throw new CloseConnectionException("request body unreadable", e);
        }
    }

    /** Sends {@code response}; to a HEAD request, its headers and length only, as RFC 9110 says (the engine would send the body). */
    private static void send(ServerRequest req, ServerResponse res, HttpResponse response) {
        res.status(response.status());
        response.headers().forEach((name, value) -> res.header(name, value));
        if (req.prologue().method().equals(Method.HEAD)) {
            res.header(HeaderNames.CONTENT_LENGTH, String.valueOf(response.body().length));
            res.send();
        } else {
            res.send(response.body());
        }
    }

    /** RFC 9110 token: the only characters a header name may have. */
    private static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!alnum && "!#$%&'*+-.^_`|~".indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Visible ASCII, spaces and tabs: RFC 9110 field content without obs-text, since bytes above 0x7F have no agreed
     * meaning in a header and are refused rather than guessed at.
     */
    private static boolean isFieldValue(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t') || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** A request target is visible ASCII only (RFC 3986); anything else is percent-encoded or malformed. */
    private static boolean isVisibleAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** {@code host:port}, with an IPv6 host in brackets. */
    private static String describe(SocketAddress address) {
        if (!(address instanceof InetSocketAddress inet)) {
            return String.valueOf(address);
        }
        String ip = inet.getAddress().getHostAddress();
        return (inet.getAddress() instanceof Inet6Address ? "[" + ip + "]" : ip) + ":" + inet.getPort();
    }

    /** Options over the {@code DEFAULT_*} values. */
    public static final class Builder {
        private final Endpoint<HttpRequest, HttpResponse> handler;
        private String host = "0.0.0.0";
        private int port = 0;
        private Duration readTimeout = DEFAULT_READ_TIMEOUT;
        private Duration requestHeadTimeout = DEFAULT_REQUEST_HEAD_TIMEOUT;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private int maxRequestLineBytes = DEFAULT_MAX_REQUEST_LINE_BYTES;
        private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
        private int maxHeaderCount = DEFAULT_MAX_HEADER_COUNT;
        private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxConcurrentRequests = DEFAULT_MAX_CONCURRENT_REQUESTS;
        private Propagation propagation = Propagation.none();

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

        /** Default {@link #DEFAULT_REQUEST_HEAD_TIMEOUT}; a longer one than the read timeout has no effect. */
        public Builder requestHeadTimeout(Duration requestHeadTimeout) {
            this.requestHeadTimeout = positive(requestHeadTimeout, "requestHeadTimeout");
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

        /** Default {@link #DEFAULT_MAX_HEADER_COUNT}. */
        public Builder maxHeaderCount(int headers) {
            this.maxHeaderCount = atLeast(headers, 1, "maxHeaderCount");
            return this;
        }

        /**
         * For a server that forwards requests to javakit servers with the default limits (a gateway): header limits
         * {@value #PROXY_HEADROOM_HEADERS} headers and {@value #PROXY_HEADROOM_BYTES} bytes under the defaults, the room
         * it adds (trace context, {@code X-Forwarded-*}, the deadline), so that nothing it accepts is refused behind it.
         */
        public Builder forwardingProxy() {
            return maxHeaderCount(DEFAULT_MAX_HEADER_COUNT - PROXY_HEADROOM_HEADERS).maxHeaderBytes(DEFAULT_MAX_HEADER_BYTES - PROXY_HEADROOM_BYTES);
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

        /** Default {@link #DEFAULT_MAX_CONCURRENT_REQUESTS}. */
        public Builder maxConcurrentRequests(int requests) {
            this.maxConcurrentRequests = atLeast(requests, 1, "maxConcurrentRequests");
            return this;
        }

        /**
         * What every request carries into its context, read around the handler, e.g.
         * {@code Propagation.of(Tracing.propagation(), Deadlines.propagation())}; default {@link Propagation#none()}.
         * Its answers (a 400 for an unreadable deadline, say) are sent like the handler's.
         */
        public Builder propagation(Propagation propagation) {
            this.propagation = Objects.requireNonNull(propagation, "propagation");
            return this;
        }

        /** Binds and starts serving. */
        public HttpServer start() {
            ReadDeadlines deadlines = new ReadDeadlines(requestHeadTimeout, readTimeout);
            Bulkhead inFlight = Bulkhead.of("http-server", BulkheadConfig.custom()
                    .maxConcurrentCalls(maxConcurrentRequests)
                    .maxWaitDuration(Duration.ZERO)
                    // nobody waits, so there is no queue to be fair to
                    .fairCallHandlingStrategyEnabled(false)
                    .build());
            Serving serving = new Serving(propagation.server().wrap(handler), maxHeaderBytes, maxHeaderCount, inFlight, deadlines);
            try {
                WebServer server = WebServer.builder()
                        .host(host)
                        .port(port)
                        .maxPayloadSize(maxBodyBytes)
                        .maxTcpConnections(maxConnections)
                        .idleConnectionTimeout(idleTimeout)
                        // the engine checks every 2 minutes by default, which would triple a 60 s idle timeout
                        .idleConnectionPeriod(tenthOf(idleTimeout))
                        .shutdownGracePeriod(drainTimeout)
                        // the owner stops the server (close()): the engine's own JVM shutdown hook would stop it at
                        // SIGTERM before the owner deregisters it and lets callers move away
                        .shutdownHook(false)
                        // one protocol, configured here: with a second, discovered HTTP/1 configuration the engine
                        // guesses each connection's protocol from its first line and drops anything but a valid
                        // HTTP/1.1 request line without an answer
                        .protocolsDiscoverServices(false)
                        .addProtocol(Http1Config.builder()
                                .maxPrologueLength(maxRequestLineBytes)
                                .maxHeadersSize(maxHeaderBytes * ENGINE_HEADER_LIMIT_FACTOR)
                                .addReceiveListener(deadlines.requestListener())
                                .addSendListener(deadlines.responseListener())
                                .build())
                        .directHandlers(d -> {
                            RejectionHandler rejections = new RejectionHandler();
                            for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
                                d.addHandler(type, rejections);
                            }
                        })
                        .routing(r -> r.any(serving::handle))
                        .build()
                        .start();
                return new HttpServer(server, deadlines, host);
            } catch (RuntimeException e) {
                deadlines.close();
                throw e;
            }
        }

        private static Duration tenthOf(Duration timeout) {
            Duration tenth = timeout.dividedBy(10);
            return tenth.compareTo(MIN_IDLE_CHECK) < 0 ? MIN_IDLE_CHECK
                    : tenth.compareTo(MAX_IDLE_CHECK) > 0 ? MAX_IDLE_CHECK : tenth;
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
