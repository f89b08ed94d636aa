/**
 * Client-side load balancing: pick one endpoint per call from an {@link io.javakit.sd.Endpointer}, and retry a
 * failed call on the next one. Balancing in the client removes the need for a separate load balancer in front of
 * every service, and lets every caller skip a failing instance on its own.
 *
 * <p>Starting points: {@link io.javakit.sd.lb.Balancers#roundRobin} and {@link io.javakit.sd.lb.Retry#retry}.
 * Compose them as {@code Retry.retry(3, Duration.ofSeconds(1), Balancers.roundRobin(endpointer))}.
 */
package io.javakit.sd.lb;
