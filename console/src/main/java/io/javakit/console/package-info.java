/**
 * The live console: a page on an admin port that shows a javakit system at work, its services with their balancer and
 * retry policy, instances, health, breaker states, request rates and latency over the last minute, and recent errors,
 * updated every second, with optional fault buttons so that a demo can show balancing, retries, breakers and ejection
 * reacting.
 *
 * <p>Starting points: implement {@link io.javakit.console.ConsoleModel} over what the gateway knows (its
 * instances, breakers and meters), then serve {@link io.javakit.console.Console#handler} on an admin port. The page
 * itself is {@code index.html}, {@code console.css} and {@code console.js} in this package's resources: plain files,
 * no build step.
 */
package io.javakit.console;
