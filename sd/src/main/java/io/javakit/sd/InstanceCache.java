package io.javakit.sd;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The state every instancer shares: the latest event and the subscribers to tell. Duplicate updates (the same
 * set again) are dropped, so a registry that re-sends an unchanged set costs subscribers nothing. Registry
 * instancers extend nothing; they hold one of these and call {@link #update}.
 */
public final class InstanceCache {
    private final List<Consumer<InstanceEvent>> subscribers = new CopyOnWriteArrayList<>();
    private volatile InstanceEvent current = InstanceEvent.of(List.of());

    /** Publishes {@code event} to every subscriber unless it equals the current state. */
    public synchronized void update(InstanceEvent event) {
        Objects.requireNonNull(event, "event");
        if (sameState(current, event)) {
            return;
        }
        current = event;
        subscribers.forEach(s -> s.accept(event));
    }

    /** The latest event. */
    public InstanceEvent current() {
        return current;
    }

    /** Adds a subscriber and hands it the current state at once. */
    public synchronized AutoCloseable subscribe(Consumer<InstanceEvent> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        subscribers.add(subscriber);
        subscriber.accept(current);
        return () -> subscribers.remove(subscriber);
    }

    private static boolean sameState(InstanceEvent a, InstanceEvent b) {
        return a.instances().equals(b.instances())
                && Objects.equals(a.error() == null ? null : a.error().getMessage(),
                                  b.error() == null ? null : b.error().getMessage());
    }
}
