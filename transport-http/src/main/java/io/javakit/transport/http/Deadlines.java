package io.javakit.transport.http;

import io.javakit.endpoint.DeadlineExceededException;
import io.javakit.endpoint.Headers;
import io.javakit.endpoint.Middleware;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Deadlines across HTTP hops. A caller sends the time it has left, in milliseconds, in {@value #HEADER}; the
 * server narrows the request's deadline to it (never widening its own cap), so work that nobody waits for any more
 * stops at every hop instead of running to completion. The remaining time, not an absolute instant, travels:
 * clocks of different hosts need not agree (gRPC's {@code grpc-timeout} does the same).
 *
 * <pre>{@code
 * // server: every request gets at most 1 s, less if the caller has less
 * HttpServer.builder(Deadlines.server(Duration.ofSeconds(1)).wrap(router))
 * // client: pass the rest of the deadline on
 * HttpClientTransport.endpoint(client, "GET", uri, Deadlines.propagate(encoder), decoder)
 * }</pre>
 */
public final class Deadlines {
    /** The header carrying the caller's remaining time in whole milliseconds. */
    public static final String HEADER = "X-Request-Timeout-Ms";

    private Deadlines() {}

    /**
     * A server-side middleware: the request's deadline becomes the earlier of {@code max} from now and the caller's
     * {@value #HEADER}. A caller whose time is already up gets a 504 without any work done; an unreadable header
     * a 400, since guessing a deadline could make the server work for nobody.
     */
    public static Middleware<HttpRequest, HttpResponse> server(Duration max) {
        Objects.requireNonNull(max, "max");
        if (max.isNegative() || max.isZero()) {
            throw new IllegalArgumentException("max: " + max + " (expected: > 0)");
        }
        return narrowing(Optional.of(max));
    }

    /** Like {@link #server(Duration)} with no cap of its own: only callers that send a deadline get one. */
    public static Middleware<HttpRequest, HttpResponse> fromCaller() {
        return narrowing(Optional.empty());
    }

    private static Middleware<HttpRequest, HttpResponse> narrowing(Optional<Duration> max) {
        return next -> (ctx, request) -> {
            Optional<Duration> callerLeft;
            try {
                callerLeft = remaining(request.headers());
            } catch (IllegalArgumentException e) {
                return ErrorEncoder.body(400, "bad_request", e.getMessage());
            }
            if (callerLeft.isPresent() && callerLeft.get().isZero()) {
                return ErrorEncoder.body(504, "deadline_exceeded", "the caller's deadline has passed");
            }
            Optional<Duration> timeout = callerLeft.isEmpty() ? max
                    : max.filter(cap -> cap.compareTo(callerLeft.get()) < 0).or(() -> callerLeft);
            return next.call(timeout.map(ctx::narrowTimeout).orElse(ctx), request);
        };
    }

    /**
     * Adds the time left before the request's deadline to what {@code encoder} sends; nothing when there is no
     * deadline. Rounded up, so that a request with 0.4 ms left is not sent as already expired.
     */
    public static <Req> RequestEncoder<Req> propagate(RequestEncoder<Req> encoder) {
        Objects.requireNonNull(encoder, "encoder");
        return (ctx, request) -> {
            OutgoingRequest outgoing = encoder.encode(ctx, request);
            Optional<Duration> left = ctx.remaining();
            if (left.isEmpty()) {
                return outgoing;
            }
            long nanos = left.get().toNanos();
            if (nanos <= 0) {
                throw new DeadlineExceededException("deadline exceeded before sending");
            }
            Headers headers = outgoing.headers().toBuilder().set(HEADER, Long.toString((nanos + 999_999) / 1_000_000)).build();
            return new OutgoingRequest(outgoing.pathSegments(), outgoing.query(), headers, outgoing.body());
        };
    }

    /**
     * An endpoint-level guard: fails with {@link DeadlineExceededException} instead of starting work whose
     * deadline has passed, e.g. a request that waited for a slot or a lock.
     */
    public static <Req, Res> Middleware<Req, Res> enforce() {
        return next -> (ctx, request) -> {
            ctx.checkDeadline();
            return next.call(ctx, request);
        };
    }

    /** The caller's remaining time, if it sent one; zero when already up. */
    static Optional<Duration> remaining(Headers headers) {
        Optional<String> value = headers.first(HEADER);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        String text = value.get().strip();
        long millis;
        try {
            millis = text.length() > 12 ? -1 : Long.parseLong(text);
        } catch (NumberFormatException e) {
            millis = -1;
        }
        if (millis < 0) {
            throw new IllegalArgumentException(HEADER + " must be a whole number of milliseconds, up to 12 digits");
        }
        return Optional.of(Duration.ofMillis(millis));
    }
}
