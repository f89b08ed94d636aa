package io.javakit.example;

import io.javakit.sd.FixedInstancer;
import io.javakit.upstream.Upstream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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

    /** The upstream {@code service} as the gateway would build it with {@code settings}, over one fake instance. */
    private static Upstream<String, String> upstream(Gateway.Settings settings, String service) {
        Upstream.Builder<String, String> builder = Upstream.<String, String>builder(service, FixedInstancer.of("10.0.0.5:8080"),
                instance -> (ctx, request) -> request).meterRegistry(new SimpleMeterRegistry());
        settings.tuning().accept(service, builder);
        return builder.build();
    }

    @Test
    void resilienceFlagsBecomeTheGatewaysSettings() {
        Gateway.Settings settings = gateway("gateway", "--deadline", "300", "--balancer", "users=round-robin",
                "--weight", "10.0.0.5:8080=3", "--max-attempts", "2", "--no-outlier-ejection", "--health-checks", "500",
                "--max-concurrent-requests", "64", "--max-concurrent-per-instance", "8", "--rate-limit", "50").settings();

        assertThat(settings.deadline()).isEqualTo(Duration.ofMillis(300));
        assertThat(settings.healthChecks()).isEqualTo(Duration.ofMillis(500));
        assertThat(settings.maxConcurrentRequests()).isEqualTo(64);
        try (Upstream<String, String> users = upstream(settings, "users"); Upstream<String, String> products = upstream(settings, "products")) {
            assertThat(users.view().balancer()).isEqualTo("round-robin");
            assertThat(products.view().balancer()).isEqualTo("p2c");
            assertThat(users.view().retry()).startsWith("2 attempts");
            assertThat(users.toString()).contains("bound(8 in flight)").contains("rate-limit(50/s)").contains("at most 0 %");
        }
    }

    @Test
    void withoutResilienceFlagsTheGatewayRunsTheDefaults() {
        Gateway.Settings settings = gateway("gateway").settings();
        assertThat(settings.deadline()).isEqualTo(Duration.ofSeconds(1));
        assertThat(settings.maxConcurrentRequests()).isEqualTo(1000);
        assertThat(settings.healthChecks()).isZero();
        try (Upstream<String, String> users = upstream(settings, "users")) {
            assertThat(users.view().balancer()).isEqualTo("p2c");
            assertThat(users.toString()).contains("bound(256 in flight)").contains("rate-limit(100/s)").contains("at most 50 %");
        }
    }

    @Test
    void aBalancerForEveryServiceAppliesToBoth() {
        Gateway.Settings settings = gateway("gateway", "--balancer", "weighted-round-robin").settings();
        try (Upstream<String, String> users = upstream(settings, "users"); Upstream<String, String> products = upstream(settings, "products")) {
            assertThat(users.view().balancer()).isEqualTo("weighted-round-robin");
            assertThat(products.view().balancer()).isEqualTo("weighted-round-robin");
        }
    }

    @Test
    void badResilienceFlagsAreRefusedNamingTheFlag() {
        assertThatThrownBy(() -> gateway("gateway", "--balancer", "fastest").settings())
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--balancer: balancing: 'fastest'");
        assertThatThrownBy(() -> gateway("gateway", "--balancer", "orders=p2c").settings())
                .hasMessageContaining("unknown service 'orders'");
        assertThatThrownBy(() -> gateway("gateway", "--weight", "10.0.0.5:8080=heavy").settings())
                .hasMessageContaining("--weight: '10.0.0.5:8080=heavy'");
        assertThatThrownBy(() -> gateway("gateway", "--weight", "10.0.0.5:8080=-1").settings())
                .hasMessageContaining("--weight");
        assertThatThrownBy(() -> gateway("gateway", "--deadline", "0").settings())
                .hasMessageContaining("--deadline");
        assertThatThrownBy(() -> gateway("gateway", "--max-concurrent-requests", "0").settings())
                .hasMessageContaining("--max-concurrent-requests");
    }
}
