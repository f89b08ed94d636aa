/**
 * Service discovery with Consul, over Consul's HTTP API directly (the JDK's HTTP client and Jackson; no Consul
 * library).
 *
 * <p>Consul keeps the registry and the health of each instance: a service registers with its local agent together
 * with a check, and readers ask for the instances whose checks all pass. That makes it the registry of choice
 * where Consul already runs, and its blocking queries let an instancer learn of a change within a second without
 * polling.
 *
 * <p>Starting points: {@link io.javakit.sd.consul.ConsulClient} (one per agent),
 * {@link io.javakit.sd.consul.ConsulRegistrar} (register an instance with a TTL or HTTP check) and
 * {@link io.javakit.sd.consul.ConsulInstancer} (follow the healthy instances of a service). Failures surface as
 * {@link io.javakit.sd.consul.ConsulException}, which carries Consul's plain-text error.
 */
package io.javakit.sd.consul;
