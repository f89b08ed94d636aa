/**
 * Resilience middleware on Resilience4j: wrap every client-side endpoint in a circuit breaker, so that a failing
 * instance is skipped at once instead of timing out call after call, and in a rate limiter, so that no caller can
 * overrun an instance.
 *
 * <p>Starting points: {@link io.javakit.resilience.CircuitBreakers#middleware} with
 * {@link io.javakit.resilience.CircuitBreakers#seedDefaults()} (gobreaker's defaults), and
 * {@link io.javakit.resilience.RateLimiters#erroring} or {@link io.javakit.resilience.RateLimiters#delaying}, and
 * {@link io.javakit.resilience.Bulkheads#middleware} to bound the calls in flight to each instance.
 * Only failures that say something about the instance ({@link
 * io.javakit.endpoint.EndpointException#isInstanceFailure}) count against its breaker: a not-found is an answer.
 */
package io.javakit.resilience;
