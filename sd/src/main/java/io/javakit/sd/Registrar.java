package io.javakit.sd;

/**
 * Announces one instance of a service to a registry, so that instancers elsewhere find it. Services register on
 * start, once they accept requests, and deregister on graceful shutdown before they stop accepting, so that
 * callers stop picking them while they can still answer. A registration also carries whatever keeps it alive (a
 * lease, a session, a health check), so that an instance that dies without deregistering drops out by itself.
 */
public interface Registrar extends AutoCloseable {

    /** Registers the instance and starts keeping the registration alive. */
    void register();

    /** Removes the registration and stops keeping it alive. Safe to call more than once. */
    void deregister();

    /** Deregisters. */
    @Override
    default void close() {
        deregister();
    }
}
