package io.javakit.sd.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.javakit.sd.Instance;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EtcdRegistrarTest {
    private static final Duration SHORT_TTL = Duration.ofSeconds(2);

    @RegisterExtension
    static final EtcdExtension etcd = new EtcdExtension();

    @Test
    void writesTheConventionalKeyAndPayloadUnderALease() throws Exception {
        try (EtcdRegistrar registrar = new EtcdRegistrar(etcd.client(), "users", Instance.parse("10.0.0.5:8080"))) {
            registrar.register();

            KeyValue kv = get("/javakit/services/users/users-10.0.0.5-8080");
            assertThat(kv.getValue().toString(StandardCharsets.UTF_8)).isEqualTo("{\"host\":\"10.0.0.5\",\"port\":8080}");
            assertThat(etcd.client().getLeaseClient().timeToLive(kv.getLease(), LeaseOption.DEFAULT).get().getGrantedTTL())
                    .isEqualTo(EtcdRegistrar.DEFAULT_TTL.toSeconds());
        }
    }

    @Test
    void keepsIpv6IdsToOnePathSegment() throws Exception {
        try (EtcdRegistrar registrar = new EtcdRegistrar(etcd.client(), "users", Instance.parse("[::1]:8080"))) {
            registrar.register();

            assertThat(get("/javakit/services/users/users-__1-8080").getValue().toString(StandardCharsets.UTF_8))
                    .isEqualTo("{\"host\":\"::1\",\"port\":8080}");
        }
    }

    @Test
    void deregisterDeletesTheKeyAtOnce() throws Exception {
        EtcdRegistrar registrar = new EtcdRegistrar(etcd.client(), "going", Instance.parse("10.0.0.5:8080"));
        registrar.register();
        assertThat(count("/javakit/services/going/")).isEqualTo(1);

        registrar.deregister();

        assertThat(count("/javakit/services/going/")).isZero();
        registrar.deregister(); // a second call is harmless
    }

    @Test
    @SuppressWarnings("try") // the doomed client is closed mid-test on purpose, and again (harmlessly) at the end
    void staysPastItsTtlWhileAliveAndDropsOutAfterItWhenItsProcessDies() throws Exception {
        Events events = new Events();
        try (Client doomedClient = Client.builder().endpoints(etcd.endpoint()).build();
             EtcdRegistrar alive = new EtcdRegistrar(etcd.client(), "mortal", Instance.parse("127.0.0.1:8001"), SHORT_TTL);
             EtcdRegistrar doomed = new EtcdRegistrar(doomedClient, "mortal", Instance.parse("127.0.0.1:8002"), SHORT_TTL);
             EtcdInstancer instancer = EtcdInstancer.create(etcd.client(), "mortal")) {
            instancer.subscribe(events);
            long registered = System.nanoTime();
            alive.register();
            doomed.register();
            await().atMost(Duration.ofSeconds(1))
                    .until(events::latestAddresses, List.of("127.0.0.1:8001", "127.0.0.1:8002")::equals);

            // A killed process neither revokes its lease nor sends keep-alives: closing its etcd.client() does the same.
            doomedClient.close();
            long killed = System.nanoTime();

            await().atMost(SHORT_TTL.plusSeconds(2)).until(events::latestAddresses, List.of("127.0.0.1:8001")::equals);
            Duration gone = Duration.ofNanos(System.nanoTime() - killed);
            // Dropping out sooner would mean something deleted the key; only the lease running out should.
            assertThat(gone).isGreaterThan(SHORT_TTL.dividedBy(2));
            // The live one outlasted its TTL on keep-alives alone.
            assertThat(Duration.ofNanos(System.nanoTime() - registered)).isGreaterThan(SHORT_TTL);
        }
    }

    @Test
    void reRegistersWhenItsLeaseIsLost() throws Exception {
        String key = "/javakit/services/phoenix/phoenix-10.0.0.7-8080";
        try (LogCapture logs = new LogCapture(EtcdRegistrar.class, Level.INFO);
             EtcdRegistrar registrar = new EtcdRegistrar(etcd.client(), "phoenix", Instance.parse("10.0.0.7:8080"), SHORT_TTL)) {
            registrar.register();
            long lease = get(key).getLease();

            // What etcd does to a lease whose keep-alives stopped for longer than its TTL.
            etcd.client().getLeaseClient().revoke(lease).get();
            assertThat(count(key)).isZero();

            await().atMost(SHORT_TTL).until(() -> count(key) == 1);
            assertThat(get(key).getLease()).isNotEqualTo(lease);
            assertThat(logs.count(Level.WARN, "etcd lease lost; re-registering")).isEqualTo(1);
        }
    }

    @Test
    void rejectsTtlsEtcdCannotHonour() {
        Instance instance = Instance.parse("10.0.0.5:8080");
        assertThatThrownBy(() -> new EtcdRegistrar(etcd.client(), "users", instance, Duration.ofSeconds(1)))
                .hasMessage("ttl: PT1S (expected: whole seconds, >= 2 s)");
        assertThatThrownBy(() -> new EtcdRegistrar(etcd.client(), "users", instance, Duration.ofMillis(2500)))
                .hasMessage("ttl: PT2.5S (expected: whole seconds, >= 2 s)");
        assertThatThrownBy(() -> new EtcdRegistrar(etcd.client(), "a/b", instance))
                .hasMessage("service: 'a/b' (expected: a non-blank name without '/')");
    }

    private static KeyValue get(String key) throws Exception {
        List<KeyValue> kvs = etcd.client().getKVClient().get(EtcdKeys.bytes(key)).get().getKvs();
        assertThat(kvs).as("key %s", key).hasSize(1);
        return kvs.getFirst();
    }

    private static long count(String prefix) throws Exception {
        ByteSequence key = EtcdKeys.bytes(prefix);
        return etcd.client().getKVClient().get(key, GetOption.builder().isPrefix(true).build())
                .get().getCount();
    }
}
