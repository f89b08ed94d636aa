package io.javakit.example;

import java.time.Duration;

/** A real registry (or, for Consul, the most faithful stand-in we can run here) that tests can take away and bring back. */
interface RegistryFixture extends AutoCloseable {
    /** The {@code --registry} URL. */
    String url();

    /** What a service instance logs once it has registered. */
    String registeredMessage();

    /** The longest a SIGKILLed instance may stay registered: its lease, session or check TTL, plus slack. */
    Duration killedInstanceDropsOutWithin();

    void stop() throws Exception;

    void start() throws Exception;
}
