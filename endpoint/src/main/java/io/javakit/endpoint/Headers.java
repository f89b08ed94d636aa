package io.javakit.endpoint;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Immutable request or response metadata: names are case-insensitive (kept in lower case), each with one or more
 * values in the order they were added.
 */
public final class Headers {
    private static final Headers EMPTY = new Headers(Map.of());

    private final Map<String, List<String>> values;

    private Headers(Map<String, List<String>> values) {
        this.values = values;
    }

    public static Headers empty() {
        return EMPTY;
    }

    /** Headers from alternating names and values: {@code Headers.of("accept", "application/json")}. */
    public static Headers of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("namesAndValues: " + namesAndValues.length + " strings (expected: pairs)");
        }
        Builder b = builder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            b.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return b.build();
    }

    public static Builder builder() {
        return new Builder(new LinkedHashMap<>());
    }

    /** The first value of {@code name}, if any. */
    public Optional<String> first(String name) {
        List<String> list = values.get(name.toLowerCase(Locale.ROOT));
        return list == null || list.isEmpty() ? Optional.empty() : Optional.of(list.get(0));
    }

    /** All values of {@code name}, empty if none. */
    public List<String> all(String name) {
        return values.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    public boolean contains(String name) {
        return values.containsKey(name.toLowerCase(Locale.ROOT));
    }

    /** The names, in lower case, in the order they were first added. */
    public Set<String> names() {
        return Collections.unmodifiableSet(values.keySet());
    }

    public int size() {
        return values.size();
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** Calls {@code action} once per value, with the lower-case name. */
    public void forEach(BiConsumer<String, String> action) {
        values.forEach((name, list) -> list.forEach(v -> action.accept(name, v)));
    }

    /** A builder that starts from these headers. */
    public Builder toBuilder() {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        values.forEach((k, v) -> copy.put(k, new ArrayList<>(v)));
        return new Builder(copy);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Headers h && h.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }

    /** Collects headers; {@link #build()} may be called once. */
    public static final class Builder {
        private final Map<String, List<String>> values;

        private Builder(Map<String, List<String>> values) {
            this.values = values;
        }

        public Builder add(String name, String value) {
            Objects.requireNonNull(value, "value");
            values.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>(1)).add(value);
            return this;
        }

        public Builder set(String name, String value) {
            Objects.requireNonNull(value, "value");
            List<String> list = new ArrayList<>(1);
            list.add(value);
            values.put(name.toLowerCase(Locale.ROOT), list);
            return this;
        }

        public Builder remove(String name) {
            values.remove(name.toLowerCase(Locale.ROOT));
            return this;
        }

        /** Whether a value of {@code name} has been added and not removed since. */
        public boolean contains(String name) {
            return values.containsKey(name.toLowerCase(Locale.ROOT));
        }

        public Headers build() {
            if (values.isEmpty()) {
                return EMPTY;
            }
            Map<String, List<String>> frozen = new LinkedHashMap<>();
            values.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
            return new Headers(Collections.unmodifiableMap(frozen));
        }
    }
}
