package io.javakit.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.javakit.transport.http.HttpServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/**
 * The console in a real browser: a real {@link HttpServer} serves {@link Console#handler} over a {@link FakeModel},
 * and {@code src/test/browser/console.test.mjs} drives headless Chromium through playwright-core against it. It loads
 * the page, finds six instances, presses Stop on one, watches its breaker open and its traffic move to the others,
 * saves a screenshot to {@code target/surefire-reports/console.png}, and restores it from the keyboard.
 *
 * <p>Needs {@code node} (>= 20) and Chromium; see {@link BrowserScripts}.
 */
class ConsoleBrowserTest {
    private static final Path MODULE = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final Path BROWSER_TESTS = MODULE.resolve("src/test/browser");
    private static final Path SCREENSHOT = MODULE.resolve("target/surefire-reports/console.png");

    @Test
    void stoppingAnInstanceOpensItsBreakerAndMovesItsTrafficInTheBrowser() throws Exception {
        Files.createDirectories(SCREENSHOT.getParent());
        Files.deleteIfExists(SCREENSHOT);

        try (HttpServer server = HttpServer.builder(Console.handler(new FakeModel(Clock.systemUTC())))
                .host("127.0.0.1").port(0).start()) {
            String url = "http://127.0.0.1:" + server.port() + "/";
            BrowserScripts.Result script = BrowserScripts.run(BROWSER_TESTS, "console.test.mjs", url, SCREENSHOT.toString());
            System.out.println(script.output()); // lands in the test report, next to the screenshot

            assertThat(script.exitCode()).as("console.test.mjs:%n%s", script.output()).isZero();
            assertThat(script.output()).contains("ok - sees six instances: 3 users, 3 products", "PASS console.test.mjs");
        }
        assertThat(SCREENSHOT).isNotEmptyFile();
        byte[] png = Files.readAllBytes(SCREENSHOT);
        assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).as("screenshot format").isEqualTo("PNG");
    }
}
