/**
 * Service discovery: from a watched set of instances to ready-to-call endpoints.
 *
 * <p>An {@link io.javakit.sd.Instancer} publishes the complete set of instances of one service whenever it changes
 * (a {@link io.javakit.sd.FixedInstancer} for static lists; registry modules provide watched ones). An
 * {@link io.javakit.sd.Endpointer} turns each instance into an endpoint with a {@link io.javakit.sd.Factory}, keeps
 * one per instance, and closes those whose instance disappears. Balancers in {@link io.javakit.sd.lb} pick one of
 * them per call. A {@link io.javakit.sd.HealthCheckedInstancer} publishes only the instances that pass a probe.
 *
 * <p>Starting points: {@link io.javakit.sd.FixedInstancer}, {@link io.javakit.sd.Endpointer#of}, and
 * {@link io.javakit.sd.lb.Balancers}.
 */
package io.javakit.sd;
