package io.javakit.sd.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.etcd.jetcd.Client;
import io.javakit.sd.Instance;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What instancers do while etcd is gone for longer than a blip, on an etcd of their own. */
class EtcdOutageTest {
    private static final Duration OUTAGE = Duration.ofSeconds(10);

    private EtcdServer etcd;

    @BeforeEach
    void startEtcd() throws Exception {
        etcd = EtcdServer.launch();
    }

    @AfterEach
    void stopEtcd() throws Exception {
        etcd.close();
    }

    @Test
    void publishesAFailureWithoutSpinningAndResyncsOnceEtcdIsBack() throws Exception {
        Events events = new Events();
        Events impatientEvents = new Events();
        try (LogCapture logs = new LogCapture(EtcdInstancer.class, Level.DEBUG);
             Client watching = Client.builder().endpoints(etcd.endpoint()).build();
             // Fails every call at once while etcd is away (no waiting for a connection, no retries of its own),
             // so only the instancer's backoff stands between an outage and a busy loop.
             Client impatient = Client.builder().endpoints(etcd.endpoint()).waitForReady(false).retryMaxAttempts(0).build();
             Client registering = Client.builder().endpoints(etcd.endpoint()).build();
             EtcdRegistrar before = new EtcdRegistrar(registering, "outage", Instance.parse("127.0.0.1:7001"));
             EtcdInstancer instancer = EtcdInstancer.create(watching, "outage");
             EtcdInstancer impatientInstancer = EtcdInstancer.create(impatient, "outage-fail-fast")) {
            instancer.subscribe(events);
            impatientInstancer.subscribe(impatientEvents);
            before.register();
            await().atMost(Duration.ofSeconds(1)).until(events::latestAddresses, List.of("127.0.0.1:7001")::equals);

            etcd.stop();
            long stopped = System.nanoTime();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> events.latest().error() != null && impatientEvents.latest().error() != null);
            // Nothing but the failure while etcd is away: the endpointer keeps the last good set meanwhile.
            Duration rest = OUTAGE.minusNanos(System.nanoTime() - stopped);
            await().during(rest).atMost(rest.plusSeconds(1)).until(() -> events.latest().error() != null);
            assertThat(logs.count(Level.DEBUG, "retrying etcd", "outage-fail-fast"))
                    .as("attempts to reach etcd during a %s outage", OUTAGE).isBetween(3L, 20L);

            etcd.start();
            // Changes made after the restart, before the instancer is back on its feet, must be picked up.
            try (Client admin = Client.builder().endpoints(etcd.endpoint()).build();
                 EtcdRegistrar after = new EtcdRegistrar(admin, "outage", Instance.parse("127.0.0.1:7002"))) {
                after.register();
                admin.getKVClient().delete(EtcdKeys.key("outage", Instance.parse("127.0.0.1:7001"))).get();

                await().atMost(Duration.ofSeconds(25)).until(events::latestAddresses, List.of("127.0.0.1:7002")::equals);
            }
            assertThat(logs.count(Level.WARN, "etcd unreachable; keeping the last known instances and backing off", "outage"))
                    .isEqualTo(1);
            assertThat(logs.count(Level.INFO, "etcd reachable again; resynced", "outage")).isEqualTo(1);
        }
    }
}
