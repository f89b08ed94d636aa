package io.javakit.transport.http;

import io.javakit.endpoint.BadRequestException;
import io.javakit.endpoint.DeadlineExceededException;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.Headers;
import io.javakit.endpoint.NotFoundException;
import io.javakit.endpoint.RateLimitedException;
import io.javakit.endpoint.RequestContext;
import io.javakit.endpoint.UnavailableException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The client side of the HTTP transport: a method, a base URI, a request encoder and a response decoder become a
 * typed endpoint. Unlike Go kit's client, it reads the status before the decoder runs, so that retries and
 * breakers see the right thing: 404 is {@link NotFoundException}, 429 {@link RateLimitedException}, 504
 * {@link DeadlineExceededException}, other 5xx and connection failures {@link UnavailableException} (retryable),
 * other 4xx {@link BadRequestException} (not retryable). The request's deadline bounds the wait for the answer.
 * Every request carries the client's {@linkplain HttpClient.Builder#propagation propagation} (trace context,
 * deadline, forwarded headers), written after the encoder's headers.
 *
 * <pre>{@code
 * Endpoint<ByName, User> userByName = HttpClientTransport.endpoint(client, "GET", URI.create("http://host:8080"),
 *         (ctx, req) -> OutgoingRequest.path(req.name()), Json.decoder(User.class));
 * }</pre>
 */
public final class HttpClientTransport {
    private HttpClientTransport() {}

    public static <Req, Res> Endpoint<Req, Res> endpoint(HttpClient client, String method, URI baseUri,
                                                         RequestEncoder<Req> encoder, ResponseDecoder<Res> decoder) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(decoder, "decoder");
        String verb = method.toUpperCase(Locale.ROOT);
        String base = stripTrailingSlash(Objects.requireNonNull(baseUri, "baseUri").toString());
        return Endpoint.named("http-client(" + verb + " " + base + ")", (ctx, request) -> {
            OutgoingRequest outgoing = encoder.encode(ctx, request);
            URI uri = URI.create(base + encodedPath(outgoing) + (outgoing.query().isEmpty() ? "" : "?" + outgoing.query()));
            Duration timeout = ctx.remaining().orElse(client.requestTimeout());
            if (timeout.isZero()) {
                throw new DeadlineExceededException("deadline exceeded before calling " + base);
            }
            Headers headers = client.propagation().outgoing(ctx, outgoing.headers());
            HttpResponse response;
            try {
                response = client.send(verb, uri, headers, outgoing.body(), timeout);
            } catch (SocketTimeoutException e) {
                throw new DeadlineExceededException("no answer from " + base + " within " + timeout.toMillis() + " ms");
            } catch (IOException | RuntimeException e) {
                throw new UnavailableException("cannot reach " + base + ": " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
            }
            if (!response.isSuccess()) {
                throw errorFor(response, base);
            }
            return decoder.decode(ctx, response);
        });
    }

    private static String encodedPath(OutgoingRequest request) {
        StringBuilder path = new StringBuilder();
        for (String segment : request.pathSegments()) {
            path.append('/').append(PathSegments.encode(segment));
        }
        return path.toString();
    }

    /** The typed error for a non-2xx answer, with the instance's own message when it sent our JSON error body. */
    static EndpointException errorFor(HttpResponse response, String base) {
        int status = response.status();
        String message = messageOf(response).orElse(base + " answered " + status);
        if (status == 404) {
            return new NotFoundException(message);
        }
        if (status == 429) {
            return new RateLimitedException(message);
        }
        if (status == 504) {
            return new DeadlineExceededException(message);
        }
        if (status >= 500 || status < 400) {
            return new UnavailableException(base + " answered " + status);
        }
        return new BadRequestException(message);
    }

    private static Optional<String> messageOf(HttpResponse response) {
        if (response.body().length == 0 || response.body().length > 4096) {
            return Optional.empty();
        }
        try {
            var node = Json.mapper().readTree(response.body());
            var message = node == null ? null : node.get("message");
            return message != null && message.isTextual() ? Optional.of(message.asText()) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String stripTrailingSlash(String uri) {
        return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    }
}
