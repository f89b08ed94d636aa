package io.javakit.endpoint;

import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What travels with a request besides its payload: a {@link Deadline}, the incoming {@link Headers} and typed
 * {@link Attribute attributes}. Immutable: {@code with...} methods return a derived context, so a middleware can
 * narrow the deadline for the layers inside it without affecting anyone else. The derived contexts share one
 * {@link CallLog}, in which inner layers record what happened.
 */
public final class RequestContext {
    private final Deadline deadline;
    private final Headers headers;
    private final Map<Attribute<?>, Object> attributes;
    private final CallLog log;

    private RequestContext(Deadline deadline, Headers headers, Map<Attribute<?>, Object> attributes, CallLog log) {
        this.deadline = deadline;
        this.headers = headers;
        this.attributes = attributes;
        this.log = log;
    }

    /** A fresh context: no deadline, no headers, no attributes, an empty call log. */
    public static RequestContext background() {
        return new RequestContext(null, Headers.empty(), Map.of(), new CallLog());
    }

    /** A fresh context that must be answered within {@code timeout}. */
    public static RequestContext withTimeout(Duration timeout) {
        return background().narrowTimeout(timeout);
    }

    public Optional<Deadline> deadline() {
        return Optional.ofNullable(deadline);
    }

    /** The time left before the deadline; empty if there is none. */
    public Optional<Duration> remaining() {
        return deadline == null ? Optional.empty() : Optional.of(deadline.remaining());
    }

    /** Whether the deadline has passed. */
    public boolean isExpired() {
        return deadline != null && deadline.isExpired();
    }

    /**
     * Throws {@link DeadlineExceededException} if the deadline has passed: a cheap check for work that should stop
     * once nobody waits for its answer.
     */
    public void checkDeadline() {
        if (isExpired()) {
            throw new DeadlineExceededException("deadline exceeded");
        }
    }

    /** A context whose deadline is the earlier of the current one and {@code deadline}. */
    public RequestContext narrowDeadline(Deadline deadline) {
        Objects.requireNonNull(deadline, "deadline");
        Deadline narrowed = this.deadline == null ? deadline : this.deadline.min(deadline);
        return narrowed == this.deadline ? this : new RequestContext(narrowed, headers, attributes, log);
    }

    /** A context whose deadline is at most {@code timeout} from now. */
    public RequestContext narrowTimeout(Duration timeout) {
        return narrowDeadline(Deadline.after(timeout));
    }

    public Headers headers() {
        return headers;
    }

    public RequestContext withHeaders(Headers headers) {
        return new RequestContext(deadline, Objects.requireNonNull(headers, "headers"), attributes, log);
    }

    public <T> Optional<T> get(Attribute<T> key) {
        return Optional.ofNullable(attributes.get(key)).map(key::cast);
    }

    public <T> RequestContext with(Attribute<T> key, T value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Map<Attribute<?>, Object> copy = new IdentityHashMap<>(attributes);
        copy.put(key, value);
        return new RequestContext(deadline, headers, copy, log);
    }

    /** The record of this call, shared with every context derived from this one. */
    public CallLog log() {
        return log;
    }

    @Override
    public String toString() {
        return "RequestContext{remaining=" + remaining().map(Duration::toString).orElse("none")
                + ", headers=" + headers.size() + ", attributes=" + attributes.keySet() + "}";
    }
}
