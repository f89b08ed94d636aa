package io.javakit.console;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What the console shows: a {@link Snapshot} of the services, their instances and the recent errors, taken anew for
 * every poll of the page (once a second), and, in a demo, a {@link FaultControl} that breaks instances on demand.
 *
 * <p>The console knows nothing of gateways, balancers or meters; a model adapts them. A gateway's model lists each
 * service's instances from its endpointers, reads each instance's breaker state from the breaker registry, and
 * derives the request rate and the p99 latency from its meters over a recent window (not since start, or a fault
 * would take minutes to show). It names each service's balancer and retry policy as configured, and keeps, per
 * instance, the rate and the p99 of each of the last 60 seconds: the model rather than the page keeps that minute, so
 * that a page opened just now shows it too. {@link #snapshot()} is called on a request thread, so it must be cheap
 * and thread-safe.
 *
 * <pre>{@code
 * ConsoleModel model = () -> new ConsoleModel.Snapshot(services(), errors.recent(), Instant.now());
 * HttpServer admin = HttpServer.builder(Console.handler(model)).port(9000).start();
 * }</pre>
 */
@FunctionalInterface
public interface ConsoleModel {

    /** The state of the system now. */
    Snapshot snapshot();

    /** The fault control that the page offers buttons for; none by default, and then the page has no buttons. */
    default Optional<FaultControl> faults() {
        return Optional.empty();
    }

    /**
     * The system at one moment.
     *
     * @param services the services, in the order the page shows them
     * @param recentErrors the latest errors, newest first; the page shows them all, so keep the list short
     * @param at when the snapshot was taken
     */
    record Snapshot(List<Service> services, List<ErrorEntry> recentErrors, Instant at) {
        public Snapshot {
            services = List.copyOf(Objects.requireNonNull(services, "services"));
            recentErrors = List.copyOf(Objects.requireNonNull(recentErrors, "recentErrors"));
            Objects.requireNonNull(at, "at");
        }
    }

    /**
     * A service the gateway calls, how it calls it, and the instances it balances over.
     *
     * <p>The balancer and the retry policy are the model's own words for what is configured, shown as given: the page
     * makes no claim about them that the model did not make.
     *
     * @param name the service's name, e.g. {@code users}
     * @param balancer the balancer in use, short, e.g. {@code p2c} or {@code round robin}; not blank
     * @param retry the retry policy in use, short, e.g. {@code 3 attempts within 1 s, idempotent only, budget 20 %}, or
     *     {@code none}; not blank
     * @param instances its instances, in the order the page shows them
     */
    record Service(String name, String balancer, String retry, List<InstanceView> instances) {
        public Service {
            Objects.requireNonNull(name, "name");
            requireText(balancer, "balancer");
            requireText(retry, "retry");
            instances = List.copyOf(Objects.requireNonNull(instances, "instances"));
        }

        private static void requireText(String text, String name) {
            Objects.requireNonNull(text, name);
            if (text.isBlank()) {
                throw new IllegalArgumentException(name + ": \"" + text + "\" (expected: not blank)");
            }
        }
    }

    /**
     * One instance as the gateway sees it.
     *
     * @param address {@code host:port}, the key fault buttons send back
     * @param health {@value #UP}, {@value #DOWN} or {@value #UNKNOWN}
     * @param breaker the state of its circuit breaker: {@value #CLOSED}, {@value #OPEN} or {@value #HALF_OPEN}
     * @param requestsPerSecond calls sent to it per second over a recent window, 0 if none
     * @param p99Millis the 99th percentile latency of those calls in milliseconds, 0 if none
     * @param requests calls sent to it since start
     * @param errors those of its calls that failed
     * @param requestsPerSecondLastMinute {@code requestsPerSecond} once a second over the last minute, oldest first:
     *     at most {@value #LAST_MINUTE_POINTS} points, fewer (or none) while the gateway has run less than a minute
     * @param p99MillisLastMinute {@code p99Millis} likewise, 0 for a second without calls
     */
    record InstanceView(String address, String health, String breaker, double requestsPerSecond, double p99Millis,
                        long requests, long errors, List<Double> requestsPerSecondLastMinute,
                        List<Double> p99MillisLastMinute) {
        public static final String UP = "up";
        public static final String DOWN = "down";
        public static final String UNKNOWN = "unknown";
        public static final String CLOSED = "closed";
        public static final String OPEN = "open";
        public static final String HALF_OPEN = "half_open";
        /** The most points a last-minute series holds: one a second. */
        public static final int LAST_MINUTE_POINTS = 60;

        private static final Set<String> HEALTHS = Set.of(UP, DOWN, UNKNOWN);
        private static final Set<String> BREAKERS = Set.of(CLOSED, OPEN, HALF_OPEN);

        public InstanceView {
            Objects.requireNonNull(address, "address");
            if (!HEALTHS.contains(health)) {
                throw new IllegalArgumentException("health: " + health + " (expected: up, down or unknown)");
            }
            if (!BREAKERS.contains(breaker)) {
                throw new IllegalArgumentException("breaker: " + breaker + " (expected: closed, open or half_open)");
            }
            // NaN or infinity would reach the page as strings, not numbers
            if (!(requestsPerSecond >= 0) || Double.isInfinite(requestsPerSecond)) {
                throw new IllegalArgumentException("requestsPerSecond: " + requestsPerSecond + " (expected: finite, >= 0)");
            }
            if (!(p99Millis >= 0) || Double.isInfinite(p99Millis)) {
                throw new IllegalArgumentException("p99Millis: " + p99Millis + " (expected: finite, >= 0)");
            }
            if (requests < 0) {
                throw new IllegalArgumentException("requests: " + requests + " (expected: >= 0)");
            }
            if (errors < 0) {
                throw new IllegalArgumentException("errors: " + errors + " (expected: >= 0)");
            }
            requestsPerSecondLastMinute = lastMinute(requestsPerSecondLastMinute, "requestsPerSecondLastMinute");
            p99MillisLastMinute = lastMinute(p99MillisLastMinute, "p99MillisLastMinute");
        }

        private static List<Double> lastMinute(List<Double> points, String name) {
            Objects.requireNonNull(points, name);
            if (points.size() > LAST_MINUTE_POINTS) {
                throw new IllegalArgumentException(name + ": " + points.size() + " points (expected: at most "
                        + LAST_MINUTE_POINTS + ", one a second)");
            }
            for (int i = 0; i < points.size(); i++) {
                Double point = points.get(i);
                if (point == null || !(point >= 0) || point.isInfinite()) {
                    throw new IllegalArgumentException(name + "[" + i + "]: " + point + " (expected: finite, >= 0)");
                }
            }
            return List.copyOf(points);
        }
    }

    /**
     * A failed call.
     *
     * @param at when it failed
     * @param service the service called
     * @param instance the instance that failed it, or an empty string if none was picked
     * @param kind what went wrong, e.g. {@code unavailable} or {@code deadline_exceeded}
     * @param message the detail, as safe to show as the gateway's logs
     */
    record ErrorEntry(Instant at, String service, String instance, String kind, String message) {
        public ErrorEntry {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(instance, "instance");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(message, "message");
        }
    }

    /** Breaks instances on demand, so that a demo can show balancing, retries, breakers and ejection at work. */
    interface FaultControl {

        /**
         * Gives {@code instance} a fault until another replaces it; {@link Fault#NONE} restores it.
         *
         * @param instance an instance's {@code host:port}, as in {@link InstanceView#address()}
         */
        void apply(String instance, Fault fault);

        /** The instances that have a fault now (not {@link Fault#NONE}), by address. */
        Map<String, Fault> active();
    }

    /** What a {@link FaultControl} can do to an instance. */
    enum Fault {
        /** Healthy: answers normally. */
        NONE,
        /** Stopped: refuses connections, as a crashed process would. */
        STOP,
        /** Hung: accepts requests and never answers, so callers time out. */
        HANG,
        /** Slow: answers correctly, but late. */
        SLOW,
        /** Failing: answers every request with a server error. */
        FAIL
    }
}
