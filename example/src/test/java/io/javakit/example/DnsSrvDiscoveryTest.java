package io.javakit.example;

import io.javakit.sd.ServiceRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.javakit.example.SeedSystem.Backend;
import io.javakit.example.products.ProductService;
import io.javakit.example.users.UserService;
import io.javakit.sd.dns.Dnsmasq;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway on DNS SRV records served by a real dnsmasq: records are the platform's to manage, so the test
 * changes them in dnsmasq, as a platform would, instead of having instances register.
 */
class DnsSrvDiscoveryTest {
    private static final int TTL_SECONDS = 1;
    private final List<Backend> users = new ArrayList<>();
    private Backend products;
    private Dnsmasq dns;
    private ServiceRegistry registry;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        for (int i = 0; i < 3; i++) {
            users.add(new Backend(Backends.users(UserService.inMemory(), "user-" + i, true, () -> true)));
        }
        products = new Backend(Backends.products(ProductService.inMemory(), "product", true, () -> true));
        dns = Dnsmasq.start(TTL_SECONDS, records(2));
        registry = ServiceRegistry.connect("dns-srv://example.internal?resolver=" + dns.address());
        gateway = new Gateway(registry.instancer("users"), registry.instancer("products"), SeedSystem.unlimited(), new SimpleMeterRegistry(),
                "127.0.0.1", 0);
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        registry.close();
        dns.close();
        users.forEach(Backend::close);
        products.close();
    }

    /** SRV records for the first {@code userCount} user backends and the product backend, all on 127.0.0.1. */
    private String[] records(int userCount) {
        List<String> lines = new ArrayList<>(List.of("host-record=backends.example.internal,127.0.0.1",
                "srv-host=_products._tcp.example.internal,backends.example.internal," + products.port));
        for (int i = 0; i < userCount; i++) {
            lines.add("srv-host=_users._tcp.example.internal,backends.example.internal," + users.get(i).port);
        }
        return lines.toArray(String[]::new);
    }

    @Test
    void balancesOverTheInstancesTheSrvRecordsName() throws Exception {
        await().atMost(Duration.ofSeconds(5)).until(() -> SeedSystemViews.instances(gateway, "users").size() == 2);
        try (Load load = new Load(gateway.port())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> users.get(0).paths.size() > 20 && users.get(1).paths.size() > 20);
            assertThat(users.get(2).paths).isEmpty();
            assertThat(load.errors).isEmpty();
        }
    }

    @Test
    void ridesOutAResolverOutageAndPicksUpANewRecordAfterIt() throws Exception {
        await().atMost(Duration.ofSeconds(5)).until(() -> SeedSystemViews.instances(gateway, "users").size() == 2);
        try (Load load = new Load(gateway.port())) {
            dns.stop();
            int servedBefore = users.get(0).paths.size() + users.get(1).paths.size();
            Thread.sleep(10_000);
            // the known set as a whole: how P2C spreads the calls over its two instances is not this test's business
            assertThat(users.get(0).paths.size() + users.get(1).paths.size()).as("kept serving the last known set")
                    .isGreaterThan(servedBefore + 100);

            dns.reconfigure(records(3));
            await().atMost(Duration.ofSeconds(30)).until(() -> !users.get(2).paths.isEmpty());
            assertThat(load.errors).isEmpty();
        }
    }
}
