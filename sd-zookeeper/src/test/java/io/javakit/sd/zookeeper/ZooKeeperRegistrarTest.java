package io.javakit.sd.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.javakit.sd.Instance;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ClientCnxn;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ZooKeeperRegistrarTest {
    private static TestingServer server;
    /** Looks at the registry from another session, as an operator would. */
    private static CuratorFramework observer;

    @BeforeAll
    static void startZooKeeper() throws Exception {
        server = Zk.server();
        observer = ZooKeeperClient.connect(server.getConnectString());
    }

    @AfterAll
    static void stopZooKeeper() throws Exception {
        observer.close();
        server.close();
    }

    @Test
    void registersAnEphemeralNodeHoldingTheJsonPayload() throws Exception {
        try (CuratorFramework client = ZooKeeperClient.connect(server.getConnectString())) {
            ZooKeeperRegistrar registrar = new ZooKeeperRegistrar(client, "users", Instance.parse("127.0.0.1:8080"));

            registrar.register();

            String path = "/javakit/services/users/users-127.0.0.1-8080";
            Stat stat = new Stat();
            byte[] data = observer.getData().storingStatIn(stat).forPath(path);
            assertThat(new String(data, StandardCharsets.UTF_8)).isEqualTo("{\"host\":\"127.0.0.1\",\"port\":8080}");
            assertThat(stat.getEphemeralOwner()).isEqualTo(client.getZookeeperClient().getZooKeeper().getSessionId());
            registrar.deregister();
        }
    }

    @Test
    void deregisterDeletesTheNodeAtOnce() throws Exception {
        try (CuratorFramework client = ZooKeeperClient.connect(server.getConnectString())) {
            ZooKeeperRegistrar registrar = new ZooKeeperRegistrar(client, "carts", Instance.parse("127.0.0.1:8080"));
            registrar.register();

            registrar.deregister();

            assertThat(observer.checkExists().forPath("/javakit/services/carts/carts-127.0.0.1-8080")).isNull();
            registrar.deregister(); // twice is fine
        }
    }

    @Test
    void closingTheClientWithoutDeregisteringRemovesTheNodeQuietly() throws Exception {
        String path = "/javakit/services/reviews/reviews-127.0.0.1-8080";
        try (Zk.Logs zookeeperErrors = new Zk.Logs(ClientCnxn.class)) {
            CuratorFramework client = ZooKeeperClient.connect(server.getConnectString());
            new ZooKeeperRegistrar(client, "reviews", Instance.parse("127.0.0.1:8080")).register();

            client.close();

            assertThat(observer.checkExists().forPath(path)).isNull();
            // Curator's PersistentNode, left running, would recurse on the closed client until the stack overflows.
            await().pollDelay(Duration.ofMillis(500)).until(() -> true);
            assertThat(zookeeperErrors.all()).isEmpty();
        }
    }

    @Test
    void comesBackAfterItsSessionExpires() throws Exception {
        try (CuratorFramework client = ZooKeeperClient.connect(server.getConnectString())) {
            ZooKeeperRegistrar registrar = new ZooKeeperRegistrar(client, "orders", Instance.parse("127.0.0.1:8080"));
            registrar.register();
            String path = "/javakit/services/orders/orders-127.0.0.1-8080";
            long firstSession = client.getZookeeperClient().getZooKeeper().getSessionId();

            // As after a long partition: the ensemble expires the session and deletes its ephemeral nodes.
            Zk.expireSession(client.getZookeeperClient().getZooKeeper(), server.getConnectString());

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                Stat stat = observer.checkExists().forPath(path);
                assertThat(stat).isNotNull();
                assertThat(stat.getEphemeralOwner()).isNotZero().isNotEqualTo(firstSession);
            });
            registrar.deregister();
        }
    }

    @Test
    void aKilledInstanceDropsOutWhenItsSessionTimesOut() throws Exception {
        String path = "/javakit/services/payments/payments-127.0.0.1-8080";
        try (Zk.TcpProxy network = new Zk.TcpProxy(server.getPort());
             CuratorFramework client = ZooKeeperClient.connect(network.connectString())) {
            new ZooKeeperRegistrar(client, "payments", Instance.parse("127.0.0.1:8080")).register();
            assertThat(observer.checkExists().forPath(path)).isNotNull();
            long killedAt = System.nanoTime();

            // Closing the client would end the session politely, as a graceful exit does. A SIGKILLed process
            // instead just vanishes: its connection drops with no session-close request, and it never returns.
            network.kill();

            await().atMost(Duration.ofSeconds(10)).until(() -> observer.checkExists().forPath(path) == null);
            Duration alive = Duration.ofNanos(System.nanoTime() - killedAt);
            // The node outlived the connection: only the session timeout removed it.
            assertThat(alive).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(8));
        }
    }
}
