package io.javakit.sd.lb;

import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.EndpointException.Kind;
import io.javakit.endpoint.RequestContext;
import io.javakit.sd.Endpointer;
import io.javakit.sd.Instance;
import io.javakit.sd.lb.OutlierDetection.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An endpointer without its outlier instances; made by {@link OutlierDetection#wrap}, which describes the rules.
 *
 * <p>{@link #endpoints()} is a volatile read and an identity check while nothing changes (plus a clock read while an
 * instance is out); the list is rebuilt only when the underlying set changes, an instance is ejected or an
 * ejection ends, and it keeps the same endpoint objects across rebuilds, so balancers keep their per-instance state.
 * Recording an outcome is a few atomic operations; only an ejection takes a lock. Instances that leave the
 * underlying endpointer are forgotten, ejection history included.
 */
public final class EjectingEndpointer<Req, Res> implements Endpointer<Req, Res> {
    private static final Logger LOG = LoggerFactory.getLogger(EjectingEndpointer.class);

    private final Endpointer<Req, Res> delegate;
    private final OutlierDetection config;
    private final int maxMultiplier;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong ejections = new AtomicLong();
    private volatile View<Req, Res> view = new View<>(List.of(), Map.of(), List.of(), Set.of(), 0);

    EjectingEndpointer(Endpointer<Req, Res> delegate, OutlierDetection config) {
        this.delegate = delegate;
        this.config = config;
        // Beyond this many ejections the cap applies anyway; stopping the count here lets a recovered instance
        // earn its way back to the base in a bounded time.
        long steps = Math.ceilDiv(config.maxEjectionNanos, config.baseEjectionNanos);
        this.maxMultiplier = (int) Math.min(Integer.MAX_VALUE, steps);
    }

    /** The underlying endpoints minus the ejected ones; all of them if every remaining one is ejected. */
    @Override
    public List<InstanceEndpoint<Req, Res>> endpoints() {
        return current().available();
    }

    /** The instances out right now, in instance order. */
    public Set<Instance> ejected() {
        return current().ejected();
    }

    /** How many ejections there have been since creation, for a metrics counter. */
    public long ejections() {
        return ejections.get();
    }

    /** Closes the underlying endpointer. */
    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return "EjectingEndpointer(" + config + ")";
    }

    private View<Req, Res> current() {
        View<Req, Res> current = view;
        if (current.source() != delegate.endpoints() || current.readmissionDue(config.nanoClock.getAsLong())) {
            return update(null, null);
        }
        return current;
    }

    /** Ejects {@code tracker} unless it left, is already out, or the cap is reached. */
    private void eject(Tracker<Req, Res> tracker, Reason reason) {
        View<Req, Res> current = view;
        // When everything fails, every failure lands here: refuse without the lock while the cap is reached.
        if (current.ejected().size() >= config.maxEjected(current.trackers().size())) {
            return;
        }
        update(tracker, reason);
    }

    /**
     * Follows the underlying set, re-admits the instances whose time is up, ejects {@code candidate} if given and
     * allowed, and publishes the new view. Logs and listener calls run after the lock is released.
     */
    private View<Req, Res> update(Tracker<Req, Res> candidate, Reason reason) {
        List<Runnable> events = new ArrayList<>(1);
        View<Req, Res> next;
        lock.lock();
        try {
            long now = config.nanoClock.getAsLong();
            View<Req, Res> old = view;
            List<InstanceEndpoint<Req, Res>> source = delegate.endpoints();
            Map<InstanceEndpoint<Req, Res>, Tracker<Req, Res>> trackers =
                    source == old.source() ? old.trackers() : follow(old.trackers(), source, now);
            int out = 0;
            for (Tracker<Req, Res> tracker : trackers.values()) {
                if (tracker.ejected && now - tracker.ejectedUntil >= 0) {
                    long outFor = now - tracker.ejectedAt;
                    tracker.readmit(now);
                    events.add(() -> readmitted(tracker, outFor));
                } else if (tracker.ejected) {
                    out++;
                }
            }
            if (candidate != null && trackers.get(candidate.source) == candidate && !candidate.ejected
                    && out < config.maxEjected(trackers.size())) {
                long duration = candidate.eject(now);
                ejections.incrementAndGet();
                events.add(() -> ejected(candidate, reason, duration));
            }
            next = snapshot(source, trackers);
            view = next;
        } finally {
            lock.unlock();
        }
        events.forEach(Runnable::run);
        return next;
    }

    /** Trackers for {@code source}, in its order: kept for the endpoints still there, new for newcomers. */
    private Map<InstanceEndpoint<Req, Res>, Tracker<Req, Res>> follow(
            Map<InstanceEndpoint<Req, Res>, Tracker<Req, Res>> known, List<InstanceEndpoint<Req, Res>> source, long now) {
        Map<InstanceEndpoint<Req, Res>, Tracker<Req, Res>> trackers = new LinkedHashMap<>();
        for (InstanceEndpoint<Req, Res> endpoint : source) {
            Tracker<Req, Res> tracker = known.get(endpoint);
            trackers.put(endpoint, tracker != null ? tracker : new Tracker<>(this, endpoint, now));
        }
        return Collections.unmodifiableMap(trackers);
    }

    private static <Req, Res> View<Req, Res> snapshot(List<InstanceEndpoint<Req, Res>> source,
                                                      Map<InstanceEndpoint<Req, Res>, Tracker<Req, Res>> trackers) {
        List<InstanceEndpoint<Req, Res>> available = new ArrayList<>(trackers.size());
        Set<Instance> ejected = new LinkedHashSet<>();
        long nextReadmission = 0;
        for (Tracker<Req, Res> tracker : trackers.values()) {
            if (!tracker.ejected) {
                available.add(tracker.exposed);
            } else {
                if (ejected.isEmpty() || tracker.ejectedUntil - nextReadmission < 0) {
                    nextReadmission = tracker.ejectedUntil;
                }
                ejected.add(tracker.source.instance());
            }
        }
        if (available.isEmpty()) {
            // The set shrank under the ejected ones: routing to every instance beats routing to none.
            trackers.values().forEach(tracker -> available.add(tracker.exposed));
        }
        return new View<>(source, trackers, List.copyOf(available), Collections.unmodifiableSet(ejected), nextReadmission);
    }

    private void ejected(Tracker<Req, Res> tracker, Reason reason, long durationNanos) {
        Duration duration = Duration.ofNanos(durationNanos);
        LOG.atWarn().addKeyValue("instance", tracker.source.instance().address())
                .addKeyValue("reason", reason.name().toLowerCase(Locale.ROOT)).addKeyValue("for", duration)
                .log("ejecting an outlier instance");
        config.listener.ejected(tracker.source.instance(), reason, duration);
    }

    private void readmitted(Tracker<Req, Res> tracker, long outForNanos) {
        LOG.atInfo().addKeyValue("instance", tracker.source.instance().address())
                .addKeyValue("after", Duration.ofNanos(outForNanos)).log("re-admitting an ejected instance");
        config.listener.readmitted(tracker.source.instance());
    }

    /**
     * What {@link #endpoints()} serves, derived from one underlying list.
     *
     * @param nextReadmission when the first ejection ends, on the nano clock; meaningless while none is ejected
     */
    private record View<Req, Res>(List<InstanceEndpoint<Req, Res>> source,
                                  Map<InstanceEndpoint<Req, Res>, Tracker<Req, Res>> trackers,
                                  List<InstanceEndpoint<Req, Res>> available, Set<Instance> ejected,
                                  long nextReadmission) {
        boolean readmissionDue(long now) {
            return !ejected.isEmpty() && now - nextReadmission >= 0;
        }
    }

    /** One instance's record, and the endpoint that keeps it: the endpointer hands this out. */
    private static final class Tracker<Req, Res> implements Endpoint<Req, Res> {
        final EjectingEndpointer<Req, Res> owner;
        final InstanceEndpoint<Req, Res> source;
        final InstanceEndpoint<Req, Res> exposed;
        final AtomicInteger failuresInARow = new AtomicInteger();
        final OutcomeWindow window;
        // Written under the owner's lock; `ejected` is also read without it, to skip ejecting twice.
        volatile boolean ejected;
        long ejectedAt;
        long ejectedUntil;
        long admittedSince;
        int multiplier;

        Tracker(EjectingEndpointer<Req, Res> owner, InstanceEndpoint<Req, Res> source, long now) {
            this.owner = owner;
            this.source = source;
            this.exposed = new InstanceEndpoint<>(source.instance(), this);
            this.window = new OutcomeWindow(owner.config.windowNanos, now);
            this.admittedSince = now;
        }

        @Override
        public Res call(RequestContext ctx, Req request) throws Exception {
            Res answer;
            try {
                answer = source.endpoint().call(ctx, request);
            } catch (Exception e) {
                if (EndpointException.isInstanceFailure(e)) {
                    record(true);
                } else if (EndpointException.kindOf(e) != Kind.RATE_LIMITED) {
                    // An answer, if not the one wanted. A rate limit is neither: often the caller's own limiter,
                    // which never reached the instance.
                    record(false);
                }
                throw e;
            }
            record(false);
            return answer;
        }

        private void record(boolean failed) {
            OutlierDetection config = owner.config;
            long now = config.nanoClock.getAsLong();
            window.record(now, failed);
            if (!failed) {
                if (failuresInARow.get() != 0) {
                    failuresInARow.set(0);
                }
                return;
            }
            int inARow = failuresInARow.incrementAndGet();
            if (ejected) {
                return;
            }
            if (inARow >= config.consecutiveFailures) {
                owner.eject(this, Reason.CONSECUTIVE_FAILURES);
            } else if (window.failing(now, config.failureRateThreshold, config.minRequests)) {
                owner.eject(this, Reason.FAILURE_RATE);
            }
        }

        /** Takes the instance out; returns for how long. Under the owner's lock. */
        long eject(long now) {
            OutlierDetection config = owner.config;
            // Each base ejection spent admitted since the last return earns one step back, as Envoy's multiplier
            // falls each interval an instance stays in.
            long earned = (now - admittedSince) / config.baseEjectionNanos;
            multiplier = (int) Math.min(owner.maxMultiplier, Math.max(0, multiplier - earned) + 1);
            long duration = Math.min(config.maxEjectionNanos, config.baseEjectionNanos * multiplier);
            ejectedAt = now;
            ejectedUntil = now + duration;
            ejected = true;
            return duration;
        }

        /** Lets the instance back in with a clean record. Under the owner's lock. */
        void readmit(long now) {
            ejected = false;
            admittedSince = now;
            failuresInARow.set(0);
            window.clear();
        }

        @Override
        public String toString() {
            return source.endpoint().toString();
        }
    }

    /**
     * Requests and failures over the last window, in a ring of slices. Each slot packs the failures into the high
     * 32 bits and the requests into the low 32, so that recording is one atomic add; only moving to a new slice
     * (once a tenth of the window) takes a lock. A count racing with a move may land in the slice just cleared,
     * which a threshold can afford.
     */
    private static final class OutcomeWindow {
        private static final int SLICES = 10;
        private static final long REQUEST = 1;
        private static final long FAILURE = 1L << 32;

        private final long sliceNanos;
        private final AtomicLongArray slots = new AtomicLongArray(SLICES);
        private volatile long currentSlice;

        OutcomeWindow(long windowNanos, long now) {
            this.sliceNanos = Math.max(1, windowNanos / SLICES);
            this.currentSlice = Math.floorDiv(now, sliceNanos);
        }

        void record(long now, boolean failed) {
            slots.addAndGet(slot(now), failed ? FAILURE + REQUEST : REQUEST);
        }

        boolean failing(long now, double threshold, int minRequests) {
            slot(now);
            long sum = 0;
            for (int i = 0; i < SLICES; i++) {
                sum += slots.get(i);
            }
            long requests = sum & 0xFFFF_FFFFL;
            long failures = sum >>> 32;
            return requests >= minRequests && failures >= threshold * requests;
        }

        void clear() {
            for (int i = 0; i < SLICES; i++) {
                slots.set(i, 0);
            }
        }

        private int slot(long now) {
            long slice = Math.floorDiv(now, sliceNanos);
            if (slice > currentSlice) {
                advance(slice);
            }
            return (int) Math.floorMod(currentSlice, SLICES);
        }

        private synchronized void advance(long slice) {
            long current = currentSlice;
            for (long s = current + 1; s <= Math.min(slice, current + SLICES); s++) {
                slots.set((int) Math.floorMod(s, SLICES), 0);
            }
            if (slice > current) {
                currentSlice = slice;
            }
        }
    }
}
