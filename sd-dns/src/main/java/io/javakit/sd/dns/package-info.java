/**
 * Service discovery through DNS SRV records: for platforms that already publish their services in DNS, such as
 * Kubernetes headless services ({@code _http._tcp.users.default.svc.cluster.local}), Consul's DNS interface, or a
 * plain zone file, so that a client needs no registry of its own.
 *
 * <p>DNS cannot be watched, so {@link io.javakit.sd.dns.DnsSrvInstancer} polls, honouring the records' TTLs, and
 * a change shows up within one TTL (clamped between one second and one minute by default) rather than within a
 * second as with the watching registries.
 *
 * <p>There is deliberately no {@link io.javakit.sd.Registrar} here: the records belong to the platform, which
 * adds and removes them as instances start, pass their readiness checks and stop. A service that is discovered
 * through DNS registers by being deployed.
 *
 * <p>Starting point: {@link io.javakit.sd.dns.DnsSrvInstancer#create(String)} and
 * {@link io.javakit.sd.dns.DnsSrvInstancer#builder(String)}.
 */
package io.javakit.sd.dns;
