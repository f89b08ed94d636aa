package io.javakit.sd.consul;

import io.javakit.sd.Backoff;
import io.javakit.sd.Instance;
import io.javakit.sd.Registrar;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers one instance of a service with the local Consul agent under the ID {@code <service>-<host>-<port>},
 * with a check that keeps it healthy while the instance lives.
 *
 * <p>By default the check is a TTL check (10 s): the registrar passes it every third of the TTL from a virtual
 * thread, so an instance needs no health endpoint, and one that dies without deregistering turns critical (and
 * drops out of {@code passing} queries) within one TTL. Alternatively the agent can probe an HTTP URL of the
 * instance ({@link Builder#httpCheck}). Either way Consul removes a service whose check has been critical for
 * {@code DeregisterCriticalServiceAfter} (default one minute, Consul's minimum).
 *
 * <p>When a heartbeat fails the registrar retries with backoff (never slower than the regular beat) and logs the
 * failure once and the recovery once. When the agent answers that it does not know the check (it lost its state,
 * or reaped the service), the registrar registers again.
 *
 * <pre>{@code
 * ConsulRegistrar registrar = new ConsulRegistrar(consul, "users", Instance.parse("10.0.0.5:8080"));
 * registrar.register();   // once the server accepts requests
 * ...
 * registrar.deregister(); // on graceful shutdown, before the server stops accepting
 * }</pre>
 *
 * The registrar does not own the client.
 */
public final class ConsulRegistrar implements Registrar {
    private static final Logger LOG = LoggerFactory.getLogger(ConsulRegistrar.class);

    /** The TTL of the default check: 10 s, passed every 3.3 s. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(10);
    /** How often the agent probes an HTTP check: 10 s. */
    public static final Duration DEFAULT_HTTP_CHECK_INTERVAL = Duration.ofSeconds(10);
    /** How long a check may stay critical before Consul removes the service: 1 min, Consul's minimum. */
    public static final Duration DEFAULT_DEREGISTER_CRITICAL_SERVICE_AFTER = Duration.ofMinutes(1);

    /** Below this the heartbeat would be busier than any failure detection needs. */
    private static final Duration MIN_TTL = Duration.ofMillis(100);

    private final ConsulClient client;
    private final ConsulClient.Service service;
    private Thread heartbeat;
    private volatile boolean beating;
    private boolean registered;

    private ConsulRegistrar(ConsulClient client, ConsulClient.Service service) {
        this.client = Objects.requireNonNull(client, "client");
        this.service = service;
    }

    /** Registers {@code instance} of {@code service} with the {@linkplain #DEFAULT_TTL default TTL check} (10 s). */
    public ConsulRegistrar(ConsulClient client, String service, Instance instance) {
        this(client, builder(client, service, instance).definition());
    }

    /** Registers {@code instance} of {@code service} with a TTL check of {@code ttl}. */
    public ConsulRegistrar(ConsulClient client, String service, Instance instance, Duration ttl) {
        this(client, builder(client, service, instance).ttl(ttl).definition());
    }

    public static Builder builder(ConsulClient client, String service, Instance instance) {
        return new Builder(client, service, instance);
    }

    /** {@code <service>-<host>-<port>}, with the {@code :} and brackets of IPv6 hosts replaced by {@code _}. */
    public static String serviceId(String service, Instance instance) {
        return (service + "-" + instance.host() + "-" + instance.port()).replaceAll("[:\\[\\]]", "_");
    }

    /** The definition sent to the agent. */
    public ConsulClient.Service definition() {
        return service;
    }

    /**
     * Registers the instance and, for a TTL check, starts the heartbeat. Registering again is harmless.
     *
     * @throws ConsulException if the agent is unreachable or refuses (for example 403 without a token allowed
     *     {@code service:write})
     */
    @Override
    public synchronized void register() {
        client.register(service);
        registered = true;
        LOG.atInfo().addKeyValue("service", service.name()).addKeyValue("id", service.id())
                .addKeyValue("address", service.instance().address())
                .addKeyValue("check", service.check().ttl() != null
                        ? "ttl " + service.check().ttl() : "http " + service.check().http())
                .log("registered with Consul");
        if (service.check().ttl() != null && heartbeat == null) {
            beating = true;
            heartbeat = Thread.ofVirtual().name("consul-heartbeat-" + service.id()).start(this::beat);
        }
    }

    /**
     * Stops the heartbeat and removes the registration. A failure is logged, not thrown: a graceful shutdown
     * should go on, and the check, no longer passed, turns critical within one TTL anyway.
     */
    @Override
    public synchronized void deregister() {
        stopHeartbeat();
        if (!registered) {
            return;
        }
        registered = false;
        try {
            client.deregister(service.id());
            LOG.atInfo().addKeyValue("id", service.id()).log("deregistered from Consul");
        } catch (ConsulException e) {
            LOG.atWarn().addKeyValue("id", service.id()).addKeyValue("err", e.getMessage())
                    .log("deregistering from Consul failed; the check will turn critical by itself");
        }
    }

    private void stopHeartbeat() {
        if (heartbeat == null) {
            return;
        }
        beating = false;
        heartbeat.interrupt();
        try {
            heartbeat.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        heartbeat = null;
    }

    private void beat() {
        Duration interval = service.check().ttl().dividedBy(3);
        Backoff backoff = new Backoff(min(Backoff.DEFAULT_INITIAL, interval), interval);
        boolean failing = false;
        Duration delay = interval;
        while (beating) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                return;
            }
            try {
                passOrRegisterAgain();
                if (failing) {
                    LOG.atInfo().addKeyValue("id", service.id()).log("passing the Consul TTL check again");
                }
                failing = false;
                backoff.reset();
                delay = interval;
            } catch (ConsulException e) {
                if (!beating) {
                    return;
                }
                if (!failing) {
                    LOG.atWarn().addKeyValue("id", service.id()).addKeyValue("err", e.getMessage())
                            .log("cannot pass the Consul TTL check; retrying with backoff");
                }
                failing = true;
                delay = backoff.nextDelay();
            }
        }
    }

    private void passOrRegisterAgain() {
        try {
            client.passTtl(service.checkId(), null);
        } catch (ConsulException e) {
            if (!agentForgotTheCheck(e)) {
                throw e;
            }
            client.register(service);
            LOG.atInfo().addKeyValue("id", service.id()).addKeyValue("reason", e.body())
                    .log("the Consul agent had lost the registration; registered again");
        }
    }

    /** Current agents answer 404 for an unknown check; agents before 1.11 answered 500 with this text. */
    private static boolean agentForgotTheCheck(ConsulException e) {
        return e.kind() == ConsulException.Kind.NOT_FOUND
                || (e.kind() == ConsulException.Kind.SERVER_ERROR && e.body().contains("does not have associated TTL"));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @Override
    public String toString() {
        return "ConsulRegistrar[" + service.id() + " at " + client.baseUri() + "]";
    }

    /** Options of a {@link ConsulRegistrar}: tags and the check. */
    public static final class Builder {
        private final ConsulClient client;
        private final String service;
        private final Instance instance;
        private List<String> tags = List.of();
        private Duration ttl = DEFAULT_TTL;
        private URI httpCheck;
        private Duration httpCheckInterval;
        private Duration deregisterCriticalServiceAfter = DEFAULT_DEREGISTER_CRITICAL_SERVICE_AFTER;

        private Builder(ConsulClient client, String service, Instance instance) {
            this.client = Objects.requireNonNull(client, "client");
            this.service = Objects.requireNonNull(service, "service");
            this.instance = Objects.requireNonNull(instance, "instance");
        }

        /** Tags to register; none by default. */
        public Builder tags(String... tags) {
            this.tags = List.of(tags);
            return this;
        }

        /** Use a TTL check of {@code ttl}, passed every {@code ttl/3}; the default, with {@link #DEFAULT_TTL} (10 s). */
        public Builder ttl(Duration ttl) {
            Objects.requireNonNull(ttl, "ttl");
            if (ttl.compareTo(MIN_TTL) < 0) {
                throw new IllegalArgumentException("ttl: " + ttl + " (expected: >= " + MIN_TTL + ")");
            }
            this.ttl = ttl;
            this.httpCheck = null;
            this.httpCheckInterval = null;
            return this;
        }

        /**
         * Let the agent probe {@code url} every {@code interval} instead of passing a TTL (2xx is passing, 429
         * warning, anything else critical). The instance is routed to only after its first probe passes.
         * {@link #DEFAULT_HTTP_CHECK_INTERVAL} is 10 s.
         */
        public Builder httpCheck(URI url, Duration interval) {
            this.httpCheck = Objects.requireNonNull(url, "url");
            this.httpCheckInterval = Objects.requireNonNull(interval, "interval");
            this.ttl = null;
            return this;
        }

        /**
         * How long the check may stay critical before Consul removes the service; default
         * {@link #DEFAULT_DEREGISTER_CRITICAL_SERVICE_AFTER} (1 min). Consul raises shorter values to one minute.
         */
        public Builder deregisterCriticalServiceAfter(Duration after) {
            this.deregisterCriticalServiceAfter = Objects.requireNonNull(after, "after");
            return this;
        }

        public ConsulRegistrar build() {
            return new ConsulRegistrar(client, definition());
        }

        private ConsulClient.Service definition() {
            if (service.isBlank()) {
                throw new IllegalArgumentException("service: '" + service + "' (expected: not blank)");
            }
            ConsulClient.Check check = ttl != null
                    ? ConsulClient.Check.ttl(ttl, deregisterCriticalServiceAfter)
                    : ConsulClient.Check.http(httpCheck, httpCheckInterval, deregisterCriticalServiceAfter);
            return new ConsulClient.Service(serviceId(service, instance), service, instance, tags, check);
        }
    }
}
