package io.javakit.transport.http;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.api.HttpClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import io.javakit.endpoint.Headers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * A pooled, keep-alive HTTP/1.1 client with timeouts on by default. Share one per process: every client endpoint
 * built on it shares its connection pool. The engine is Helidon SE's blocking web client, which parks only a
 * virtual thread while it waits; no Helidon type appears in this API.
 */
public final class HttpClient {
    /** How long to wait for a TCP connection. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** How long to wait for an answer when the caller gives no deadline. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Idle keep-alive connections kept per host. */
    public static final int DEFAULT_MAX_IDLE_CONNECTIONS_PER_HOST = 256;
    /** Largest response body read into memory. */
    public static final int DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

    private final WebClient client;
    private final Duration requestTimeout;
    private final Propagation propagation;

    private HttpClient(WebClient client, Duration requestTimeout, Propagation propagation) {
        this.client = client;
        this.requestTimeout = requestTimeout;
        this.propagation = propagation;
    }

    /** A client with the {@code DEFAULT_*} settings. */
    public static HttpClient ofDefaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The timeout used when the caller gives no shorter one. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** What every request sent through {@link HttpClientTransport} carries from its context. */
    public Propagation propagation() {
        return propagation;
    }

    /**
     * Sends one request and reads the whole response. Of {@code headers}, the hop-by-hop ones, {@code Host} and
     * {@code Content-Length} are not sent: this client sets them for the connection and the body it sends.
     *
     * @param timeout the longest to wait for the answer (capped by {@link #requestTimeout()})
     * @throws IOException if the instance cannot be reached or does not answer in time
     *     ({@link java.net.SocketTimeoutException})
     */
    public HttpResponse send(String method, URI uri, Headers headers, byte[] body, Duration timeout) throws IOException {
        HttpClientRequest request = client.method(Method.create(method))
                .uri(uri.toString())
                .skipUriEncoding(true)
                .readTimeout(timeout.compareTo(requestTimeout) < 0 ? timeout : requestTimeout);
        // framing, Host and connection management are this client's job; a caller's values could split the request
        ForwardedHeaders.forEachEndToEnd(headers, (name, value) -> request.header(HeaderNames.create(name), value));
        try (HttpClientResponse response = body.length == 0 && !"POST".equals(method) && !"PUT".equals(method)
                ? request.request() : request.submit(body)) {
            Headers.Builder received = Headers.builder();
            for (Header header : response.headers()) {
                for (String value : header.allValues()) {
                    received.add(header.name(), value);
                }
            }
            byte[] entity = response.entity().hasEntity() ? response.entity().as(byte[].class) : null;
            return new HttpResponse(response.status().code(), received.build(), entity);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Options over the {@code DEFAULT_*} values. */
    public static final class Builder {
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private int maxIdleConnectionsPerHost = DEFAULT_MAX_IDLE_CONNECTIONS_PER_HOST;
        private int maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
        private Propagation propagation = Propagation.none();

        private Builder() {}

        /** Default {@link #DEFAULT_CONNECT_TIMEOUT}. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
            return this;
        }

        /** Default {@link #DEFAULT_REQUEST_TIMEOUT}. */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
            return this;
        }

        /** Default {@link #DEFAULT_MAX_IDLE_CONNECTIONS_PER_HOST}. */
        public Builder maxIdleConnectionsPerHost(int connections) {
            if (connections < 1) {
                throw new IllegalArgumentException("maxIdleConnectionsPerHost: " + connections + " (expected: >= 1)");
            }
            this.maxIdleConnectionsPerHost = connections;
            return this;
        }

        /** Default {@link #DEFAULT_MAX_RESPONSE_BYTES}. */
        public Builder maxResponseBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxResponseBytes: " + bytes + " (expected: >= 1)");
            }
            this.maxResponseBytes = bytes;
            return this;
        }

        /**
         * What every request that {@link HttpClientTransport} sends through this client carries from its context,
         * e.g. {@code Propagation.of(Tracing.propagation(), Deadlines.propagation())}; default
         * {@link Propagation#none()}. {@link HttpClient#send} itself sends the headers it is given.
         */
        public Builder propagation(Propagation propagation) {
            this.propagation = Objects.requireNonNull(propagation, "propagation");
            return this;
        }

        public HttpClient build() {
            WebClient client = WebClient.builder()
                    .connectTimeout(connectTimeout)
                    .readTimeout(requestTimeout)
                    .connectionCacheSize(maxIdleConnectionsPerHost)
                    .maxInMemoryEntity(maxResponseBytes)
                    .followRedirects(false)
                    .build();
            return new HttpClient(client, requestTimeout, propagation);
        }
    }
}
