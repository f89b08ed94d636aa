package io.javakit.console;

import java.util.function.Supplier;
import io.javakit.transport.http.Health;
import io.javakit.console.ConsoleModel.Fault;
import io.javakit.console.ConsoleModel.FaultControl;
import io.javakit.endpoint.BadRequestException;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.Headers;
import io.javakit.endpoint.NotFoundException;
import io.javakit.endpoint.RequestContext;
import io.javakit.transport.http.ErrorEncoder;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.javakit.transport.http.HttpServerTransport;
import io.javakit.transport.http.Json;
import io.javakit.transport.http.RequestDecoder;
import io.javakit.transport.http.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The live console: a web page for an admin port that shows the system at work (services with their balancer and
 * retry policy, instances, health, breaker states, request rates and p99 latency with a sparkline of the last minute
 * each, recent errors) and, when the model offers a {@link FaultControl},
 * buttons that stop, hang, slow down or fail an instance.
 *
 * <p>The page is plain HTML, CSS and JavaScript, served from this jar with no build step. It polls
 * {@code api/snapshot} once a second rather than holding a server-sent event stream open, because
 * {@link HttpResponse} is fully buffered: a poll is one short request, and a console left open costs the server
 * nothing between polls.
 *
 * <p>Routes, each also under {@code /console/} so that the console can share a port behind a path prefix:
 * <ul>
 * <li>{@code GET /}: the page; {@code GET /console.css}, {@code /console.js} and {@code /favicon.svg}: its style,
 *     script and icon;</li>
 * <li>{@code GET /api/snapshot}: the model's snapshot as JSON (see below);</li>
 * <li>{@code POST /api/faults/{instance}/{fault}}: applies a fault ({@code none}, {@code stop}, {@code hang},
 *     {@code slow} or {@code fail}, any case) to an instance of the current snapshot, and answers
 *     {@code {"instance":"localhost:8081","fault":"stop"}}. An unknown fault is a 400, an unknown instance a 404,
 *     and without a fault control the route does not exist (404). A request that a browser marks as coming from
 *     another origin is refused with a 403, so that no other web page can break instances through a visitor's
 *     browser.</li>
 * </ul>
 *
 * <p>The snapshot as JSON: {@code {"at":"2026-01-01T12:00:00Z","faultsEnabled":true,"services":[{"name":"users",
 * "balancer":"p2c","retry":"3 attempts within 1 s","instances":[{"address":"localhost:8080","health":"up",
 * "breaker":"closed","requestsPerSecond":10.0,"p99Millis":3.2,"requests":1200,"errors":0,
 * "requestsPerSecondLastMinute":[9.0,10.0],"p99MillisLastMinute":[3.1,3.2],"fault":"none"}]}],
 * "recentErrors":[{"at":"...","service":"users","instance":"localhost:8081","kind":"unavailable",
 * "message":"connection refused"}]}}; a last-minute series is oldest first.
 *
 * <pre>{@code
 * HttpServer admin = HttpServer.builder(Console.handler(model)).host("127.0.0.1").port(9000).start();
 * }</pre>
 */
public final class Console {
    /** Where the page, its style and its script are, on the class path. */
    static final String RESOURCES = "/io/javakit/console/";

    private static final String[] PREFIXES = {"", "/console"};
    /**
     * The page loads nothing from elsewhere and runs no inline script, so a strict policy costs nothing; framing is
     * refused so that no other page can trick a click onto a fault button.
     */
    private static final String CONTENT_SECURITY_POLICY =
            "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final Headers API_HEADERS = Headers.of("cache-control", "no-store", "x-content-type-options", "nosniff");
    private static final String FAULT_NAMES = Arrays.stream(Fault.values())
            .map(Console::wireName).collect(Collectors.joining(", "));

    private Console() {}

    /**
     * A whole admin port: {@code metrics} at {@code /metrics} (e.g. the Prometheus scrape), the {@link Health} routes
     * ({@code notReadyBecause} says why the process wants no traffic, or nothing when it does) and the console of
     * {@code model} for everything else.
     */
    public static Endpoint<HttpRequest, HttpResponse> adminPort(Endpoint<HttpRequest, HttpResponse> metrics,
                                                                Supplier<Optional<String>> notReadyBecause, ConsoleModel model) {
        return Router.builder().mount("/metrics", metrics).mount(Health.PATH, Health.routes(notReadyBecause)).mount("/", handler(model)).build();
    }

    /**
     * The console's handler for {@code model}: serve it on an admin port, not on the gateway's public one, since
     * the snapshot shows internal addresses and errors, and fault buttons break instances.
     */
    public static Endpoint<HttpRequest, HttpResponse> handler(ConsoleModel model) {
        Objects.requireNonNull(model, "model");
        Endpoint<HttpRequest, HttpResponse> page = asset("index.html", "text/html; charset=utf-8");
        Endpoint<HttpRequest, HttpResponse> css = asset("console.css", "text/css; charset=utf-8");
        Endpoint<HttpRequest, HttpResponse> js = asset("console.js", "text/javascript; charset=utf-8");
        Endpoint<HttpRequest, HttpResponse> icon = asset("favicon.svg", "image/svg+xml");
        Endpoint<HttpRequest, HttpResponse> snapshot = api((ctx, request) -> request, (ctx, request) -> present(model));
        Optional<Endpoint<HttpRequest, HttpResponse>> faults = model.faults().map(control -> sameOriginOnly(
                api(Console::faultRequest, (ctx, request) -> apply(model, control, request))));

        Router.Builder routes = Router.builder()
                .get("/console", (ctx, request) -> new HttpResponse(308, Headers.of("location", "/console/"), null));
        for (String prefix : PREFIXES) {
            routes.get(prefix + "/", page).get(prefix + "/console.css", css).get(prefix + "/console.js", js)
                    .get(prefix + "/favicon.svg", icon)
                    .get(prefix + "/api/snapshot", snapshot);
            faults.ifPresent(apply -> routes.post(prefix + "/api/faults/{instance}/{fault}", apply));
        }
        Router router = routes.build();
        ErrorEncoder errors = ErrorEncoder.json();
        // the router's own answers (no such path, a malformed path variable) get the same JSON bodies as the API's
        return Endpoint.named("console", (ctx, request) -> {
            try {
                return router.call(ctx, request);
            } catch (EndpointException e) {
                return errors.encode(ctx, e);
            }
        });
    }

