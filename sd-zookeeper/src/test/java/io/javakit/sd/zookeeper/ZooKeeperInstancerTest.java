package io.javakit.sd.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.javakit.endpoint.Endpoint;
import io.javakit.sd.Endpointer;
import io.javakit.sd.Instance;
import io.javakit.sd.InstanceEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ZooKeeperInstancerTest {
    private static final Duration A_SECOND = Duration.ofSeconds(1);
    private static final String UNREACHABLE = "zookeeper unreachable";
    private static final String READ_FAILED = "reading the instances failed";
    private static final String RECOVERED = "zookeeper recovered";

    private static TestingServer server;
    /** The instances' side: registrars and hand-written nodes. */
    private static CuratorFramework registry;
    /** The callers' side: instancers. */
    private static CuratorFramework callers;

    @BeforeAll
    static void startZooKeeper() throws Exception {
        server = Zk.server();
        registry = ZooKeeperClient.connect(server.getConnectString());
        callers = ZooKeeperClient.connect(server.getConnectString());
    }

    @AfterAll
    static void stopZooKeeper() throws Exception {
        callers.close();
        registry.close();
        server.close();
    }

    @Test
    void picksUpANewInstanceWithinASecond() {
        // The service has no node yet: the first instance creates it.
        try (ZooKeeperInstancer instancer = ZooKeeperInstancer.create(callers, "users")) {
            Zk.Events events = Zk.Events.of(instancer);

            register("users", "127.0.0.1:8081");
            await().atMost(A_SECOND).until(() -> List.of("127.0.0.1:8081").equals(events.addresses()));

            register("users", "127.0.0.1:8082");
            await().atMost(A_SECOND).until(() -> List.of("127.0.0.1:8081", "127.0.0.1:8082").equals(events.addresses()));
        }
    }

    @Test
    void dropsADeregisteredInstanceWithinASecondAndPublishesAnEmptySetAsEmpty() {
        ZooKeeperRegistrar first = register("carts", "127.0.0.1:8081");
        ZooKeeperRegistrar second = register("carts", "127.0.0.1:8082");
        try (ZooKeeperInstancer instancer = ZooKeeperInstancer.create(callers, "carts")) {
            Zk.Events events = Zk.Events.of(instancer);
            await().atMost(A_SECOND).until(() -> List.of("127.0.0.1:8081", "127.0.0.1:8082").equals(events.addresses()));

            first.deregister();
            await().atMost(A_SECOND).until(() -> List.of("127.0.0.1:8082").equals(events.addresses()));

            second.deregister();
            await().atMost(A_SECOND).until(() -> List.of().equals(events.addresses()));
            assertThat(events.latest().error()).isNull();
        }
    }

    @Test
    void skipsBadNodesAndLogsEachOnce() throws Exception {
        String service = "/javakit/services/products";
        write(service + "/garbage", "not json");
        write(service + "/no-port", "{\"host\":\"127.0.0.1\"}");
        write(service + "/port-zero", "{\"host\":\"127.0.0.1\",\"port\":0}");
        write(service + "/port-text", "{\"host\":\"127.0.0.1\",\"port\":\"http\"}");
        write(service + "/copy", "{\"host\":\"127.0.0.1\",\"port\":8081}");
        register("products", "127.0.0.1:8081");
        try (Zk.Logs logs = new Zk.Logs(ZooKeeperInstancer.class);
             ZooKeeperInstancer instancer = ZooKeeperInstancer.create(callers, "products")) {
            Zk.Events events = Zk.Events.of(instancer);
            await().atMost(A_SECOND).until(() -> List.of("127.0.0.1:8081").equals(events.addresses()));

            register("products", "127.0.0.1:8082");
            await().atMost(A_SECOND).until(() -> List.of("127.0.0.1:8081", "127.0.0.1:8082").equals(events.addresses()));

            // Five bad nodes, read twice, logged once each; the copy of 8081 is the duplicate, not the registration.
            assertThat(logs.count(Level.WARN, "skipping a bad instance node", "products")).isEqualTo(5);
            assertThat(logs.nodes(Level.WARN, "skipping a bad instance node"))
                    .doesNotContain("/javakit/services/products/products-127.0.0.1-8081");
        }
    }

    @Test
    void reportsARefusedReadOnceAndRetriesUntilItSucceeds() throws Exception {
        String service = "/javakit/services/vault";
        List<ACL> noReading = List.of(new ACL(ZooDefs.Perms.ALL & ~ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
        registry.create().creatingParentsIfNeeded().withACL(noReading).forPath(service);
        register("vault", "127.0.0.1:8081");
        try (Zk.Logs logs = new Zk.Logs(ZooKeeperInstancer.class);
             ZooKeeperInstancer instancer = ZooKeeperInstancer.create(callers, "vault")) {
            Zk.Events events = Zk.Events.of(instancer);
            await().atMost(A_SECOND).until(() -> events.latest().error() instanceof KeeperException.NoAuthException);
            // Let a few retries fail (they back off from 100 ms, doubling).
            await().pollDelay(Duration.ofMillis(800)).until(() -> true);

            registry.setACL().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(service);

            await().atMost(Duration.ofSeconds(2)).until(() -> List.of("127.0.0.1:8081").equals(events.addresses()));
            assertThat(events.all).filteredOn(e -> e.error() != null).hasSize(1);
            assertThat(logs.count(Level.WARN, READ_FAILED, "vault")).isEqualTo(1);
            assertThat(logs.count(Level.INFO, RECOVERED, "vault")).isEqualTo(1);
        }
    }

    @Test
    void reportsAFailureAtOnceWhenStartedWithoutAConnection() throws Exception {
        try (CuratorFramework disconnected = ZooKeeperClient.connect("127.0.0.1:" + Zk.deadPort(),
                ZooKeeperClient.DEFAULT_SESSION_TIMEOUT, Duration.ofMillis(200), ZooKeeperClient.defaultRetryPolicy());
             ZooKeeperInstancer instancer = ZooKeeperInstancer.create(disconnected, "users")) {
            InstanceEvent first = Zk.Events.of(instancer).latest();

            assertThat(first.error()).isInstanceOf(KeeperException.ConnectionLossException.class);
        }
    }

    @Test
    void keepsTheLastSetThroughAnOutageWithoutSpinningAndResyncsAfterIt() throws Exception {
        try (TestingServer zk = Zk.server();
             CuratorFramework services = ZooKeeperClient.connect(zk.getConnectString())) {
            Zk.CountingRetryPolicy retries = new Zk.CountingRetryPolicy(ZooKeeperClient.defaultRetryPolicy());
            try (CuratorFramework gateway = ZooKeeperClient.connect(zk.getConnectString(),
                    ZooKeeperClient.DEFAULT_SESSION_TIMEOUT, ZooKeeperClient.DEFAULT_CONNECTION_TIMEOUT, retries);
                 Zk.Logs logs = new Zk.Logs(ZooKeeperInstancer.class);
                 ZooKeeperInstancer instancer = ZooKeeperInstancer.create(gateway, "users");
                 Endpointer<String, String> endpointer = Endpointer.of(instancer, ZooKeeperInstancerTest::echo)) {
                new ZooKeeperRegistrar(services, "users", Instance.parse("127.0.0.1:8081")).register();
                Zk.Events events = Zk.Events.of(instancer);
                await().atMost(A_SECOND).until(() -> List.of("127.0.0.1:8081").equals(events.addresses()));

                zk.stop();
                int reconnects;
                try (Zk.PortSquatter deadHost = new Zk.PortSquatter(zk.getPort())) {
                    await().atMost(A_SECOND).until(() -> events.latest().error() != null);
                    // About ten seconds down, longer than both sessions: callers keep the last good set throughout.
                    await().during(Duration.ofSeconds(9)).atMost(Duration.ofSeconds(10))
                            .until(() -> addresses(endpointer).equals(List.of("127.0.0.1:8081")));
                    reconnects = deadHost.accepted.get();
                }
                zk.restart();

                try (CuratorFramework newcomer = ZooKeeperClient.connect(zk.getConnectString())) {
                    new ZooKeeperRegistrar(newcomer, "users", Instance.parse("127.0.0.1:8082")).register();
                    // ZooKeeper's client retries its connection every second or two, so it may take a few.
                    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(events.addresses())
                            .as("connected: %s, events: %s", gateway.getZookeeperClient().isConnected(), events.all)
                            .containsExactly("127.0.0.1:8081", "127.0.0.1:8082"));

                    // The restarted server restored the first registrar's old session, whose node lingers until that
                    // session expires; then the registrar recreates it under its new session.
                    String first = "/javakit/services/users/users-127.0.0.1-8081";
                    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                        Stat stat = services.checkExists().forPath(first);
                        assertThat(stat).isNotNull();
                        assertThat(stat.getEphemeralOwner())
                                .isEqualTo(services.getZookeeperClient().getZooKeeper().getSessionId());
                    });
                    await().atMost(A_SECOND)
                            .until(() -> List.of("127.0.0.1:8081", "127.0.0.1:8082").equals(events.addresses()));
                }

                assertThat(logs.count(Level.WARN, UNREACHABLE, "users")).isEqualTo(1);
                assertThat(logs.count(Level.INFO, RECOVERED, "users")).isEqualTo(1);
                // Each ZooKeeper client retries its connection every second or two (two clients here: about ten
                // attempts in those ten seconds), and the instancer reads nothing while it waits for the reconnect.
                assertThat(reconnects).isBetween(1, 25);
                assertThat(retries.asked.get()).isLessThan(10);
            }
        }
    }

    @Test
    void worksOnANamespacedClient() throws Exception {
        CuratorFramework staging = callers.usingNamespace("staging");
        ZooKeeperRegistrar registrar = new ZooKeeperRegistrar(staging, "users", Instance.parse("127.0.0.1:9000"));
        registrar.register();
        try (ZooKeeperInstancer instancer = ZooKeeperInstancer.create(staging, "users")) {
            Zk.Events events = Zk.Events.of(instancer);

            await().atMost(A_SECOND).until(() -> List.of("127.0.0.1:9000").equals(events.addresses()));
            assertThat(registry.checkExists().forPath("/staging/javakit/services/users/users-127.0.0.1-9000")).isNotNull();
        } finally {
            registrar.deregister();
        }
    }

    @Test
    void publishesAFailureAndStopsWhenItsClientCloses() throws Exception {
        CuratorFramework client = ZooKeeperClient.connect(server.getConnectString());
        try (ZooKeeperInstancer instancer = ZooKeeperInstancer.create(client, "users")) {
            Zk.Events events = Zk.Events.of(instancer);

            client.close();

            assertThat(events.latest().error()).hasMessage("zookeeper client closed");
        }
    }

    private static Endpoint<String, String> echo(Instance instance) {
        return (ctx, request) -> instance.address();
    }

    private static List<String> addresses(Endpointer<String, String> endpointer) {
        return endpointer.endpoints().stream().map(e -> e.instance().address()).toList();
    }

    private static ZooKeeperRegistrar register(String service, String address) {
        ZooKeeperRegistrar registrar = new ZooKeeperRegistrar(registry, service, Instance.parse(address));
        registrar.register();
        return registrar;
    }

    private static void write(String path, String data) throws Exception {
        registry.create().creatingParentsIfNeeded().forPath(path, data.getBytes(StandardCharsets.UTF_8));
    }
}
