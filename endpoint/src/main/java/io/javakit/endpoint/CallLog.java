package io.javakit.endpoint;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What happened while serving one request, written by inner layers and read by outer ones after the call: the
 * balancer records which instance served, the retry how many attempts it took, and the logging or metrics
 * middleware reports both. One log is shared by a context and every context derived from it.
 */
public final class CallLog {
    /** The instance ({@code host:port}) that served the call, recorded by the endpointer's endpoints. */
    public static final Attribute<String> INSTANCE = Attribute.of("instance", String.class);
    /** How many attempts the call took, recorded by retry. */
    public static final Attribute<Integer> ATTEMPTS = Attribute.of("attempts", Integer.class);

    private final ConcurrentHashMap<Attribute<?>, Object> entries = new ConcurrentHashMap<>(4);

    /** Records {@code value} under {@code key}, replacing an earlier value. */
    public <T> void put(Attribute<T> key, T value) {
        entries.put(key, value);
    }

    public <T> Optional<T> get(Attribute<T> key) {
        return Optional.ofNullable(entries.get(key)).map(key::cast);
    }
}
