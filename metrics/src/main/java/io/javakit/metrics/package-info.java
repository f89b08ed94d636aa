/**
 * Metrics for javakit services through Micrometer, served to Prometheus: what an operator needs to see whether a
 * service is healthy (rate, errors, latency per endpoint and instance) and why not (retries, balancer picks,
 * breaker states, rate limits, the JVM). Metrics are dependencies: every factory takes the
 * {@link io.micrometer.core.instrument.MeterRegistry} to record into, and nothing is global.
 *
 * <p>Starting points: {@link io.javakit.metrics.Metrics#middleware} around each endpoint (client side outside the
 * retry, server side around the service's endpoint), {@link io.javakit.metrics.Metrics#retries} around a retry,
 * {@link io.javakit.metrics.Metrics#balancerPicks} in an endpointer's factory,
 * {@link io.javakit.metrics.Metrics#bindCircuitBreakers}, {@link io.javakit.metrics.Metrics#bindRateLimiter} and
 * {@link io.javakit.metrics.Metrics#bindJvm}; then {@link io.javakit.metrics.Metrics#prometheus()} for the
 * registry and {@link io.javakit.metrics.Metrics#handler} to serve it on an admin port.
 *
 * <p>The metrics, as Prometheus names them:
 * <table>
 * <caption>javakit's metrics</caption>
 * <tr><th>name</th><th>type</th><th>labels</th><th>what</th></tr>
 * <tr><td>{@code javakit_requests_total}</td><td>counter</td><td>service, endpoint, instance, outcome</td>
 *     <td>calls of an endpoint; {@code instance} is the one that served ({@code none} on a server), {@code outcome}
 *     is {@code success} or the failure kind in lower case: {@code bad_request}, {@code not_found},
 *     {@code rate_limited}, {@code unavailable}, {@code deadline_exceeded}, {@code internal}</td></tr>
 * <tr><td>{@code javakit_request_duration_seconds}</td><td>histogram</td><td>service, endpoint, instance, outcome</td>
 *     <td>their latency ({@code _bucket}, {@code _count}, {@code _sum}; and the gauge {@code _max}, the longest
 *     call of the last few minutes)</td></tr>
 * <tr><td>{@code javakit_inflight_requests}</td><td>gauge</td><td>service, endpoint</td>
 *     <td>calls under way</td></tr>
 * <tr><td>{@code javakit_retries_total}</td><td>counter</td><td>service</td>
 *     <td>attempts beyond the first made by a retry</td></tr>
 * <tr><td>{@code javakit_balancer_picks_total}</td><td>counter</td><td>service, instance</td>
 *     <td>calls the balancer sent to an instance</td></tr>
 * <tr><td>{@code javakit_breaker_state}</td><td>gauge</td><td>instance</td>
 *     <td>circuit breaker state: 0 closed, 1 open, 2 half-open</td></tr>
 * <tr><td>{@code javakit_breaker_transitions_total}</td><td>counter</td><td>instance, from, to</td>
 *     <td>breaker state transitions; states in lower case ({@code closed}, {@code open}, {@code half_open}, ...)</td></tr>
 * <tr><td>{@code javakit_ratelimiter_rejections_total}</td><td>counter</td><td>instance</td>
 *     <td>calls a rate limiter refused</td></tr>
 * </table>
 * Breakers and limiters also bring Resilience4j's own {@code resilience4j_circuitbreaker_*} and
 * {@code resilience4j_ratelimiter_*} meters (label {@code name}), and {@link io.javakit.metrics.Metrics#bindJvm}
 * Micrometer's {@code jvm_*}, {@code process_*} and {@code system_*} meters.
 *
 * <p>Prometheus adds its own {@code instance} label (the scraped target) to every series; with the default
 * {@code honor_labels: false} javakit's {@code instance} label, the backend that served, is stored as
 * {@code exported_instance}.
 */
package io.javakit.metrics;
