package io.javakit.sd.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.RetryPolicy;
import org.apache.curator.RetrySleeper;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

class ZooKeeperClientTest {

    @Test
    void connectsWithTheDefaultFiveSecondSession() throws Exception {
        try (TestingServer server = Zk.server();
             CuratorFramework client = ZooKeeperClient.connect(server.getConnectString())) {
            assertThat(client.getZookeeperClient().isConnected()).isTrue();
            assertThat(client.getZookeeperClient().getZooKeeper().getSessionTimeout()).isEqualTo(5000);
        }
    }

    @Test
    void returnsAStartedClientWhenZooKeeperIsUnreachable() throws Exception {
        try (CuratorFramework client = ZooKeeperClient.connect("127.0.0.1:" + Zk.deadPort(),
                ZooKeeperClient.DEFAULT_SESSION_TIMEOUT, Duration.ofMillis(200), ZooKeeperClient.defaultRetryPolicy())) {
            assertThat(client.getState()).isEqualTo(CuratorFrameworkState.STARTED);
            assertThat(client.getZookeeperClient().isConnected()).isFalse();
        }
    }

    @Test
    void retriesWithCappedExponentialSleepsAndThenGivesUp() throws Exception {
        RetryPolicy policy = ZooKeeperClient.defaultRetryPolicy();
        List<Long> sleeps = new ArrayList<>();
        RetrySleeper sleeper = (time, unit) -> sleeps.add(unit.toMillis(time));

        for (int retry = 0; retry < ZooKeeperClient.DEFAULT_MAX_RETRIES; retry++) {
            assertThat(policy.allowRetry(retry, 0, sleeper)).isTrue();
        }

        assertThat(policy.allowRetry(ZooKeeperClient.DEFAULT_MAX_RETRIES, 0, sleeper)).isFalse();
        assertThat(sleeps).hasSize(ZooKeeperClient.DEFAULT_MAX_RETRIES)
                .allSatisfy(ms -> assertThat(ms).isBetween(ZooKeeperClient.DEFAULT_RETRY_BASE_SLEEP.toMillis(),
                        ZooKeeperClient.DEFAULT_RETRY_MAX_SLEEP.toMillis()));
    }

    @Test
    void rejectsAUrlWhereAConnectStringBelongs() {
        assertThatThrownBy(() -> ZooKeeperClient.connect("zk://127.0.0.1:2181"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("connectString: 'zk://127.0.0.1:2181' (expected: host:port[,host:port...][/chroot])");
        assertThatThrownBy(() -> ZooKeeperClient.connect("127.0.0.1:2181", Duration.ZERO,
                ZooKeeperClient.DEFAULT_CONNECTION_TIMEOUT, ZooKeeperClient.defaultRetryPolicy()))
                .hasMessage("sessionTimeout: PT0S (expected: 1 ms to 24 days)");
    }
}
