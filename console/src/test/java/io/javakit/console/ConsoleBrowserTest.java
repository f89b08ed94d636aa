package io.javakit.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.javakit.transport.http.HttpServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The console in a real browser: a real {@link HttpServer} serves {@link Console#handler} over a {@link FakeModel},
 * and {@code src/test/browser/console.test.mjs} drives headless Chromium through playwright-core against it. It loads
 * the page, finds six instances, presses Stop on one, watches its breaker open and its traffic move to the others,
 * saves a screenshot to {@code target/surefire-reports/console.png}, and restores it from the keyboard.
 *
 * <p>Needs {@code node} (>= 20) and Chromium ({@code /usr/bin/chromium}, or the path in {@code CHROMIUM}); it fails,
 * rather than skips, when either is missing, so that a machine without them cannot pass for a green run. It runs
 * {@code npm ci} first when {@code node_modules} is missing, which needs the npm registry once.
 */
class ConsoleBrowserTest {
    private static final Path MODULE = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final Path BROWSER_TESTS = MODULE.resolve("src/test/browser");
    private static final Path SCREENSHOT = MODULE.resolve("target/surefire-reports/console.png");
    private static final long NPM_TIMEOUT_SECONDS = 120;
    private static final long SCRIPT_TIMEOUT_SECONDS = 60;

    @Test
    void stoppingAnInstanceOpensItsBreakerAndMovesItsTrafficInTheBrowser() throws Exception {
        String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
        if (!Files.isExecutable(Path.of(chromium))) {
            fail("no Chromium at " + chromium + ": install Debian's chromium (apt-get install chromium) or set CHROMIUM");
        }
        Result version = run(List.of("node", "--version"), MODULE, 10);
        assertThat(version.exitCode()).as("node --version: %s", version.output()).isZero();
        if (!Files.isDirectory(BROWSER_TESTS.resolve("node_modules/playwright-core"))) {
            Result npm = run(List.of("npm", "ci", "--no-audit", "--no-fund"), BROWSER_TESTS, NPM_TIMEOUT_SECONDS);
            assertThat(npm.exitCode()).as("npm ci in %s (needs the npm registry once):%n%s", BROWSER_TESTS, npm.output()).isZero();
        }
        Files.createDirectories(SCREENSHOT.getParent());
        Files.deleteIfExists(SCREENSHOT);

        try (HttpServer server = HttpServer.builder(Console.handler(new FakeModel(Clock.systemUTC())))
                .host("127.0.0.1").port(0).start()) {
            String url = "http://127.0.0.1:" + server.port() + "/";
            Result script = run(List.of("node", "console.test.mjs", url, SCREENSHOT.toString()), BROWSER_TESTS, SCRIPT_TIMEOUT_SECONDS);
            System.out.println(script.output()); // lands in the test report, next to the screenshot

            assertThat(script.exitCode()).as("console.test.mjs:%n%s", script.output()).isZero();
            assertThat(script.output()).contains("ok - sees six instances: 3 users, 3 products", "PASS console.test.mjs");
        }
        assertThat(SCREENSHOT).isNotEmptyFile();
        byte[] png = Files.readAllBytes(SCREENSHOT);
        assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).as("screenshot format").isEqualTo("PNG");
    }

    private record Result(int exitCode, String output) {}

    /** Runs a command to completion, stdout and stderr merged; a command that overruns is killed with its children. */
    private static Result run(List<String> command, Path directory, long timeoutSeconds) throws InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            return fail("cannot run " + command.get(0) + " (is it installed and on the PATH?): " + e.getMessage(), e);
        }
        // read on another thread, so that a chatty process cannot block on a full pipe while we wait for it
        StringBuilder output = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                output.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                output.append("(output unreadable: ").append(e.getMessage()).append(')');
            }
        });
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
            reader.join(TimeUnit.SECONDS.toMillis(5));
            return fail(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s; output:\n" + output);
        }
        reader.join();
        return new Result(process.exitValue(), output.toString());
    }
}
