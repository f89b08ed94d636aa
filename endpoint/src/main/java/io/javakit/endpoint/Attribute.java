package io.javakit.endpoint;

import java.util.Objects;

/**
 * A typed key for a value carried in a {@link RequestContext} or recorded in a {@link CallLog}, so that reading it
 * needs no cast. Keys compare by identity: create each once, as a constant.
 *
 * <pre>{@code
 * static final Attribute<String> TENANT = Attribute.of("tenant", String.class);
 * ctx = ctx.with(TENANT, "acme");
 * Optional<String> tenant = ctx.get(TENANT);
 * }</pre>
 *
 * @param <T> the value type
 */
public final class Attribute<T> {
    private final String name;
    private final Class<T> type;

    private Attribute(String name, Class<T> type) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
    }

    /** A new key; two calls with the same name give two different keys. */
    public static <T> Attribute<T> of(String name, Class<T> type) {
        return new Attribute<>(name, type);
    }

    public String name() {
        return name;
    }

    T cast(Object value) {
        return type.cast(value);
    }

    @Override
    public String toString() {
        return name;
    }
}
