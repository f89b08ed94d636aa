package io.javakit.example;

import io.javakit.console.LocalFaults;
import io.javakit.console.UpstreamConsole;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.javakit.console.Console;
import io.javakit.console.ConsoleModel.Fault;
import io.javakit.console.ConsoleModel.InstanceView;
import io.javakit.console.ConsoleModel.Snapshot;
import io.javakit.endpoint.RequestContext;
import io.javakit.example.products.ProductService;
import io.javakit.example.users.UserService;
import io.javakit.resilience.CircuitBreakers;
import io.javakit.sd.FixedInstancer;
import io.javakit.sd.Instance;
import io.javakit.transport.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The console's model on a running gateway and the demo's faults: what the page shows is what happens. */
class GatewayConsoleTest {

    private static InstanceView view(Snapshot snapshot, String address) {
        return snapshot.services().stream().flatMap(s -> s.instances().stream())
                .filter(i -> i.address().equals(address)).findFirst().orElseThrow();
    }

    @Test
    void aStoppedInstanceShowsItsBreakerOpenAndItsTrafficMovesToTheOthers() throws Exception {
        List<Instance> users = new ArrayList<>();
        List<Instance> products = new ArrayList<>();
        try (LocalFaults faults = new LocalFaults()) {
            for (int i = 0; i < 3; i++) {
                Instance user = new Instance("127.0.0.1", SeedSystem.freePort());
                faults.start(user.address(), Backends.users(UserService.inMemory(), user.address(), true, () -> true), h -> Backends.start(h, "127.0.0.1", user.port()));
                users.add(user);
                Instance product = new Instance("127.0.0.1", SeedSystem.freePort());
                faults.start(product.address(), Backends.products(ProductService.inMemory(), product.address(), true, () -> true), h -> Backends.start(h, "127.0.0.1", product.port()));
                products.add(product);
            }
            // P2C and ejection would steer around the stopped instance before its breaker trips
            Gateway.Settings settings = SeedSystem.tuned(SeedSystem.ROUND_ROBIN.andThen((service, b) -> b.noOutlierEjection().rateLimit(0, Duration.ZERO)
                    .breaker(CircuitBreakers.consecutiveFailures(CircuitBreakers.DEFAULT_CONSECUTIVE_FAILURES, Duration.ofSeconds(1)))));
            try (Gateway gateway = new Gateway(new FixedInstancer(users), new FixedInstancer(products), settings, new SimpleMeterRegistry(),
                    "127.0.0.1", 0);
                 Load load = new Load(gateway.port())) {
                UpstreamConsole console = UpstreamConsole.of(gateway.upstreams()).withFaults(faults);
                String stopped = users.getFirst().address();
                console.snapshot();
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300))
                        .until(() -> view(console.snapshot(), stopped).requestsPerSecond() > 0);

                console.faults().orElseThrow().apply(stopped, Fault.STOP);
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
                    Snapshot snapshot = console.snapshot();
                    assertThat(view(snapshot, stopped).breaker()).isEqualTo(InstanceView.OPEN);
                    assertThat(view(snapshot, stopped).health()).isEqualTo(InstanceView.DOWN);
                    assertThat(view(snapshot, stopped).requestsPerSecond()).as("at most the breaker's one trial a second").isLessThanOrEqualTo(1.0);
                    assertThat(view(snapshot, users.get(1).address()).requestsPerSecond()).isPositive();
                    assertThat(snapshot.recentErrors()).anySatisfy(e -> assertThat(e.instance()).isEqualTo(stopped));
                });
                assertThat(console.faults().orElseThrow().active()).containsEntry(stopped, Fault.STOP);
                assertThat(load.errors).as("retry hides the stopped instance from clients").isEmpty();

                String json = Console.handler(console).call(RequestContext.background(), HttpRequest.of("GET", "/api/snapshot")).bodyText();
                assertThat(json).contains(stopped).contains("\"open\"");

                console.faults().orElseThrow().apply(stopped, Fault.NONE);
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300)).until(() -> {
                    InstanceView back = view(console.snapshot(), stopped);
                    return back.breaker().equals(InstanceView.CLOSED) && back.requestsPerSecond() > 0;
                });
                assertThat(load.errors).isEmpty();
            }
        }
    }
}
