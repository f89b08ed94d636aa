package io.javakit.sd;

import java.util.List;
import java.util.Objects;

/**
 * What an {@link Instancer} publishes: the complete current set of instances, or an error saying the set could
 * not be refreshed. After an error the last good set is stale but usually still the best guess.
 *
 * @param instances the complete set, sorted; empty on error
 * @param error why the set could not be refreshed, or {@code null}
 */
public record InstanceEvent(List<Instance> instances, Throwable error) {

    public InstanceEvent {
        instances = List.copyOf(Objects.requireNonNull(instances, "instances"));
    }

    public static InstanceEvent of(List<Instance> instances) {
        return new InstanceEvent(instances.stream().distinct().sorted().toList(), null);
    }

    public static InstanceEvent failed(Throwable error) {
        return new InstanceEvent(List.of(), Objects.requireNonNull(error, "error"));
    }
}
