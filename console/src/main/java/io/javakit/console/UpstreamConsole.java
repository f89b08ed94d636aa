package io.javakit.console;

import io.javakit.upstream.Upstream;
import io.javakit.upstream.UpstreamView;
import io.javakit.upstream.UpstreamView.InstanceState;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The console's model of a gateway: its upstreams as their {@linkplain Upstream#view() views} report them, read
 * anew at every poll. Health is what the balancer acts on: up while pickable with a closed breaker, down while
 * ejected or its breaker is open, unknown while the breaker is trying it again. Rates and p99 are those of the last
 * complete second.
 */
public final class UpstreamConsole implements ConsoleModel {
    private static final int ERRORS_SHOWN = 20;

    private final List<Upstream<?, ?>> upstreams;
    private final Optional<FaultControl> faults;

    private UpstreamConsole(List<Upstream<?, ?>> upstreams, Optional<FaultControl> faults) {
        this.upstreams = List.copyOf(upstreams);
        this.faults = faults;
    }

    /** The console of {@code upstreams}, in the order the page shows them. */
    public static UpstreamConsole of(List<Upstream<?, ?>> upstreams) {
        return new UpstreamConsole(upstreams, Optional.empty());
    }

    /** This console with fault buttons that act through {@code faults}. */
    public UpstreamConsole withFaults(FaultControl faults) {
        return new UpstreamConsole(upstreams, Optional.of(Objects.requireNonNull(faults, "faults")));
    }

    @Override
    public Optional<FaultControl> faults() {
        return faults;
    }

    @Override
    public Snapshot snapshot() {
        List<UpstreamView> views = upstreams.stream().map(Upstream::view).toList();
        List<Service> services = views.stream()
                .map(view -> new Service(view.service(), view.balancer(), view.retry(),
                        view.instances().stream().map(UpstreamConsole::instance).toList())).toList();
        List<ErrorEntry> errors = views.stream()
                .flatMap(view -> view.recentErrors().stream().map(e -> new ErrorEntry(e.at(), view.service(), e.instance().address(), e.kind(), e.message())))
                .sorted(Comparator.comparing(ErrorEntry::at).reversed()).limit(ERRORS_SHOWN).toList();
        return new Snapshot(services, errors, Instant.now());
    }

    private static InstanceView instance(InstanceState state) {
        String breaker = switch (state.breaker()) {
            case OPEN -> InstanceView.OPEN;
            case HALF_OPEN -> InstanceView.HALF_OPEN;
            case CLOSED -> InstanceView.CLOSED;
        };
        String health = state.ejected() || state.breaker() == UpstreamView.Breaker.OPEN ? InstanceView.DOWN
                : state.breaker() == UpstreamView.Breaker.HALF_OPEN ? InstanceView.UNKNOWN : InstanceView.UP;
        return new InstanceView(state.instance().address(), health, breaker, last(state.requestsPerSecond()), last(state.p99Millis()),
                state.requests(), state.failures(), state.requestsPerSecond(), state.p99Millis());
    }

    private static double last(List<Double> series) {
        return series.isEmpty() ? 0 : series.getLast();
    }
}
