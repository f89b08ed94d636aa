/**
 * Client-side load balancing: pick one endpoint per call from an {@link io.javakit.sd.Endpointer}, and retry a
 * failed call on the next one. Balancing in the client removes the need for a separate load balancer in front of
 * every service, and lets every caller skip a slow or failing instance on its own.
 *
 * <p>Starting points:
 * <ul>
 *   <li>{@link io.javakit.sd.lb.Balancers}: {@link io.javakit.sd.lb.Balancers#p2c p2c} (power of two choices over
 *       outstanding requests and peak-EWMA latency; the one to start with when instances may differ),
 *       {@link io.javakit.sd.lb.Balancers#weightedRoundRobin weightedRoundRobin} (known capacities),
 *       {@link io.javakit.sd.lb.Balancers#roundRobin roundRobin} and {@link io.javakit.sd.lb.Balancers#random random}.
 *       Balancers with per-instance state follow the endpointer's set without locking a pick.</li>
 *   <li>{@link io.javakit.sd.lb.Retry#builder Retry.builder}: retries only requests declared idempotent, with
 *       jittered exponential backoff inside the call's time budget, drawing from a
 *       {@link io.javakit.sd.lb.RetryBudget} so that retries cannot multiply the load on a failing service.
 *       {@link io.javakit.sd.lb.Retry#retry(int, java.time.Duration, Balancer) Retry.retry} is the seed's simpler
 *       form: everything retried at once, no budget.</li>
 *   <li>{@link io.javakit.sd.lb.OutlierDetection}: ejects instances that fail their calls from what the balancers
 *       see, for a while that grows with each ejection (Envoy's outlier detection).</li>
 * </ul>
 *
 * <pre>{@code
 * Endpoint<ByName, User> users = Retry.builder(Balancers.p2c(instances))
 *         .idempotent(true)          // lookups
 *         .build();                  // 3 attempts in 1 s, 25-250 ms backoff, 20 % + 10/s retry budget
 * }</pre>
 */
package io.javakit.sd.lb;
