package io.javakit.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.RequestContext;
import io.javakit.sd.Instance;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

class MainTest {

    /** The gateway command as picocli fills it from {@code args}, without running it. */
    private static Main.GatewayCommand gateway(String... args) {
        CommandLine cli = new CommandLine(new Main());
        CommandLine.ParseResult parsed = cli.parseArgs(args);
        return (Main.GatewayCommand) parsed.subcommand().commandSpec().userObject();
    }

    @Test
    void resilienceFlagsBecomeTheGatewaysSettings() {
        Gateway.Resilience resilience = gateway("gateway", "--deadline", "300", "--balancer", "users=round-robin",
                "--weight", "10.0.0.5:8080=3", "--max-attempts", "2", "--no-outlier-ejection", "--health-checks", "500",
                "--max-concurrent-requests", "64", "--max-concurrent-per-instance", "8").resilience();

        assertThat(resilience.deadline()).isEqualTo(Duration.ofMillis(300));
        assertThat(resilience.balancingOf("users")).isEqualTo(Gateway.Balancing.ROUND_ROBIN);
        assertThat(resilience.balancingOf("products")).isEqualTo(Gateway.Balancing.P2C);
        assertThat(resilience.weights()).isEqualTo(Map.of(new Instance("10.0.0.5", 8080), 3));
        assertThat(resilience.maxAttempts()).isEqualTo(2);
        assertThat(resilience.ejectOutliers()).isFalse();
        assertThat(resilience.healthChecks()).isEqualTo(Duration.ofMillis(500));
        assertThat(resilience.maxConcurrentRequests()).isEqualTo(64);
        assertThat(resilience.maxConcurrentPerInstance()).isEqualTo(8);
    }

    @Test
    void withoutResilienceFlagsTheGatewayRunsTheDefaults() {
        assertThat(gateway("gateway").resilience()).isEqualTo(Gateway.Resilience.defaults());
    }

    @Test
    void aBalancerForEveryServiceAppliesToBoth() {
        Gateway.Resilience resilience = gateway("gateway", "--balancer", "weighted-round-robin").resilience();

        assertThat(resilience.balancingOf("users")).isEqualTo(Gateway.Balancing.WEIGHTED_ROUND_ROBIN);
        assertThat(resilience.balancingOf("products")).isEqualTo(Gateway.Balancing.WEIGHTED_ROUND_ROBIN);
    }

    @Test
    void badResilienceFlagsAreRefusedNamingTheFlag() {
        assertThatThrownBy(() -> gateway("gateway", "--balancer", "fastest").resilience())
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--balancer: 'fastest'");
        assertThatThrownBy(() -> gateway("gateway", "--balancer", "orders=p2c").resilience())
                .hasMessageContaining("unknown service 'orders'");
        assertThatThrownBy(() -> gateway("gateway", "--weight", "10.0.0.5:8080=heavy").resilience())
                .hasMessageContaining("--weight: '10.0.0.5:8080=heavy'");
        assertThatThrownBy(() -> gateway("gateway", "--weight", "10.0.0.5:8080=-1").resilience())
                .hasMessageContaining("--weight");
        assertThatThrownBy(() -> gateway("gateway", "--deadline", "0").resilience())
                .hasMessageContaining("--deadline");
        assertThatThrownBy(() -> gateway("gateway", "--max-concurrent-requests", "0").resilience())
                .hasMessageContaining("--max-concurrent-requests");
    }

    @Test
    @Timeout(10)
    void theAdminPortServesMetricsAndHealthFromTheGatewayAndEverythingElseFromTheConsole() throws Exception {
        Endpoint<HttpRequest, HttpResponse> admin = Main.GatewayOptions.admin(
                (ctx, req) -> HttpResponse.json(200, "operations".getBytes(StandardCharsets.UTF_8)),
                (ctx, req) -> HttpResponse.json(200, "console".getBytes(StandardCharsets.UTF_8)));

        for (String path : new String[] {"/metrics", "/health/ready", "/health/live"}) {
            assertThat(admin.call(RequestContext.background(), HttpRequest.of("GET", path)).bodyText()).as(path).isEqualTo("operations");
        }
        for (String path : new String[] {"/console/", "/", "/healthz", "/metricsz"}) {
            assertThat(admin.call(RequestContext.background(), HttpRequest.of("GET", path)).bodyText()).as(path).isEqualTo("console");
        }
    }
}
