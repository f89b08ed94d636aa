package io.javakit.sd;

import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/** A static list of instances that never changes: the seed's fixed addresses. */
public final class FixedInstancer implements Instancer {
    private final InstanceCache cache = new InstanceCache();

    public FixedInstancer(List<Instance> instances) {
        cache.update(InstanceEvent.of(instances));
    }

    /** From {@code host:port} strings, e.g. {@code FixedInstancer.of("localhost:8080", "localhost:8081")}. */
    public static FixedInstancer of(String... addresses) {
        return new FixedInstancer(Arrays.stream(addresses).map(Instance::parse).toList());
    }

    @Override
    public AutoCloseable subscribe(Consumer<InstanceEvent> subscriber) {
        return cache.subscribe(subscriber);
    }

    @Override
    public void close() {
        // nothing is watched
    }
}
