package io.javakit.sd;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process's life as callers see it, the same for services and gateways: once it serves, it registers (if it has
 * a registrar) and reports ready; when it is closed, it reports not ready, deregisters, keeps serving for a grace
 * period while callers and load balancers notice, and only then closes what it serves with (a server drains the
 * requests in flight as it closes) and what that depended on, in order. No caller sees a refused connection on the
 * way out.
 *
 * <pre>{@code
 * HttpServer server = HttpServer.builder(handler).port(8080).start();
 * Lifecycle life = Lifecycle.builder().registrar(registrar).build().started(server);
 * // GET /health/ready answers life.isReady(); on SIGTERM: life.close()
 * }</pre>
 */
public final class Lifecycle implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Lifecycle.class);
    /**
     * How long a process keeps serving after it said it is leaving: 1 s, enough for a registry watch or a readiness
     * probe to reach every caller on one network.
     */
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(1);

    private final Optional<Registrar> registrar;
    private final Duration grace;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private volatile boolean ready;
    private boolean closed;

    private Lifecycle(Builder b) {
        this.registrar = Optional.ofNullable(b.registrar);
        this.grace = b.grace;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Now serving through {@code resources}, closed in the order given when this closes (the server first, then what it
     * calls): registers, then reports ready.
     */
    public synchronized Lifecycle started(AutoCloseable... resources) {
        if (closed) {
            throw new IllegalStateException("started after close");
        }
        for (AutoCloseable resource : resources) {
            this.resources.add(Objects.requireNonNull(resource, "resources"));
        }
        registrar.ifPresent(Registrar::register);
        ready = true;
        return this;
    }

    /** Whether callers should send traffic: from {@link #started} until {@link #close} begins. */
    public boolean isReady() {
        return ready;
    }

    /**
     * Reports not ready, deregisters, serves on for the grace period, then closes the resources in order. Logs
     * rather than throws what fails to close, so that the rest still closes. Waits, so call it from a shutdown hook or
     * a thread that may block.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean wasReady = ready;
        ready = false;
        registrar.ifPresent(Registrar::deregister);
        if (wasReady && grace.isPositive()) {
            try {
                Thread.sleep(grace);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // close at once, then
            }
        }
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                LOG.atWarn().addKeyValue("resource", resource).addKeyValue("err", e.toString()).log("closing failed");
            }
        }
    }

    /** Configures a {@link Lifecycle}. */
    public static final class Builder {
        private Registrar registrar;
        private Duration grace = DEFAULT_GRACE;

        private Builder() {}

        /** Where to announce this process; default none (fixed addresses, or a gateway). */
        public Builder registrar(Registrar registrar) {
            this.registrar = Objects.requireNonNull(registrar, "registrar");
            return this;
        }

        /** {@link #registrar} if present. */
        public Builder registrar(Optional<Registrar> registrar) {
            this.registrar = registrar.orElse(null);
            return this;
        }

        /** How long to keep serving once not ready, {@code >= 0}; default {@link #DEFAULT_GRACE}. */
        public Builder grace(Duration grace) {
            if (Objects.requireNonNull(grace, "grace").isNegative()) {
                throw new IllegalArgumentException("grace: " + grace + " (expected: >= 0)");
            }
            this.grace = grace;
            return this;
        }

        public Lifecycle build() {
            return new Lifecycle(this);
        }
    }
}
