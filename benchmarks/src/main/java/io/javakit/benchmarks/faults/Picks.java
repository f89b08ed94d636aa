package io.javakit.benchmarks.faults;

import java.util.HashMap;
import java.util.Map;

/**
 * How many calls the gateway's balancer sent to each instance of one service, read from its Prometheus counter
 * {@code javakit_balancer_picks_total{service,instance}}: retries count as picks of the instance they went to.
 */
record Picks(Map<String, Double> byInstance) {
    static final String COUNTER = "javakit_balancer_picks_total";

    Picks {
        byInstance = Map.copyOf(byInstance);
    }

    /** The picks of {@code service}'s instances in a Prometheus text exposition. */
    static Picks parse(String prometheus, String service) {
        return of(Prometheus.parse(prometheus), service);
    }

    /** The picks of {@code service}'s instances in the samples of a Prometheus text exposition. */
    static Picks of(Prometheus metrics, String service) {
        return new Picks(metrics.byInstance(COUNTER, Map.of("service", service)));
    }

    /** The picks made since {@code earlier}. */
    Picks since(Picks earlier) {
        Map<String, Double> delta = new HashMap<>(byInstance);
        earlier.byInstance.forEach((instance, count) -> delta.merge(instance, -count, Double::sum));
        return new Picks(delta);
    }

    double total() {
        return byInstance.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /** {@code instance}'s share of all picks, 0 to 1; 0 when there were none. */
    double share(String instance) {
        double total = total();
        return total == 0 ? 0 : byInstance.getOrDefault(instance, 0.0) / total;
    }
}