    /** A request to give an instance a fault, decoded from the path. */
    record FaultRequest(String instance, Fault fault) {}

    /** The answer to a fault request, and the JSON form of a fault: its name in lower case. */
    record FaultApplied(String instance, String fault) {}

    static String wireName(Fault fault) {
        return fault.name().toLowerCase(Locale.ROOT);
    }

    private static FaultRequest faultRequest(RequestContext ctx, HttpRequest request) {
        String name = request.pathVariable("fault");
        Fault fault = Arrays.stream(Fault.values())
                .filter(f -> f.name().equalsIgnoreCase(name))
                .findFirst()
                .orElseThrow(() -> new BadRequestException("fault: " + name + " (expected: " + FAULT_NAMES + ")"));
        return new FaultRequest(request.pathVariable("instance"), fault);
    }

    private static FaultApplied apply(ConsoleModel model, FaultControl control, FaultRequest request) {
        boolean known = model.snapshot().services().stream()
                .flatMap(service -> service.instances().stream())
                .anyMatch(instance -> instance.address().equals(request.instance()));
        if (!known) {
            throw new NotFoundException("no instance " + request.instance());
        }
        control.apply(request.instance(), request.fault());
        return new FaultApplied(request.instance(), wireName(request.fault()));
    }

    /**
     * Browsers send {@code Origin} with every cross-origin POST, and no page can forge it; tools such as curl send
     * none, and may go ahead.
     */
    private static Endpoint<HttpRequest, HttpResponse> sameOriginOnly(Endpoint<HttpRequest, HttpResponse> next) {
        return (ctx, request) -> {
            Optional<String> origin = request.headers().first("origin");
            String host = request.headers().first("host").orElse("");
            if (origin.isPresent() && !origin.get().equals("http://" + host) && !origin.get().equals("https://" + host)) {
                return withHeaders(ErrorEncoder.body(403, "forbidden", "faults can only be changed from the console's own page"),
                        API_HEADERS);
            }
            return next.call(ctx, request);
        };
    }

    /** A JSON API route; its errors too are JSON ({@link ErrorEncoder#json()}), and no answer is cached. */
    private static <Req, Res> Endpoint<HttpRequest, HttpResponse> api(RequestDecoder<Req> decoder, Endpoint<Req, Res> endpoint) {
        return HttpServerTransport.builder(decoder, endpoint, Json.encoder())
                .after((ctx, response) -> withHeaders(response, API_HEADERS))
                .build();
    }

    // the JSON forms: flat, with instants as ISO-8601 text, so that the page needs no date library
    record SnapshotJson(String at, boolean faultsEnabled, List<ServiceJson> services, List<ErrorJson> recentErrors) {}

    record ServiceJson(String name, String balancer, String retry, List<InstanceJson> instances) {}

    record InstanceJson(String address, String health, String breaker, double requestsPerSecond, double p99Millis,
                        long requests, long errors, List<Double> requestsPerSecondLastMinute,
                        List<Double> p99MillisLastMinute, String fault) {}

    record ErrorJson(String at, String service, String instance, String kind, String message) {}

    static SnapshotJson present(ConsoleModel model) {
        ConsoleModel.Snapshot snapshot = model.snapshot();
        Optional<FaultControl> control = model.faults();
        Map<String, Fault> active = control.map(FaultControl::active).orElse(Map.of());
        return new SnapshotJson(snapshot.at().toString(), control.isPresent(),
                snapshot.services().stream().map(service -> new ServiceJson(service.name(), service.balancer(),
                        service.retry(), service.instances().stream().map(i -> new InstanceJson(i.address(),
                                i.health(), i.breaker(), i.requestsPerSecond(), i.p99Millis(), i.requests(), i.errors(),
                                i.requestsPerSecondLastMinute(), i.p99MillisLastMinute(),
                                wireName(active.getOrDefault(i.address(), Fault.NONE)))).toList())).toList(),
                snapshot.recentErrors().stream().map(e -> new ErrorJson(e.at().toString(), e.service(), e.instance(),
                        e.kind(), e.message())).toList());
    }

    /** A static file from {@link #RESOURCES}, read once: a missing one fails here, at wiring time, not on a request. */
    private static Endpoint<HttpRequest, HttpResponse> asset(String name, String contentType) {
        byte[] body;
        try (InputStream in = Console.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("missing class path resource " + RESOURCES + name);
            }
            body = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCES + name, e);
        }
        Headers headers = Headers.of("content-type", contentType, "cache-control", "no-cache",
                "x-content-type-options", "nosniff", "content-security-policy", CONTENT_SECURITY_POLICY,
                "referrer-policy", "no-referrer");
        HttpResponse response = new HttpResponse(200, headers, body);
        return Endpoint.named("console:" + name, (ctx, request) -> response);
    }

    private static HttpResponse withHeaders(HttpResponse response, Headers extra) {
        Headers.Builder headers = response.headers().toBuilder();
        extra.forEach(headers::set);
        return new HttpResponse(response.status(), headers.build(), response.body());
    }
}
