package io.javakit.transport.http;

import io.javakit.endpoint.DeadlineExceededException;
import io.javakit.endpoint.Headers;
import io.javakit.endpoint.Middleware;
import io.javakit.endpoint.RequestContext;
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
 * // every request gets at most 1 s, less if the caller has less; requests sent on carry what is left
 * Propagation deadlines = Deadlines.propagation(Duration.ofSeconds(1));
 * HttpServer.builder(router).propagation(deadlines).start();
 * HttpClient client = HttpClient.builder().propagation(deadlines).build();
 * }</pre>
 */
public final class Deadlines {
    /** The header carrying the caller's remaining time in whole milliseconds. */
    public static final String HEADER = "X-Request-Timeout-Ms";

    private static final Propagation FROM_CALLER = Propagation.named("deadline(from caller)", narrowing(Optional.empty()), Deadlines::writeRemaining);

    private Deadlines() {}

    /**
     * Deadlines both ways. Server half: the request's deadline becomes the earlier of {@code max} from now and the
     * caller's {@value #HEADER}. A caller whose time is already up gets a 504 without any work done; an unreadable
     * header a 400, since guessing a deadline could make the server work for nobody. Client half: the time left
     * before the request's deadline, rounded up so that a request with 0.4 ms left is not sent as already expired;
     * nothing when there is no deadline, and a {@link DeadlineExceededException} instead of a request once it has
     * passed.
     */
    public static Propagation propagation(Duration max) {
        Objects.requireNonNull(max, "max");
        if (max.isNegative() || max.isZero()) {
            throw new IllegalArgumentException("max: " + max + " (expected: > 0)");
        }
        return Propagation.named("deadline(max " + max + ")", narrowing(Optional.of(max)), Deadlines::writeRemaining);
    }

    /**
     * Like {@link #propagation(Duration)} with no cap of its own, for a service: only callers that send a deadline
     * get one.
     */
    public static Propagation propagation() {
        return FROM_CALLER;
    }

    /** The server half of {@link #propagation(Duration)}, for a server without it. */
    public static Middleware<HttpRequest, HttpResponse> server(Duration max) {
        return propagation(max).server();
    }

    /** The server half of {@link #propagation()}, for a server without it. */
    public static Middleware<HttpRequest, HttpResponse> fromCaller() {
        return FROM_CALLER.server();
    }

    /** The client half of {@link #propagation()} for one endpoint, for a client without it. */
    public static <Req> RequestEncoder<Req> propagate(RequestEncoder<Req> encoder) {
        return FROM_CALLER.client(encoder);
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

    private static void writeRemaining(RequestContext ctx, Headers.Builder headers) {
        Optional<Duration> left = ctx.remaining();
        if (left.isEmpty()) {
            return;
        }
        long nanos = left.get().toNanos();
        if (nanos <= 0) {
            throw new DeadlineExceededException("deadline exceeded before sending");
        }
        headers.set(HEADER, Long.toString((nanos + 999_999) / 1_000_000));
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
