package io.javakit.sd.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.javakit.sd.Instance;
import io.javakit.sd.InstanceEvent;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The registrar and instancer against a <b>real</b> Consul agent, which every other test replaces by
 * {@link ConsulStandIn}. Opt-in: it runs only when {@code CONSUL_HTTP_ADDR} is set (Consul's own variable, e.g.
 * {@code 127.0.0.1:8500}), and sends {@code CONSUL_HTTP_TOKEN} if that is set too. <b>It does not run in our CI</b>,
 * where no Consul binary or container can run; to run it, start an agent yourself, for example
 * {@code consul agent -dev}, then
 * {@code CONSUL_HTTP_ADDR=127.0.0.1:8500 ./mvnw -pl sd-consul test -Dtest=ConsulRealAgentTest}.
 *
 * <p>It registers a uniquely named service (on a TEST-NET address nothing answers on), sees it through the
 * instancer, deregisters it and sees it go.
 */
@EnabledIfEnvironmentVariable(named = "CONSUL_HTTP_ADDR", matches = ".+")
class ConsulRealAgentTest {

    @Test
    void aRegisteredInstanceIsSeenAndADeregisteredOneGoes() {
        String service = "javakit-test-" + UUID.randomUUID().toString().substring(0, 8);
        Instance instance = Instance.parse("192.0.2.10:8080");
        AtomicReference<InstanceEvent> last = new AtomicReference<>();
        try (ConsulClient client = ConsulClient.fromEnvironment();
             ConsulInstancer instancer = ConsulInstancer.builder(client, service).wait(Duration.ofSeconds(5)).build()) {
            instancer.subscribe(last::set);
            assertThat(last.get().error()).isNull();
            assertThat(last.get().instances()).isEmpty();

            ConsulRegistrar registrar = new ConsulRegistrar(client, service, instance, Duration.ofSeconds(5));
            try {
                registrar.register();
                // A real agent syncs to the catalog shortly after registering; allow for that.
                await().atMost(Duration.ofSeconds(5)).until(() -> last.get().instances().contains(instance));
            } finally {
                registrar.deregister();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> last.get().instances().isEmpty());
        }
    }
}
