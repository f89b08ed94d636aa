package io.javakit.example;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.javakit.console.ConsoleModel;
import io.javakit.sd.Instance;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.function.Function;

/**
 * The console's view of a running gateway: its instances, their breakers, and rates and p99 computed over the time
 * over the last second or two (the page asks once a second), so a stopped instance shows at once.
 */
public final class GatewayConsole implements ConsoleModel {
    private static final List<String> SERVICES = List.of("users", "products");
    private static final long WINDOW_NANOS = 1_000_000_000L;

    private final Function<String, List<Instance>> instances;
    private final Function<String, Set<Instance>> ejected;
    private final CircuitBreakerRegistry breakers;
    private final MeterRegistry metrics;
    private final RecentErrors errors;
    private final Map<String, Sample> previous = new HashMap<>();
    private FaultControl faults;

    /** What was counted for one instance at the previous snapshot. */
    private record Sample(long nanos, double calls, CountAtBucket[] latency) {}

    GatewayConsole(Function<String, List<Instance>> instances, Function<String, Set<Instance>> ejected, CircuitBreakerRegistry breakers,
                   MeterRegistry metrics, RecentErrors errors) {
        this.instances = instances;
        this.ejected = ejected;
        this.breakers = breakers;
        this.metrics = metrics;
        this.errors = errors;
    }

    /** Offers fault buttons that act through {@code faults} (the demo's instances run in this process). */
    public GatewayConsole withFaults(FaultControl faults) {
        this.faults = faults;
        return this;
    }

    @Override
    public Optional<FaultControl> faults() {
        return Optional.ofNullable(faults);
    }

    @Override
    public synchronized Snapshot snapshot() {
        long now = System.nanoTime();
        List<Service> services = SERVICES.stream().map(service -> new Service(service,
                instances.apply(service).stream().map(i -> view(service, i.address(), now)).toList())).toList();
        return new Snapshot(services, errors.newestFirst(), Instant.now());
    }

    private InstanceView view(String service, String address, long now) {
        CircuitBreaker breaker = breakers.circuitBreaker(address);
        String state = switch (breaker.getState()) {
            case OPEN, FORCED_OPEN -> InstanceView.OPEN;
            case HALF_OPEN -> InstanceView.HALF_OPEN;
            default -> InstanceView.CLOSED;
        };
        // calls that reached the instance (through its breaker), not picks the open breaker turned away
        double calls = metrics.find("resilience4j.circuitbreaker.calls").tag("name", address).timers().stream()
                .mapToDouble(Timer::count).sum();
        Timer latency = metrics.find("javakit.request.duration").tags("service", service, "instance", address).timer();
        CountAtBucket[] buckets = latency == null ? new CountAtBucket[0] : latency.takeSnapshot().histogramCounts();
        Timer failed = metrics.find("resilience4j.circuitbreaker.calls").tags("name", address, "kind", "failed").timer();

        // rates over at least a second, however often (and by how many pages) the console is asked
        Sample before = previous.get(address);
        if (before == null || now - before.nanos() >= WINDOW_NANOS) {
            previous.put(address, new Sample(now, calls, buckets));
        }
        double seconds = before == null ? 0 : (now - before.nanos()) / 1e9;
        double rate = seconds <= 0 ? 0 : (calls - before.calls()) / seconds;
        double p99 = before == null ? 0 : p99Millis(before.latency(), buckets);
        boolean out = ejected.apply(service).stream().anyMatch(i -> i.address().equals(address));
        String health = out || state.equals(InstanceView.OPEN) ? InstanceView.DOWN
                : state.equals(InstanceView.HALF_OPEN) ? InstanceView.UNKNOWN : InstanceView.UP;
        return new InstanceView(address, health, state, Math.max(0, rate), p99, (long) calls, failed == null ? 0 : failed.count());
    }

    /** The bucket bound below which 99 % of the calls since the last snapshot finished. */
    private static double p99Millis(CountAtBucket[] before, CountAtBucket[] now) {
        if (now.length == 0 || before.length != now.length) {
            return 0;
        }
        double total = now[now.length - 1].count() - before[before.length - 1].count();
        if (total <= 0) {
            return 0;
        }
        for (int i = 0; i < now.length; i++) {
            if (now[i].count() - before[i].count() >= 0.99 * total) {
                return now[i].bucket(java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }
        return now[now.length - 1].bucket(java.util.concurrent.TimeUnit.MILLISECONDS);
    }
}
