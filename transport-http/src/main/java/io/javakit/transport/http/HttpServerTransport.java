package io.javakit.transport.http;

import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of the HTTP transport: a decoder, an endpoint and an encoder become an HTTP handler, itself an
 * {@code Endpoint<HttpRequest, HttpResponse>}. The flow per request is Go kit's: before hooks, decode, call,
 * encode, after hooks; any failure on the way goes to the error encoder (default {@link ErrorEncoder#json()}).
 * Unexpected (internal) errors are also logged with their stack trace, never silently dropped.
 */
public final class HttpServerTransport {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServerTransport.class);

    private HttpServerTransport() {}

    /** Adjusts the context before decoding, e.g. to read a tenant or a deadline from the headers. */
    @FunctionalInterface
    public interface Before {
        RequestContext apply(RequestContext ctx, HttpRequest request);
    }

    /** Adjusts the response after encoding, e.g. to add a header. */
    @FunctionalInterface
    public interface After {
        HttpResponse apply(RequestContext ctx, HttpResponse response);
    }

    /** A handler with the default error encoder and no hooks. */
    public static <Req, Res> Endpoint<HttpRequest, HttpResponse> serve(
            RequestDecoder<Req> decoder, Endpoint<Req, Res> endpoint, ResponseEncoder<Res> encoder) {
        return builder(decoder, endpoint, encoder).build();
    }

    public static <Req, Res> Builder<Req, Res> builder(
            RequestDecoder<Req> decoder, Endpoint<Req, Res> endpoint, ResponseEncoder<Res> encoder) {
        return new Builder<>(decoder, endpoint, encoder);
    }

    /** Options over defaults: no hooks, {@link ErrorEncoder#json()}. */
    public static final class Builder<Req, Res> {
        private final RequestDecoder<Req> decoder;
        private final Endpoint<Req, Res> endpoint;
        private final ResponseEncoder<Res> encoder;
        private final List<Before> before = new ArrayList<>();
        private final List<After> after = new ArrayList<>();
        private ErrorEncoder errorEncoder = ErrorEncoder.json();

        private Builder(RequestDecoder<Req> decoder, Endpoint<Req, Res> endpoint, ResponseEncoder<Res> encoder) {
            this.decoder = Objects.requireNonNull(decoder, "decoder");
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
            this.encoder = Objects.requireNonNull(encoder, "encoder");
        }

        public Builder<Req, Res> before(Before hook) {
            before.add(Objects.requireNonNull(hook, "hook"));
            return this;
        }

        public Builder<Req, Res> after(After hook) {
            after.add(Objects.requireNonNull(hook, "hook"));
            return this;
        }

        public Builder<Req, Res> errorEncoder(ErrorEncoder errorEncoder) {
            this.errorEncoder = Objects.requireNonNull(errorEncoder, "errorEncoder");
            return this;
        }

        public Endpoint<HttpRequest, HttpResponse> build() {
            List<Before> befores = List.copyOf(before);
            List<After> afters = List.copyOf(after);
            ErrorEncoder errors = errorEncoder;
            return Endpoint.named("http(" + endpoint + ")", (ctx, request) -> {
                RequestContext c = ctx;
                for (Before hook : befores) {
                    c = hook.apply(c, request);
                }
                HttpResponse response;
                try {
                    response = encoder.encode(c, endpoint.call(c, decoder.decode(c, request)));
                } catch (Exception e) {
                    logIfUnexpected(request, e);
                    response = errors.encode(c, e);
                }
                for (After hook : afters) {
                    response = hook.apply(c, response);
                }
                return response;
            });
        }
    }

    static void logIfUnexpected(HttpRequest request, Throwable e) {
        if (EndpointException.kindOf(e) == EndpointException.Kind.INTERNAL) {
            LOG.atError().addKeyValue("method", request.method()).addKeyValue("path", request.path())
                    .setCause(e).log("unexpected error while serving a request");
        }
    }
}
