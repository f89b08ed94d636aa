package io.javakit.example;

import io.javakit.metrics.Metrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Optional;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.javakit.transport.http.HttpServer;
import io.javakit.transport.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real thing: Debian's Prometheus scrapes the gateway's admin port, and its own query API must return our
 * request counter and breaker state. This is also the scrape configuration to copy (see docs/observability.md).
 */
class PrometheusScrapeTest {
    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void prometheusScrapesOurRequestCounterAndBreakerState() throws Exception {
        assertThat(PROMETHEUS).as("Prometheus is needed for this test: apt-get install prometheus").isExecutable();
        PrometheusMeterRegistry registry = Metrics.prometheus();
        try (SeedSystem system = new SeedSystem()) {
          system.restartGateway(SeedSystem.fixed(system.users), SeedSystem.fixed(system.products), SeedSystem.defaults(), registry);
          try (HttpServer admin = HttpServer.builder(Main.GatewayOptions.admin(system.gateway, registry, Optional.empty())).host("127.0.0.1").start()) {
            int prometheusPort = SeedSystem.freePort();
            Files.writeString(dir.resolve("prometheus.yml"), """
                    global:
                      scrape_interval: 1s
                    scrape_configs:
                      - job_name: javakit-gateway
                        metrics_path: /metrics
                        static_configs:
                          - targets: ['127.0.0.1:%d']
                    """.formatted(admin.port()));
            Process prometheus = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + prometheusPort)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            try {
                for (int i = 0; i < 20; i++) {
                    assertThat(system.get("/users/user1").statusCode()).isEqualTo(200);
                }
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    JsonNode requests = query(prometheusPort, "sum(javakit_requests_total{service=\"users\",outcome=\"success\"})");
                    assertThat(requests.path(0).path("value").path(1).asDouble()).isGreaterThanOrEqualTo(20);
                    JsonNode breakers = query(prometheusPort, "javakit_breaker_state");
                    assertThat(breakers.size()).as("one breaker state per instance the gateway called").isPositive();
                    assertThat(breakers.path(0).path("value").path(1).asText()).isEqualTo("0");
                });
            } finally {
                prometheus.destroy();
                prometheus.waitFor();
            }
        }
          }
    }

    /** The {@code data.result} of an instant query through Prometheus's HTTP API. */
    private JsonNode query(int port, String promql) throws IOException, InterruptedException {
        String url = "http://127.0.0.1:" + port + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8);
        String body = http.send(HttpRequest.newBuilder(URI.create(url)).build(), BodyHandlers.ofString()).body();
        return Json.mapper().readTree(body).path("data").path("result");
    }
}
