package io.javakit.console;

import io.javakit.console.ConsoleModel.Fault;
import io.javakit.endpoint.BadRequestException;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.Middleware;
import io.javakit.transport.http.ErrorEncoder;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.javakit.transport.http.Router;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * One instance's injectable fault, for the demo's console and the fault-injection suite: slow (+200 ms), fail
 * (500), hang (no answer until restored, or a minute). Stopping is the owner's business (closing the server or
 * killing the process). Slowness honours the request's deadline, as real work would.
 */
public final class FaultInjection {
    /** What {@link Fault#SLOW} adds to every answer. */
    public static final Duration SLOWDOWN = Duration.ofMillis(200);
    /** Where {@link #control()} answers: two segments, so no user or product name can collide with it. */
    public static final String PATH = "/admin/faults";
    private static final Duration LONGEST_HANG = Duration.ofMinutes(1);

    private volatile Fault fault = Fault.NONE;

    public Fault fault() {
        return fault;
    }

    public void set(Fault fault) {
        this.fault = fault;
    }

    public Middleware<HttpRequest, HttpResponse> middleware() {
        return next -> (ctx, request) -> switch (fault) {
            case SLOW -> {
                Thread.sleep(ctx.remaining().filter(left -> left.compareTo(SLOWDOWN) < 0).orElse(SLOWDOWN));
                ctx.checkDeadline();
                yield next.call(ctx, request);
            }
            case FAIL -> ErrorEncoder.body(500, "internal", "injected failure");
            case HANG -> {
                long until = System.nanoTime() + LONGEST_HANG.toNanos();
                while (fault == Fault.HANG && System.nanoTime() < until) {
                    Thread.sleep(50);
                }
                yield next.call(ctx, request);
            }
            default -> next.call(ctx, request);
        };
    }

    /**
     * {@code PUT /admin/faults/{none|slow|fail|hang}} sets the fault, {@code GET /admin/faults} reads it; for a
     * process started with {@code --fault-injection} only, since anyone who can reach it can break the instance.
     * Two segments, so no user or product name can collide with it.
     */
    public Endpoint<HttpRequest, HttpResponse> control() {
        return Router.builder()
                .get(PATH, (ctx, req) -> current())
                .route("PUT", PATH + "/{fault}", (ctx, req) -> {
                    String name = req.pathVariable("fault").toUpperCase(Locale.ROOT);
                    if (name.equals("STOP") || Arrays.stream(Fault.values()).noneMatch(f -> f.name().equals(name))) {
                        return ErrorEncoder.json().encode(ctx, new BadRequestException(
                                "fault: '" + req.pathVariable("fault") + "' (expected: none, slow, fail or hang)"));
                    }
                    set(Fault.valueOf(name));
                    return current();
                })
                .build();
    }

    /** {@code handler} behind the injected fault, with {@link #control()} at {@link #PATH}. */
    public Endpoint<HttpRequest, HttpResponse> serving(Endpoint<HttpRequest, HttpResponse> handler) {
        return Router.builder().mount(PATH, control()).mount("/", middleware().wrap(handler)).build();
    }

    private HttpResponse current() {
        return HttpResponse.json(200, ("{\"fault\":\"" + fault.name().toLowerCase(Locale.ROOT) + "\"}").getBytes(StandardCharsets.UTF_8));
    }
}
