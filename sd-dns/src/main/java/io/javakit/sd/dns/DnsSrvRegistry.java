package io.javakit.sd.dns;

import io.javakit.sd.Instance;
import io.javakit.sd.Registrar;
import io.javakit.sd.ServiceRegistry;
import org.slf4j.LoggerFactory;

/**
 * {@code dns-srv://domain[?resolver=host:port]}: service {@code users} is found at {@code _users._tcp.domain}. DNS
 * records are the platform's to manage, so instances do not register themselves: their registrar only says so.
 */
public final class DnsSrvRegistry implements ServiceRegistry.Provider {
    private static final String RESOLVER = "?resolver=";

    @Override
    public String scheme() {
        return "dns-srv";
    }

    @Override
    public ServiceRegistry connect(String where) {
        int q = where.indexOf(RESOLVER);
        String domain = q < 0 ? where : where.substring(0, q);
        String resolver = q < 0 ? null : where.substring(q + RESOLVER.length());
        return new ServiceRegistry(service -> resolver == null ? DnsSrvInstancer.create("_" + service + "._tcp." + domain)
                : DnsSrvInstancer.create("_" + service + "._tcp." + domain, resolver), DnsSrvRegistry::platformManaged, () -> { });
    }

    private static Registrar platformManaged(String service, Instance self) {
        return new Registrar() {
            @Override
            public void register() {
                LoggerFactory.getLogger(DnsSrvRegistry.class).atInfo().addKeyValue("service", service).addKeyValue("instance", self)
                        .log("DNS SRV records are managed by the platform; not registering");
            }

            @Override
            public void deregister() {
                // nothing was registered
            }
        };
    }
}
