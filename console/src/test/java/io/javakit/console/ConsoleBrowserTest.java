package io.javakit.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.javakit.endpoint.Endpoint;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.javakit.transport.http.HttpServer;
import io.javakit.transport.http.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The console in a real browser: a real {@link HttpServer} serves {@link Console#handler} over a {@link FakeModel},
 * and {@code src/test/browser/console.test.mjs} drives headless Chromium through playwright-core against it. It loads
 * the page, finds six instances, sees the balancer and retry policy the model names (and sees them change when the
 * model's change), sees each instance's sparklines drawn from the model's last minute and growing with it, presses
 * Stop on one, watches its breaker open and its traffic move to the others, saves a screenshot to
 * {@code target/surefire-reports/console.png}, and restores it from the keyboard.
 *
 * <p>Beside the console, the server has one route of the test's own, {@value #POLICY_ROUTE}: the script posts
 * {@code {"service":"users","balancer":"...","retry":"..."}} there to change what the model reports between polls.
 *
 * <p>Needs {@code node} (>= 20) and Chromium; see {@link BrowserScripts}.
 */
class ConsoleBrowserTest {
    private static final Path MODULE = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final Path BROWSER_TESTS = MODULE.resolve("src/test/browser");
    private static final Path SCREENSHOT = MODULE.resolve("target/surefire-reports/console.png");
    static final String POLICY_ROUTE = "/test/policy";

    @Test
    @Timeout(120)
    void stoppingAnInstanceOpensItsBreakerAndMovesItsTrafficInTheBrowser() throws Exception {
        Files.createDirectories(SCREENSHOT.getParent());
        Files.deleteIfExists(SCREENSHOT);

        FakeModel model = new FakeModel(Clock.systemUTC());
        try (HttpServer server = HttpServer.builder(withPolicyRoute(model, Console.handler(model)))
                .host("127.0.0.1").port(0).start()) {
            String url = "http://127.0.0.1:" + server.port() + "/";
            BrowserScripts.Result script = BrowserScripts.run(BROWSER_TESTS, "console.test.mjs", url, SCREENSHOT.toString());
            System.out.println(script.output()); // lands in the test report, next to the screenshot

            assertThat(script.exitCode()).as("console.test.mjs:%n%s", script.output()).isZero();
            assertThat(script.output()).contains("ok - sees six instances: 3 users, 3 products",
                    "ok - the gateway and each service show the model's balancer and retry policy",
                    "ok - a policy the model changes between polls changes on the page",
                    "ok - each instance draws the model's last minute as sparklines",
                    "PASS console.test.mjs");
        }
        assertThat(SCREENSHOT).isNotEmptyFile();
        byte[] png = Files.readAllBytes(SCREENSHOT);
        assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).as("screenshot format").isEqualTo("PNG");
    }

    /** The console, plus {@link #POLICY_ROUTE} that changes what {@code model} reports for a service. */
    private static Endpoint<HttpRequest, HttpResponse> withPolicyRoute(FakeModel model, Endpoint<HttpRequest, HttpResponse> console) {
        return (ctx, request) -> {
            if (!request.method().equals("POST") || !request.path().equals(POLICY_ROUTE)) {
                return console.call(ctx, request);
            }
            JsonNode policy = Json.mapper().readTree(request.body());
            model.policy(policy.get("service").asText(), policy.get("balancer").asText(), policy.get("retry").asText());
            return new HttpResponse(204, null, null);
        };
    }
}
