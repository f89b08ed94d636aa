package io.javakit.example;

import io.javakit.sd.etcd.EtcdRegistrar;
import io.javakit.sd.etcd.EtcdServer;
import java.time.Duration;

/** The discovery contract on a real etcd (Debian's etcd-server), started by the test on free loopback ports. */
class EtcdDiscoveryTest extends DiscoveryContract {

    @Override
    RegistryFixture startRegistry() throws Exception {
        EtcdServer etcd = EtcdServer.launch();
        return new RegistryFixture() {
            @Override
            public String url() {
                return "etcd://" + etcd.endpoint().substring("http://".length());
            }

            @Override
            public String registeredMessage() {
                return "registered in etcd";
            }

            @Override
            public Duration killedInstanceDropsOutWithin() {
                return EtcdRegistrar.DEFAULT_TTL.plusSeconds(5);
            }

            @Override
            public void stop() throws Exception {
                etcd.stop();
            }

            @Override
            public void start() throws Exception {
                etcd.start();
            }

            @Override
            public void close() {
                etcd.close();
            }
        };
    }
}
