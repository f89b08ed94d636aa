package io.javakit.example;

import io.javakit.sd.zookeeper.ZooKeeperClient;
import java.time.Duration;
import org.apache.curator.test.TestingServer;

/** The discovery contract on a real ZooKeeper server (Curator's TestingServer runs the real server in-process). */
class ZooKeeperDiscoveryTest extends DiscoveryContract {

    @Override
    RegistryFixture startRegistry() throws Exception {
        TestingServer zk = new TestingServer(true);
        return new RegistryFixture() {
            @Override
            public String url() {
                return "zk://" + zk.getConnectString();
            }

            @Override
            public String registeredMessage() {
                return "msg=registered ";
            }

            @Override
            public Duration killedInstanceDropsOutWithin() {
                return ZooKeeperClient.DEFAULT_SESSION_TIMEOUT.plusSeconds(8);
            }

            @Override
            public void stop() throws Exception {
                zk.stop();
            }

            @Override
            public void start() throws Exception {
                zk.restart();
            }

            @Override
            public void close() throws Exception {
                zk.close();
            }
        };
    }
}
