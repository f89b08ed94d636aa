package io.javakit.sd;

import static java.util.concurrent.TimeUnit.NANOSECONDS;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checking: publishes the instances of another instancer that pass a {@link HealthProbe}.
 *
 * <ul>
 *   <li>Every known instance is probed every {@link Builder#interval interval}, each probe on a virtual thread;
 *       one without an answer within the {@link Builder#timeout timeout} is interrupted and counts as failed.</li>
 *   <li>A healthy instance is taken out after {@link Builder#unhealthyThreshold} failed probes in a row, and an
 *       unhealthy one put back after {@link Builder#healthyThreshold} passed probes in a row.</li>
 *   <li>A new instance is probed at once and published after its first passed probe, as Envoy does: a registry
 *       entry says that an instance exists, not that it serves, and a fixed list says even less. The wait is one
 *       probe's round trip, not an interval.</li>
 *   <li>When no instance is healthy, every known one is published ("panic", after Envoy's panic threshold). If
 *       every probe fails, the fault is likelier on the probing side (a network path, a dependency of the health
 *       endpoint, a broken check) than in every instance at once, and an empty set would fail every request for
 *       certain, while real traffic, with breakers, outlier ejection and retries, still finds whatever works.
 *       The same rule covers start-up, before the first probes answer.</li>
 *   <li>Registry errors pass through unchanged, so an {@link Endpointer} keeps its last good set.</li>
 * </ul>
 *
 * <p>Passive {@linkplain io.javakit.sd.lb.OutlierDetection outlier detection} reacts faster to instances that fail
 * requests; active checks also find instances nobody calls, and bring instances back without risking requests.
 * The two combine: health-check the instancer, eject on the endpointer.
 *
 * <p>{@link #close()} stops probing and stops following the wrapped instancer, but does not close it: it may
 * have other subscribers.
 */
public final class HealthCheckedInstancer implements Instancer {
    private static final Logger LOG = LoggerFactory.getLogger(HealthCheckedInstancer.class);

    /**
     * How often each instance is probed: 2 s. A dead instance is out within two or three intervals (about 5 s), at
     * a cost of one probe per instance per 2 s per caller.
     */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    /** How long a probe may take: 1 s, half the interval. A readiness check slower than that is as good as down. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    /** Failed probes in a row that take a healthy instance out: 2, so one lost probe (a pause, a drop) does not. */
    public static final int DEFAULT_UNHEALTHY_THRESHOLD = 2;
    /** Passed probes in a row that put an unhealthy instance back: 2, so a flapping one does not come and go. */
    public static final int DEFAULT_HEALTHY_THRESHOLD = 2;

    /** Where an instance stands. */
    public enum Status {
        /** New, not yet passed a probe; published only while no instance is healthy. */
        PENDING,
        /** Published. */
        HEALTHY,
        /** Failed its probes; published only while no instance is healthy. */
        UNHEALTHY
    }

    private final HealthProbe probe;
    private final Duration timeout;
    private final int unhealthyThreshold;
    private final int healthyThreshold;
    private final InstanceCache cache = new InstanceCache();
    private final ExecutorService probes = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService ticker =
            Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("health-checks").factory());
    /** Instances with a probe under way: a round skips them rather than pile probes up on a slow instance. */
    private final Set<Instance> probing = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Instance, Health> known = new TreeMap<>(); // guarded by lock
    private boolean everyInstanceFailing; // guarded by lock
    private boolean closed; // guarded by lock
    private final AutoCloseable subscription;

    private HealthCheckedInstancer(Instancer instancer, HealthProbe probe, Builder b) {
        this.probe = probe;
        this.timeout = b.timeout;
        this.unhealthyThreshold = b.unhealthyThreshold;
        this.healthyThreshold = b.healthyThreshold;
        this.subscription = instancer.subscribe(this::onEvent);
        long interval = b.interval.toNanos();
        ticker.scheduleWithFixedDelay(this::probeAll, interval, interval, NANOSECONDS);
    }

    /** {@code instancer} checked with {@code probe} at the {@code DEFAULT_*} settings; starts probing at once. */
    public static HealthCheckedInstancer of(Instancer instancer, HealthProbe probe) {
        return builder(instancer, probe).build();
    }

    public static Builder builder(Instancer instancer, HealthProbe probe) {
        return new Builder(Objects.requireNonNull(instancer, "instancer"), Objects.requireNonNull(probe, "probe"));
    }

    @Override
    public AutoCloseable subscribe(Consumer<InstanceEvent> subscriber) {
        return cache.subscribe(subscriber);
    }

    /** Every known instance and where it stands, in instance order; for a console. */
    public Map<Instance, Status> statuses() {
        lock.lock();
        try {
            Map<Instance, Status> statuses = new TreeMap<>();
            known.forEach((instance, health) -> statuses.put(instance, health.status));
            return Collections.unmodifiableMap(statuses);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops probing, interrupting probes under way and waiting up to the timeout for them to end, and stops
     * following the wrapped instancer.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        try {
            subscription.close();
        } catch (Exception e) {
            LOG.atWarn().addKeyValue("err", e.toString()).log("unsubscribing from the instancer failed");
        }
        ticker.shutdownNow();
        probes.shutdownNow();
        try {
            probes.awaitTermination(timeout.toNanos(), NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void onEvent(InstanceEvent event) {
        List<Instance> added = new ArrayList<>();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (event.error() != null) {
                cache.update(event);
                return;
            }
            known.keySet().retainAll(new HashSet<>(event.instances()));
            for (Instance instance : event.instances()) {
                if (known.putIfAbsent(instance, new Health()) == null) {
                    added.add(instance);
                }
            }
            publish();
        } finally {
            lock.unlock();
        }
        added.forEach(this::startCheck);
    }

    private void probeAll() {
        List<Instance> instances;
        lock.lock();
        try {
            instances = List.copyOf(known.keySet());
        } finally {
            lock.unlock();
        }
        instances.forEach(this::startCheck);
    }

    private void startCheck(Instance instance) {
        if (!probing.add(instance)) {
            return;
        }
        try {
            probes.execute(() -> check(instance));
        } catch (RejectedExecutionException closing) {
            probing.remove(instance);
        }
    }

    /** Runs one probe on a thread of its own, so that a probe that hangs can be abandoned at the timeout. */
    private void check(Instance instance) {
        String failure;
        try {
            Future<Boolean> answer = probes.submit(() -> probe.healthy(instance));
            try {
                failure = answer.get(timeout.toNanos(), NANOSECONDS) ? null : "probe answered unhealthy";
            } catch (TimeoutException e) {
                failure = "no answer within " + timeout;
            } catch (ExecutionException e) {
                failure = String.valueOf(e.getCause());
            } finally {
                answer.cancel(true); // interrupts a probe that timed out; a no-op for one that answered
            }
        } catch (InterruptedException closing) {
            Thread.currentThread().interrupt();
            return;
        } catch (RejectedExecutionException closing) {
            return;
        } finally {
            probing.remove(instance);
        }
        record(instance, failure);
    }

    private void record(Instance instance, String failure) {
        lock.lock();
        try {
            Health health = known.get(instance);
            if (closed || health == null) {
                return; // closed, or the instance left while it was probed
            }
            Status before = health.status;
            health.observe(failure == null, healthyThreshold, unhealthyThreshold);
            if (health.status == before) {
                return;
            }
            if (health.status == Status.UNHEALTHY) {
                LOG.atWarn().addKeyValue("instance", instance.address()).addKeyValue("reason", failure)
                        .addKeyValue("failures", health.failures).log("instance fails its health checks; not routing to it");
            } else if (before == Status.UNHEALTHY) {
                LOG.atInfo().addKeyValue("instance", instance.address()).addKeyValue("passes", health.passes)
                        .log("instance passes its health checks; routing to it");
            } else {
                LOG.atDebug().addKeyValue("instance", instance.address()).log("new instance passed its first health check");
            }
            publish();
        } finally {
            lock.unlock();
        }
    }

    /** Publishes the healthy instances, or every known one if none is (see the class comment). Under the lock. */
    private void publish() {
        List<Instance> healthy = new ArrayList<>();
        boolean everyFailing = !known.isEmpty();
        for (Map.Entry<Instance, Health> entry : known.entrySet()) {
            Status status = entry.getValue().status;
            if (status == Status.HEALTHY) {
                healthy.add(entry.getKey());
            }
            everyFailing &= status == Status.UNHEALTHY;
        }
        if (everyFailing != everyInstanceFailing) {
            everyInstanceFailing = everyFailing;
            if (everyFailing) {
                LOG.atWarn().addKeyValue("instances", known.size())
                        .log("every instance fails its health checks; routing to all of them");
            } else if (!known.isEmpty()) {
                LOG.atInfo().addKeyValue("healthy", healthy.size())
                        .log("not every instance fails its health checks any more; routing to the healthy ones");
            }
        }
        cache.update(InstanceEvent.of(healthy.isEmpty() ? List.copyOf(known.keySet()) : healthy));
    }

    /** One instance's probe record. Guarded by the instancer's lock. */
    private static final class Health {
        Status status = Status.PENDING;
        int passes;
        int failures;

        void observe(boolean passed, int healthyThreshold, int unhealthyThreshold) {
            if (passed) {
                failures = 0;
                passes = Math.min(passes + 1, healthyThreshold);
                if (status == Status.PENDING || passes >= healthyThreshold) {
                    status = Status.HEALTHY;
                }
            } else {
                passes = 0;
                failures = Math.min(failures + 1, unhealthyThreshold);
                if (failures >= unhealthyThreshold) {
                    status = Status.UNHEALTHY;
                }
            }
        }
    }

    /** Settings over the {@code DEFAULT_*} values. */
    public static final class Builder {
        private final Instancer instancer;
        private final HealthProbe probe;
        private Duration interval = DEFAULT_INTERVAL;
        private Duration timeout = DEFAULT_TIMEOUT;
        private int unhealthyThreshold = DEFAULT_UNHEALTHY_THRESHOLD;
        private int healthyThreshold = DEFAULT_HEALTHY_THRESHOLD;

        private Builder(Instancer instancer, HealthProbe probe) {
            this.instancer = instancer;
            this.probe = probe;
        }

        /** How often each instance is probed, {@code > 0}; default 2 s. */
        public Builder interval(Duration interval) {
            this.interval = positive(interval, "interval");
            return this;
        }

        /** How long a probe may take before it is interrupted and counts as failed, {@code > 0}; default 1 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = positive(timeout, "timeout");
            return this;
        }

        /** Failed probes in a row that take an instance out, {@code > 0}; default 2. */
        public Builder unhealthyThreshold(int probes) {
            this.unhealthyThreshold = positive(probes, "unhealthyThreshold");
            return this;
        }

        /** Passed probes in a row that put an unhealthy instance back, {@code > 0}; default 2. New instances need one. */
        public Builder healthyThreshold(int probes) {
            this.healthyThreshold = positive(probes, "healthyThreshold");
            return this;
        }

        /** Subscribes to the instancer and starts probing. */
        public HealthCheckedInstancer build() {
            return new HealthCheckedInstancer(instancer, probe, this);
        }

        private static Duration positive(Duration duration, String name) {
            Objects.requireNonNull(duration, name);
            if (!duration.isPositive()) {
                throw new IllegalArgumentException(name + ": " + duration + " (expected: > 0)");
            }
            return duration;
        }

        private static int positive(int value, String name) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
            }
            return value;
        }
    }
}
