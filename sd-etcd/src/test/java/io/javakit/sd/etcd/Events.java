package io.javakit.sd.etcd;

import io.javakit.sd.Instance;
import io.javakit.sd.InstanceEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Every event an instancer delivered to this subscriber, in order. */
final class Events implements Consumer<InstanceEvent> {
    private final List<InstanceEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void accept(InstanceEvent event) {
        events.add(event);
    }

    InstanceEvent latest() {
        return events.getLast();
    }

    /** The addresses of the latest event, or {@code null} if it is a failure, so a failure never matches a set. */
    List<String> latestAddresses() {
        InstanceEvent event = latest();
        return event.error() != null ? null : event.instances().stream().map(Instance::address).toList();
    }

    List<InstanceEvent> all() {
        return List.copyOf(events);
    }
}
