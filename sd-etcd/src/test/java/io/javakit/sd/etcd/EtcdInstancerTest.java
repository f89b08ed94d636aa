package io.javakit.sd.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.etcd.jetcd.KV;
import io.javakit.sd.Instance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EtcdInstancerTest {
    private static final Duration WITHIN_A_SECOND = Duration.ofSeconds(1);

    @RegisterExtension
    static final EtcdExtension etcd = new EtcdExtension();

    @Test
    void picksUpANewRegistrationWithinASecond() {
        Events events = new Events();
        try (EtcdInstancer instancer = EtcdInstancer.create(etcd.client(), "pickup");
             EtcdRegistrar registrar = new EtcdRegistrar(etcd.client(), "pickup", Instance.parse("127.0.0.1:8081"))) {
            instancer.subscribe(events);
            assertThat(events.latestAddresses()).isEmpty();

            registrar.register();

            await().atMost(WITHIN_A_SECOND).until(events::latestAddresses, List.of("127.0.0.1:8081")::equals);
        }
    }

    @Test
    void dropsADeregisteredInstanceWithinASecond() {
        Events events = new Events();
        try (EtcdRegistrar first = new EtcdRegistrar(etcd.client(), "leaving", Instance.parse("127.0.0.1:8081"));
             EtcdRegistrar second = new EtcdRegistrar(etcd.client(), "leaving", Instance.parse("127.0.0.1:8082"))) {
            first.register();
            second.register();
            try (EtcdInstancer instancer = EtcdInstancer.create(etcd.client(), "leaving")) {
                instancer.subscribe(events);
                // create() returns after its first read, so a new subscriber sees the registry at once.
                assertThat(events.latestAddresses()).containsExactly("127.0.0.1:8081", "127.0.0.1:8082");

                first.deregister();

                await().atMost(WITHIN_A_SECOND).until(events::latestAddresses, List.of("127.0.0.1:8082")::equals);
            }
        }
    }

    @Test
    void skipsBadRegistrationsAndPublishesTheGoodOnes() throws Exception {
        KV kv = etcd.client().getKVClient();
        String prefix = "/javakit/services/messy/";
        put(kv, prefix + "good", "{\"host\":\"10.0.0.1\",\"port\":80}");
        put(kv, prefix + "garbage", "not json at all");
        put(kv, prefix + "no-port", "{\"host\":\"10.0.0.2\"}");
        put(kv, prefix + "port-zero", "{\"host\":\"10.0.0.3\",\"port\":0}");
        put(kv, prefix + "text-port", "{\"host\":\"10.0.0.4\",\"port\":\"80\"}");
        put(kv, prefix + "same-as-good", "{\"host\":\"10.0.0.1\",\"port\":80}");
        Events events = new Events();
        try (LogCapture logs = new LogCapture(EtcdInstancer.class, Level.INFO);
             EtcdInstancer instancer = EtcdInstancer.create(etcd.client(), "messy")) {
            instancer.subscribe(events);

            assertThat(events.latestAddresses()).containsExactly("10.0.0.1:80");
            assertThat(logs.count(Level.WARN, "skipping a bad etcd registration")).isEqualTo(4);
            assertThat(logs.count(Level.WARN, "two etcd registrations announce the same instance; listing it once"))
                    .isEqualTo(1);

            // The same holds for what arrives through the watch.
            put(kv, prefix + "later-garbage", "{\"host\":");
            put(kv, prefix + "later-good", "{\"host\":\"10.0.0.9\",\"port\":9090}");
            await().atMost(WITHIN_A_SECOND).until(events::latestAddresses, List.of("10.0.0.1:80", "10.0.0.9:9090")::equals);
            assertThat(logs.count(Level.WARN, "skipping a bad etcd registration")).isEqualTo(5);
            assertThat(events.all()).allSatisfy(event -> assertThat(event.error()).isNull());
        }
    }

    @Test
    void publishesAnEmptySetForAServiceWithNoInstances() {
        Events events = new Events();
        // A service whose name starts with the watched one must not leak into it.
        try (EtcdRegistrar sibling = new EtcdRegistrar(etcd.client(), "empty-admin", Instance.parse("127.0.0.1:9000"));
             EtcdRegistrar later = new EtcdRegistrar(etcd.client(), "empty", Instance.parse("127.0.0.1:9001"))) {
            sibling.register();
            try (EtcdInstancer instancer = EtcdInstancer.create(etcd.client(), "empty")) {
                instancer.subscribe(events);
                assertThat(events.latest().error()).isNull();
                assertThat(events.latest().instances()).isEmpty();

                later.register();
                await().atMost(WITHIN_A_SECOND).until(events::latestAddresses, List.of("127.0.0.1:9001")::equals);
                later.deregister();
                await().atMost(WITHIN_A_SECOND).until(events::latestAddresses, List::isEmpty);
            }
        }
    }

    @Test
    void missesNothingWrittenWhileItStarts() throws Exception {
        KV kv = etcd.client().getKVClient();
        int writes = 300;
        Events events = new Events();
        List<CompletableFuture<?>> puts = new ArrayList<>();
        Thread writer = Thread.ofVirtual().start(() -> IntStream.range(0, writes).forEach(i -> puts.add(kv.put(
                EtcdKeys.bytes("/javakit/services/busy/" + i),
                EtcdKeys.bytes("{\"host\":\"10.1.0.1\",\"port\":" + (10000 + i) + "}")))));
        try (EtcdInstancer instancer = EtcdInstancer.create(etcd.client(), "busy")) {
            instancer.subscribe(events);
            writer.join();
            CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get();

            await().atMost(WITHIN_A_SECOND).until(() -> events.latest().instances().size() == writes);
        }
    }

    private static void put(KV kv, String key, String value) throws Exception {
        kv.put(EtcdKeys.bytes(key), EtcdKeys.bytes(value)).get();
    }
}
