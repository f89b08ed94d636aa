package io.javakit.sd.consul;

import io.javakit.sd.Backoff;
import io.javakit.sd.Instance;
import io.javakit.sd.InstanceCache;
import io.javakit.sd.InstanceEvent;
import io.javakit.sd.Instancer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The healthy instances of one service, as Consul's {@code /v1/health/service/<service>?passing=1} reports them,
 * followed with blocking queries: a registration, a deregistration or a check changing state is published as soon
 * as Consul's index moves.
 *
 * <p>An instance's address is its {@code Service.Address}, or its {@code Node.Address} when the service has none.
 * With tags, the first is sent as {@code tag=} and every tag is checked on the client as well (case-insensitively,
 * as Consul does). Entries without a usable address or port are logged once and skipped; two entries announcing
 * the same {@code host:port} count once.
 *
 * <p>The loop follows the rules Consul's docs set for blocking queries, and avoids the traps Go kit's instancer
 * fell into (busy-looping while Consul is down, go-kit/kit#627):
 * <ul>
 *   <li>any failure (unreachable, timeout, an error status such as 403 or 500, an unreadable body) publishes a
 *       failure, so the {@link io.javakit.sd.Endpointer} keeps the last good set, and the next attempt waits a
 *       {@link Backoff} (capped at a minute); the outage is logged once and the recovery once, and the first query
 *       after it is non-blocking, so changes made meanwhile are picked up at once;</li>
 *   <li>an index that goes backwards (a snapshot restore) resets the index to 0, after a backoff;</li>
 *   <li>an index of 0 or none is not sane to block on: the answer is published but the next query waits a
 *       backoff, so the loop degrades to polling instead of spinning;</li>
 *   <li>a blocking query that comes back early with the same index also waits a backoff.</li>
 * </ul>
 * The backoff starts over only after a blocking query behaves as documented.
 *
 * <p>With no token, and Consul's default ACL policy {@code deny}, Consul hides the instances instead of refusing
 * the query: the set is empty and a warning says why it may be. A wrong token is refused (403) and handled as a
 * failure.
 *
 * <pre>{@code
 * try (ConsulInstancer users = ConsulInstancer.create(consul, "users")) {
 *     Endpointer<GetUser, User> endpointer = Endpointer.of(users, factory);
 *     ...
 * }
 * }</pre>
 *
 * <p>With {@link Builder#panicRouting(boolean) panic routing}, when not one registered instance passes its checks the
 * instancer publishes every registered one instead of none, as Envoy does below its panic threshold: a registry
 * outage longer than the TTL turns every check critical at once, and routing to instances that may be alive beats
 * refusing every request.
 *
 * The instancer does not own the client: close it after the instancer.
 */
public final class ConsulInstancer implements Instancer {
    private static final Logger LOG = LoggerFactory.getLogger(ConsulInstancer.class);

    /**
     * How long Consul may hold a blocking query: 30 s (Consul's own default is 5 min). Shorter waits notice a
     * silently dead connection sooner, at the cost of one idle request per wait.
     */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);

    private final ConsulClient client;
    private final String service;
    private final List<String> tags;
    private final Duration wait;
    private final boolean panicRouting;
    private final InstanceCache cache = new InstanceCache();
    private final Thread loop;
    private volatile boolean closed;

    // Owned by the loop (the constructor's first query happens before the loop thread starts).
    private final Backoff backoff;
    private long index;
    private ConsulException.Kind failure;
    private long failingSinceNanos;
    private String anomaly;
    private Set<String> reportedProblems = Set.of();
    private boolean warnedAboutAcl;
    private boolean panicking;

    private ConsulInstancer(Builder builder) {
        this.client = builder.client;
        this.service = builder.service;
        this.tags = builder.tags;
        this.wait = builder.wait;
        this.panicRouting = builder.panicRouting;
        this.backoff = new Backoff(builder.backoffInitial, builder.backoffMax);
        // The first query happens before create() returns, so a caller that subscribes at once sees Consul's
        // answer rather than an empty set that is only a placeholder.
        Duration firstDelay = query();
        this.loop = Thread.ofVirtual().name("consul-instancer-" + service).start(() -> run(firstDelay));
    }

    /** Follows the healthy instances of {@code service}. */
    public static ConsulInstancer create(ConsulClient client, String service) {
        return builder(client, service).build();
    }

    /** Follows the healthy instances of {@code service} that carry every one of {@code tags}. */
    public static ConsulInstancer create(ConsulClient client, String service, String... tags) {
        return builder(client, service).tags(tags).build();
    }

    public static Builder builder(ConsulClient client, String service) {
        return new Builder(client, service);
    }

    @Override
    public AutoCloseable subscribe(Consumer<InstanceEvent> subscriber) {
        return cache.subscribe(subscriber);
    }

    /** Stops the loop, abandoning the blocking query in flight. */
    @Override
    public void close() {
        closed = true;
        loop.interrupt();
        try {
            loop.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "ConsulInstancer[" + service + (tags.isEmpty() ? "" : " " + tags) + " at " + client.baseUri() + "]";
    }

    private void run(Duration firstDelay) {
        Duration delay = firstDelay;
        while (!closed) {
            if (!delay.isZero()) {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    return;
                }
            }
            delay = query();
        }
    }

    /** Makes one query and publishes its outcome; returns how long to wait before the next one. */
    private Duration query() {
        long asked = index;
        long startedNanos = System.nanoTime();
        ConsulClient.HealthResponse response;
        try {
            response = client.health(service, tags.isEmpty() ? null : tags.getFirst(), !panicRouting, asked, wait);
        } catch (ConsulException e) {
            if (closed) {
                return Duration.ZERO;
            }
            failed(e);
            index = 0;
            return backoff.nextDelay();
        }
        answered();
        publish(response);
        long got = response.index();
        if (got <= 0) {
            unusual("Consul sent no usable X-Consul-Index; polling with backoff instead of blocking", asked, got);
            return backoff.nextDelay();
        }
        if (got < asked) {
            unusual("Consul's index went backwards (a snapshot restore?); resetting it", asked, got);
            index = 0;
            return backoff.nextDelay();
        }
        if (asked > 0 && got == asked && System.nanoTime() - startedNanos < wait.toNanos() / 2) {
            unusual("Consul answered a blocking query early without a change; backing off", asked, got);
            return backoff.nextDelay();
        }
        index = got;
        if (asked > 0) {
            // Only a blocking query that behaved as documented proves the loop healthy; an answer to a
            // non-blocking one comes at once whatever the state of Consul's index.
            backoff.reset();
            if (anomaly != null) {
                LOG.atInfo().addKeyValue("service", service).addKeyValue("index", got)
                        .log("Consul's blocking queries behave again");
                anomaly = null;
            }
        }
        return Duration.ZERO;
    }

    private void failed(ConsulException e) {
        cache.update(InstanceEvent.failed(e));
        if (failure != e.kind()) {
            if (failure == null) {
                failingSinceNanos = System.nanoTime();
            }
            failure = e.kind();
            LOG.atWarn().addKeyValue("service", service).addKeyValue("consul", client.baseUri())
                    .addKeyValue("kind", e.kind()).addKeyValue("err", e.getMessage())
                    .log("cannot query Consul; keeping the last known instances and backing off");
        } else {
            LOG.atDebug().addKeyValue("service", service).addKeyValue("err", e.getMessage()).log("Consul still failing");
        }
    }

    private void answered() {
        if (failure != null) {
            LOG.atInfo().addKeyValue("service", service).addKeyValue("consul", client.baseUri())
                    .addKeyValue("downFor", Duration.ofNanos(System.nanoTime() - failingSinceNanos))
                    .log("Consul answers again; resynced");
            failure = null;
        }
    }

    private void unusual(String what, long asked, long got) {
        if (!what.equals(anomaly)) {
            LOG.atWarn().addKeyValue("service", service).addKeyValue("asked", asked).addKeyValue("got", got).log(what);
            anomaly = what;
        }
    }

    private void publish(ConsulClient.HealthResponse response) {
        Set<String> problems = new LinkedHashSet<>(response.unreadable());
        List<ConsulClient.HealthEntry> entries = routable(response.entries());
        Map<Instance, List<String>> idsByInstance = new LinkedHashMap<>();
        for (ConsulClient.HealthEntry entry : entries) {
            try {
                idsByInstance.computeIfAbsent(entry.instance(), i -> new ArrayList<>()).add(entry.serviceId());
            } catch (IllegalArgumentException e) {
                problems.add("entry " + entry.serviceId() + " on node " + entry.node() + ": " + e.getMessage());
            }
        }
        idsByInstance.forEach((instance, ids) -> {
            if (ids.size() > 1) {
                problems.add(instance.address() + " announced by " + ids.size() + " entries " + ids + "; counted once");
            }
        });
        for (String problem : problems) {
            if (!reportedProblems.contains(problem)) {
                LOG.atWarn().addKeyValue("service", service).addKeyValue("problem", problem)
                        .log("skipping unusable Consul data");
            }
        }
        reportedProblems = problems;
        if (idsByInstance.isEmpty() && !client.hasToken() && "deny".equals(response.defaultAclPolicy())
                && !warnedAboutAcl) {
            warnedAboutAcl = true;
            LOG.atWarn().addKeyValue("service", service)
                    .log("no instances, no ACL token, and Consul's default ACL policy is deny: Consul may be hiding them");
        }
        cache.update(InstanceEvent.of(new ArrayList<>(idsByInstance.keySet())));
    }

    /** The tagged entries that pass their checks; with panic routing, every tagged entry when none does. */
    private List<ConsulClient.HealthEntry> routable(List<ConsulClient.HealthEntry> entries) {
        List<ConsulClient.HealthEntry> tagged = entries.stream().filter(e -> hasEveryTag(e.tags())).toList();
        List<ConsulClient.HealthEntry> passing = tagged.stream().filter(ConsulClient.HealthEntry::passing).toList();
        boolean panic = passing.isEmpty() && !tagged.isEmpty();
        if (panic != panicking) {
            panicking = panic;
            if (panic) {
                LOG.atWarn().addKeyValue("service", service).addKeyValue("registered", tagged.size())
                        .log("no instance passes its Consul checks; routing to every registered one (panic routing)");
            } else {
                LOG.atInfo().addKeyValue("service", service).addKeyValue("passing", passing.size())
                        .log("instances pass their Consul checks again; routing to those only");
            }
        }
        return panic ? tagged : passing;
    }

    /** Case-insensitively, as Consul matches {@code tag=}. */
    private boolean hasEveryTag(List<String> have) {
        return tags.stream().allMatch(wanted -> have.stream().anyMatch(wanted::equalsIgnoreCase));
    }

    /** Options of a {@link ConsulInstancer}. */
    public static final class Builder {
        private final ConsulClient client;
        private final String service;
        private List<String> tags = List.of();
        private Duration wait = DEFAULT_WAIT;
        private Duration backoffInitial = Backoff.DEFAULT_INITIAL;
        private Duration backoffMax = Backoff.DEFAULT_MAX;
        private boolean panicRouting;

        private Builder(ConsulClient client, String service) {
            this.client = Objects.requireNonNull(client, "client");
            Objects.requireNonNull(service, "service");
            if (service.isBlank()) {
                throw new IllegalArgumentException("service: '" + service + "' (expected: not blank)");
            }
            this.service = service;
        }

        /** Only instances carrying every one of these tags; none by default. */
        public Builder tags(String... tags) {
            this.tags = List.of(tags);
            return this;
        }

        /** How long Consul may hold a blocking query; default {@link #DEFAULT_WAIT} (30 s). */
        public Builder wait(Duration wait) {
            Objects.requireNonNull(wait, "wait");
            if (wait.compareTo(Duration.ofMillis(1)) < 0 || wait.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("wait: " + wait + " (expected: 1ms to 10m, Consul's cap)");
            }
            this.wait = wait;
            return this;
        }

        /**
         * The backoff after failures; default {@link Backoff#DEFAULT_INITIAL} (100 ms) doubling up to
         * {@link Backoff#DEFAULT_MAX} (60 s).
         */
        public Builder backoff(Duration initial, Duration max) {
            new Backoff(initial, max); // validates
            this.backoffInitial = initial;
            this.backoffMax = max;
            return this;
        }

        /**
         * Publish every registered instance when none passes its checks, instead of none; off by default, so the
         * set is exactly Consul's {@code passing} view.
         */
        public Builder panicRouting(boolean panicRouting) {
            this.panicRouting = panicRouting;
            return this;
        }

        public ConsulInstancer build() {
            return new ConsulInstancer(this);
        }
    }
}
