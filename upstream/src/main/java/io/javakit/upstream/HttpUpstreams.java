package io.javakit.upstream;

import io.javakit.endpoint.Headers;
import io.javakit.sd.Factory;
import io.javakit.sd.HealthCheckedInstancer;
import io.javakit.sd.HealthProbe;
import io.javakit.transport.http.ErrorEncoder;
import io.javakit.transport.http.HttpClient;
import io.javakit.transport.http.HttpClientTransport;
import io.javakit.transport.http.RequestEncoder;
import io.javakit.transport.http.ResponseDecoder;
import java.net.URI;
import java.util.Objects;

/** The HTTP side of an {@link Upstream}: the transport per instance, a readiness probe, and caller-facing errors. */
public final class HttpUpstreams {
    private HttpUpstreams() {}

    /** Each instance called as {@code method http://host:port/...} through {@code client}, encoded and decoded as given. */
    public static <Req, Res> Factory<Req, Res> transport(HttpClient client, String method, RequestEncoder<Req> encoder,
                                                         ResponseDecoder<Res> decoder) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(decoder, "decoder");
        return instance -> HttpClientTransport.endpoint(client, method, URI.create("http://" + instance.address()), encoder, decoder);
    }

    /**
     * Ready means {@code GET /health/ready} answers 200 within {@link HealthCheckedInstancer#DEFAULT_TIMEOUT}, as every
     * javakit service answers while registered and not deregistering.
     */
    public static HealthProbe readiness(HttpClient client) {
        Objects.requireNonNull(client, "client");
        return instance -> client.send("GET", URI.create("http://" + instance.address() + "/health/ready"), Headers.empty(),
                new byte[0], HealthCheckedInstancer.DEFAULT_TIMEOUT).status() == 200;
    }

    /** Answers failures of {@code upstream}'s calls as JSON, as its {@linkplain Upstream#callerError callers should see them}. */
    public static ErrorEncoder callerErrors(Upstream<?, ?> upstream) {
        Objects.requireNonNull(upstream, "upstream");
        ErrorEncoder json = ErrorEncoder.json();
        return (ctx, error) -> json.encode(ctx, upstream.callerError(error));
    }
}
