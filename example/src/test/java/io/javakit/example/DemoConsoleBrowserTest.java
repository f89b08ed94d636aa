package io.javakit.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.javakit.console.BrowserScripts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The live console of the real demo, in headless Chromium: {@code javakit demo} runs as its own process (gateway,
 * six instances, the demo's faults), a steady load goes to /users, and {@code console/src/test/browser/demo.test.mjs}
 * presses Stop on one user instance and watches its real breaker open and its real traffic move to the other two.
 * The screenshot lands in {@code target/surefire-reports/console-demo.png}.
 */
class DemoConsoleBrowserTest {
    private static final Path MODULE = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final Path BROWSER_TESTS = MODULE.resolveSibling("console").resolve("src/test/browser");
    private static final Path SCREENSHOT = MODULE.resolve("target/surefire-reports/console-demo.png");

    @Test
    void stoppingAnInstanceInTheConsoleOpensItsBreakerAndMovesItsTraffic() throws Exception {
        int gatewayPort = SeedSystem.freePort();
        int adminPort = SeedSystem.freePort();
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ports.add(SeedSystem.freePort());
        }
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        if (Runtime.version().feature() >= 24) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.add("-Dlogback.configurationFile=" + getClass().getResource("/logback.xml"));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.javakit.example.Main", "demo", "--quiet",
                "--host", "127.0.0.1", "--port", String.valueOf(gatewayPort), "--admin-port", String.valueOf(adminPort),
                "--user-ports", ports.get(0) + "," + ports.get(1) + "," + ports.get(2),
                "--product-ports", ports.get(3) + "," + ports.get(4) + "," + ports.get(5),
                // to watch the breaker trip: P2C and outlier ejection (the defaults) steer around a stopped instance first
                "--balancer", "users=round-robin", "--no-outlier-ejection"));
        Path log = Files.createTempFile("javakit-demo", ".log");
        Process demo = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + adminPort + "/health/ready")).build(), BodyHandlers.discarding()).statusCode() == 200);
            Files.createDirectories(SCREENSHOT.getParent());
            Files.deleteIfExists(SCREENSHOT);

            try (Load load = new Load(gatewayPort)) {
                BrowserScripts.Result script = BrowserScripts.run(BROWSER_TESTS, "demo.test.mjs",
                        "http://127.0.0.1:" + adminPort + "/console/", SCREENSHOT.toString(), "localhost:" + ports.get(1));
                System.out.println(script.output());

                assertThat(script.exitCode()).as("demo.test.mjs:%n%s%ndemo log:%n%s", script.output(), Files.readString(log)).isZero();
                assertThat(script.output()).contains("PASS demo.test.mjs");
                assertThat(load.errors).as("retry hid the stopped instance from every client").isEmpty();
            }
            assertThat(SCREENSHOT).isNotEmptyFile();
        } finally {
            demo.destroy();
            demo.waitFor();
            Files.deleteIfExists(log);
        }
    }
}
