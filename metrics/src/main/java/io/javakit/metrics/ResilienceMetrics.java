package io.javakit.metrics;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetricsPublisher;
import io.github.resilience4j.micrometer.tagged.TaggedRateLimiterMetricsPublisher;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Set;

/**
 * Binds Resilience4j's breakers and limiters to a registry. Resilience4j's own Micrometer module supplies the
 * calls, failure rates and permits; it has no state as one number, no transition count and no count of rejected
 * permits, which dashboards and alerts want, so those come from the breakers' and limiters' events.
 */
final class ResilienceMetrics {
    static final String BREAKER_STATE = "javakit.breaker.state";
    static final String BREAKER_TRANSITIONS = "javakit.breaker.transitions";
    static final String LIMITER_REJECTIONS = "javakit.ratelimiter.rejections";

    /** The transitions a breaker makes in normal operation, counted from zero so that rates work from the first. */
    private static final CircuitBreaker.StateTransition[] USUAL_TRANSITIONS = {
            CircuitBreaker.StateTransition.CLOSED_TO_OPEN,
            CircuitBreaker.StateTransition.OPEN_TO_HALF_OPEN,
            CircuitBreaker.StateTransition.HALF_OPEN_TO_CLOSED,
            CircuitBreaker.StateTransition.HALF_OPEN_TO_OPEN,
    };

    private final MeterRegistry registry;
    private final TaggedCircuitBreakerMetricsPublisher breakerMeters;
    private final TaggedRateLimiterMetricsPublisher limiterMeters;

    ResilienceMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.breakerMeters = new TaggedCircuitBreakerMetricsPublisher(registry);
        this.limiterMeters = new TaggedRateLimiterMetricsPublisher(registry);
    }

    /** 0 closed, 1 open, 2 half-open; a breaker that rejects everything counts as open, one that rejects nothing as closed. */
    static int stateCode(CircuitBreaker.State state) {
        return switch (state) {
            case CLOSED, DISABLED, METRICS_ONLY -> 0;
            case OPEN, FORCED_OPEN -> 1;
            case HALF_OPEN -> 2;
        };
    }

    void bind(CircuitBreaker breaker) {
        String instance = breaker.getName();
        removeStateGauge(instance);
        Gauge.builder(BREAKER_STATE, breaker, b -> stateCode(b.getState()))
                .description("Circuit breaker state: 0 closed, 1 open, 2 half-open")
                .tag(Metrics.INSTANCE, instance)
                .register(registry);
        for (CircuitBreaker.StateTransition transition : USUAL_TRANSITIONS) {
            transitions(instance, transition);
        }
        breaker.getEventPublisher().onStateTransition(event -> transitions(instance, event.getStateTransition()).increment());
        breakerMeters.publishMetrics(breaker);
    }

    private Counter transitions(String instance, CircuitBreaker.StateTransition transition) {
        return Counter.builder(BREAKER_TRANSITIONS)
                .description("Circuit breaker state transitions")
                .tags(Metrics.INSTANCE, instance,
                        "from", label(transition.getFromState()), "to", label(transition.getToState()))
                .register(registry);
    }

    private static String label(CircuitBreaker.State state) {
        return state.name().toLowerCase(Locale.ROOT);
    }

    /**
     * A registry's breakers, present and future. Each is bound once, however the registry's events and the initial
     * listing overlap.
     */
    void bindAll(CircuitBreakerRegistry breakers) {
        Set<CircuitBreaker> bound = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        breakers.getEventPublisher()
                .onEntryAdded(event -> bindOnce(bound, event.getAddedEntry()))
                .onEntryRemoved(event -> unbind(bound, event.getRemovedEntry()))
                .onEntryReplaced(event -> {
                    unbind(bound, event.getOldEntry());
                    bindOnce(bound, event.getNewEntry());
                });
        breakers.getAllCircuitBreakers().forEach(breaker -> bindOnce(bound, breaker));
    }

    private void bindOnce(Set<CircuitBreaker> bound, CircuitBreaker breaker) {
        if (bound.add(breaker)) {
            bind(breaker);
        }
    }

    private void unbind(Set<CircuitBreaker> bound, CircuitBreaker breaker) {
        if (bound.remove(breaker)) {
            removeStateGauge(breaker.getName());
            breakerMeters.removeMetrics(breaker);
        }
    }

    /** A registry hands back an existing gauge rather than replace it, and that one would read the old breaker. */
    private void removeStateGauge(String instance) {
        registry.find(BREAKER_STATE).tag(Metrics.INSTANCE, instance).meters().forEach(registry::remove);
    }

    void bind(RateLimiter limiter) {
        Counter rejections = Counter.builder(LIMITER_REJECTIONS)
                .description("Calls a rate limiter refused a permit")
                .tag(Metrics.INSTANCE, limiter.getName())
                .register(registry);
        limiter.getEventPublisher().onFailure(event -> rejections.increment());
        limiterMeters.publishMetrics(limiter);
    }
}
