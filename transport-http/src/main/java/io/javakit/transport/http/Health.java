package io.javakit.transport.http;

import io.javakit.endpoint.Endpoint;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The health routes every process serves, for orchestrators and load balancers: {@code GET /health/live} (the process
 * serves: 200) and {@code GET /health/ready} (200 while it wants traffic, else 503 {@code not_ready} saying why).
 * Mount it at {@link #PATH}.
 *
 * <pre>{@code
 * Router.builder().mount(Health.PATH, Health.routes(() -> lifecycle.isReady() ? Optional.empty() : Optional.of("deregistering")))
 * }</pre>
 */
public final class Health {
    /** Where {@link #routes} answers. */
    public static final String PATH = "/health";
    private static final byte[] LIVE = "{\"status\":\"live\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] READY = "{\"status\":\"ready\"}".getBytes(StandardCharsets.UTF_8);

    private Health() {}

    /** The health routes; {@code notReadyBecause} says why the process wants no traffic now, or nothing when it does. */
    public static Endpoint<HttpRequest, HttpResponse> routes(Supplier<Optional<String>> notReadyBecause) {
        Objects.requireNonNull(notReadyBecause, "notReadyBecause");
        return Router.builder()
                .get(PATH + "/live", (ctx, req) -> HttpResponse.json(200, LIVE))
                .get(PATH + "/ready", (ctx, req) -> notReadyBecause.get()
                        .map(reason -> ErrorEncoder.body(503, "not_ready", reason))
                        .orElseGet(() -> HttpResponse.json(200, READY)))
                .build();
    }
}
