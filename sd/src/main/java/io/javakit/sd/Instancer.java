package io.javakit.sd;

import java.util.function.Consumer;

/**
 * A watched set of the instances of one service. Subscribers receive the current state at once and then every
 * change, each event carrying the complete set (never a delta), so a subscriber that misses one loses nothing.
 */
public interface Instancer extends AutoCloseable {

    /**
     * Starts delivering events to {@code subscriber}, beginning with the current state.
     *
     * @return a handle whose {@code close()} stops delivery to this subscriber
     */
    AutoCloseable subscribe(Consumer<InstanceEvent> subscriber);

    /** Stops watching and releases the instancer's resources. */
    @Override
    void close();
}
