package io.javakit.sd.consul;

import io.javakit.sd.ServiceRegistry;

/**
 * {@code consul://host:port}, the local agent: TTL-checked registrations and blocking queries, with panic routing on
 * (every registered instance when none passes, so a registry outage longer than the TTL does not empty the set). An
 * ACL token comes from {@code CONSUL_HTTP_TOKEN}, as for Consul's own tools.
 */
public final class ConsulRegistry implements ServiceRegistry.Provider {
    @Override
    public String scheme() {
        return "consul";
    }

    @Override
    public ServiceRegistry connect(String where) {
        ConsulClient.Builder builder = ConsulClient.builder(where);
        String token = System.getenv("CONSUL_HTTP_TOKEN");
        ConsulClient consul = (token == null || token.isBlank() ? builder : builder.token(token)).build();
        return new ServiceRegistry(service -> ConsulInstancer.builder(consul, service).panicRouting(true).build(),
                (service, self) -> new ConsulRegistrar(consul, service, self), consul);
    }
}
