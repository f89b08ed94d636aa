package io.javakit.example;

import io.javakit.sd.consul.ConsulRegistrar;
import io.javakit.sd.consul.ConsulStandIn;
import java.time.Duration;

/**
 * The discovery contract against the Consul <em>stand-in</em> (test code that follows Consul's documented behaviour
 * for the endpoints we use: blocking queries, TTL checks, {@code passing}): no Consul agent can be installed on
 * this machine. {@code ConsulRealAgentTest} in sd-consul runs against a real agent when CONSUL_HTTP_ADDR is set.
 */
class ConsulStandInDiscoveryTest extends DiscoveryContract {

    @Override
    RegistryFixture startRegistry() {
        ConsulStandIn consul = ConsulStandIn.startDefault();
        return new RegistryFixture() {
            @Override
            public String url() {
                return "consul://" + consul.address();
            }

            @Override
            public String registeredMessage() {
                return "registered with Consul";
            }

            @Override
            public Duration killedInstanceDropsOutWithin() {
                return ConsulRegistrar.DEFAULT_TTL.plusSeconds(8);
            }

            @Override
            public void stop() {
                consul.stop();
            }

            @Override
            public void start() {
                consul.start();
            }

            @Override
            public void close() {
                consul.close();
            }
        };
    }
}
