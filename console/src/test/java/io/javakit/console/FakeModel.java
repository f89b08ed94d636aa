package io.javakit.console;

import io.javakit.console.ConsoleModel.ErrorEntry;
import io.javakit.console.ConsoleModel.Fault;
import io.javakit.console.ConsoleModel.InstanceView;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An in-memory system that reacts to faults the way the gateway does, so that the page can be watched at work
 * without backends: each service's traffic ({@value #REQUESTS_PER_SECOND} req/s) is split evenly over the instances
 * whose breaker lets calls through. Stopping, hanging or failing an instance costs it
 * {@value #FAILURES_TO_OPEN} failed calls, opens its breaker and moves its share to the others; slowing it only
 * raises its p99; restoring it half-opens its breaker, which closes {@link #HALF_OPEN_FOR} later. Counters advance
 * with the injected clock, and each whole second of it adds a point to every instance's last minute. Every service
 * starts as {@value #BALANCER} with {@value #RETRY}; {@link #policy} changes that, as a restarted gateway might.
 */
final class FakeModel implements ConsoleModel, ConsoleModel.FaultControl {
    static final double REQUESTS_PER_SECOND = 30;
    static final int FAILURES_TO_OPEN = 6;
    static final Duration HALF_OPEN_FOR = Duration.ofSeconds(2);
    static final double SLOW_P99_MILLIS = 250;
    static final double HUNG_P99_MILLIS = 333;
    static final String BALANCER = "p2c";
    static final String RETRY = "3 attempts within 1 s, idempotent only, budget 20 %";
    private static final int RECENT_ERRORS = 10;

    private final Clock clock;
    private final Map<String, List<Node>> services = new LinkedHashMap<>();
    private final Map<String, Policy> policies = new LinkedHashMap<>();
    private final LinkedList<ErrorEntry> errors = new LinkedList<>();
    private Instant last;
    private Instant sampledUntil;

    private record Policy(String balancer, String retry) {}

    private static final class Node {
        final String service;
        final String address;
        final double baseP99;
        Fault fault = Fault.NONE;
        Instant restoredAt;
        double requests;
        long errors;
        double rate;
        final ArrayDeque<Double> rates = new ArrayDeque<>();
        final ArrayDeque<Double> p99s = new ArrayDeque<>();

        Node(String service, String address, double baseP99) {
            this.service = service;
            this.address = address;
            this.baseP99 = baseP99;
        }

        boolean breakerLetsCallsThrough() {
            return passes(fault);
        }

        static boolean passes(Fault fault) {
            return fault == Fault.NONE || fault == Fault.SLOW;
        }
    }

    /** The seed's system: users on localhost:8080-8082, products on localhost:8083-8085. */
    FakeModel(Clock clock) {
        this.clock = clock;
        this.last = clock.instant();
        this.sampledUntil = last;
        int port = 8080;
        for (String service : List.of("users", "products")) {
            List<Node> nodes = new ArrayList<>();
            for (int i = 0; i < 3; i++, port++) {
                nodes.add(new Node(service, "localhost:" + port, 2.5 + 0.5 * i));
            }
            services.put(service, nodes);
            policies.put(service, new Policy(BALANCER, RETRY));
        }
        rebalance();
    }

    /** From the next snapshot on, {@code service} reports this balancer and retry policy. */
    synchronized void policy(String service, String balancer, String retry) {
        if (!policies.containsKey(service)) {
            throw new IllegalArgumentException("service: " + service + " (expected: one of " + policies.keySet() + ")");
        }
        policies.put(service, new Policy(balancer, retry));
    }

    @Override
    public synchronized Snapshot snapshot() {
        Instant now = clock.instant();
        double seconds = Duration.between(last, now).toNanos() / 1e9;
        last = now;
        sample(now);
        List<Service> views = new ArrayList<>();
        for (Map.Entry<String, List<Node>> service : services.entrySet()) {
            List<InstanceView> instances = new ArrayList<>();
            for (Node node : service.getValue()) {
                node.requests += node.rate * seconds;
                instances.add(new InstanceView(node.address, health(node), breaker(node, now), node.rate, p99(node),
                        (long) node.requests, node.errors, List.copyOf(node.rates), List.copyOf(node.p99s)));
            }
            Policy policy = policies.get(service.getKey());
            views.add(new Service(service.getKey(), policy.balancer(), policy.retry(), instances));
        }
        return new Snapshot(views, List.copyOf(errors), now);
    }

    @Override
    public Optional<FaultControl> faults() {
        return Optional.of(this);
    }

    @Override
    public synchronized void apply(String instance, Fault fault) {
        Node node = node(instance);
        sample(clock.instant()); // the seconds before the fault keep the rates they had
        Fault before = node.fault;
        node.fault = fault;
        node.restoredAt = fault == Fault.NONE && !Node.passes(before) ? clock.instant() : null;
        if (!node.breakerLetsCallsThrough()) {
            node.requests += FAILURES_TO_OPEN;
            node.errors += FAILURES_TO_OPEN;
            String kind = fault == Fault.HANG ? "deadline_exceeded" : "unavailable";
            String message = switch (fault) {
                case STOP -> "connection refused";
                case HANG -> "no answer within the attempt's 333 ms";
                default -> "HTTP 500 from the instance";
            };
            error(node, kind, message + "; breaker opened after " + FAILURES_TO_OPEN + " failures");
        }
        rebalance();
    }

    @Override
    public synchronized Map<String, Fault> active() {
        Map<String, Fault> active = new LinkedHashMap<>();
        services.values().forEach(nodes -> nodes.stream()
                .filter(n -> n.fault != Fault.NONE)
                .forEach(n -> active.put(n.address, n.fault)));
        return active;
    }

    /** Adds a point per instance for each whole second since the last one, up to a minute's worth. */
    private void sample(Instant now) {
        long seconds = Duration.between(sampledUntil, now).toSeconds();
        sampledUntil = sampledUntil.plusSeconds(seconds);
        for (long i = Math.min(seconds, InstanceView.LAST_MINUTE_POINTS); i > 0; i--) {
            services.values().forEach(nodes -> nodes.forEach(node -> {
                append(node.rates, node.rate);
                append(node.p99s, p99(node));
            }));
        }
    }

    private static void append(ArrayDeque<Double> series, double point) {
        series.addLast(point);
        if (series.size() > InstanceView.LAST_MINUTE_POINTS) {
            series.removeFirst();
        }
    }

    private void rebalance() {
        for (List<Node> nodes : services.values()) {
            long serving = nodes.stream().filter(Node::breakerLetsCallsThrough).count();
            for (Node node : nodes) {
                node.rate = node.breakerLetsCallsThrough() ? REQUESTS_PER_SECOND / serving : 0;
            }
        }
    }

    private String health(Node node) {
        return switch (node.fault) {
            case STOP -> InstanceView.DOWN;
            case HANG -> InstanceView.UNKNOWN;
            default -> InstanceView.UP;
        };
    }

    private String breaker(Node node, Instant now) {
        if (!node.breakerLetsCallsThrough()) {
            return InstanceView.OPEN;
        }
        if (node.restoredAt != null && Duration.between(node.restoredAt, now).compareTo(HALF_OPEN_FOR) < 0) {
            return InstanceView.HALF_OPEN;
        }
        return InstanceView.CLOSED;
    }

    private double p99(Node node) {
        return switch (node.fault) {
            case NONE -> node.baseP99;
            case SLOW -> SLOW_P99_MILLIS;
            case HANG -> HUNG_P99_MILLIS;
            case STOP, FAIL -> 0;
        };
    }

    private void error(Node node, String kind, String message) {
        errors.addFirst(new ErrorEntry(clock.instant(), node.service, node.address, kind, message));
        while (errors.size() > RECENT_ERRORS) {
            errors.removeLast();
        }
    }

    private Node node(String address) {
        return services.values().stream().flatMap(List::stream)
                .filter(n -> n.address.equals(address))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("instance: " + address + " (expected: one of the model's)"));
    }
}
