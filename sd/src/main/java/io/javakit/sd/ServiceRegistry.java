package io.javakit.sd;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A service registry named by URL, where instances announce themselves and gateways find them:
 * {@code etcd://host:port[,host:port]}, {@code zk://host:port}, {@code consul://host:port}, {@code dns-srv://domain},
 * each served by its module ({@code javakit-sd-etcd} and the others) when it is on the class path. Operators name a
 * registry in one flag; code does not change with it.
 *
 * <pre>{@code
 * try (ServiceRegistry registry = ServiceRegistry.connect("etcd://10.0.0.2:2379")) {
 *     Instancer users = registry.instancer("users");
 *     Registrar self = registry.registrar("users", Instance.parse("10.0.0.5:8080"));
 * }
 * }</pre>
 *
 * Closing it closes the instancers it handed out, then the connection.
 */
public final class ServiceRegistry implements AutoCloseable {
    /** What a registry module offers for its URL scheme; found with {@link ServiceLoader}. */
    public interface Provider {
        /** The URL scheme this provider serves, e.g. {@code etcd}. */
        String scheme();

        /** Connects to {@code where}, the URL after {@code scheme://}; a malformed one is an {@link IllegalArgumentException}. */
        ServiceRegistry connect(String where);
    }

    private final Function<String, Instancer> instancers;
    private final BiFunction<String, Instance, Registrar> registrars;
    private final AutoCloseable connection;
    private final List<Instancer> opened = new ArrayList<>();

    /**
     * A registry of {@code instancers} (by service) and {@code registrars} (by service and instance) over
     * {@code connection}, for providers.
     */
    public ServiceRegistry(Function<String, Instancer> instancers, BiFunction<String, Instance, Registrar> registrars, AutoCloseable connection) {
        this.instancers = Objects.requireNonNull(instancers, "instancers");
        this.registrars = Objects.requireNonNull(registrars, "registrars");
        this.connection = Objects.requireNonNull(connection, "connection");
    }

    /** The registry {@code url} names, through the provider of its scheme. */
    public static ServiceRegistry connect(String url) {
        Objects.requireNonNull(url, "url");
        List<Provider> providers = ServiceLoader.load(Provider.class).stream().map(ServiceLoader.Provider::get).toList();
        String expected = "(expected: " + String.join(", ", providers.stream().map(p -> p.scheme() + "://...").sorted().toList()) + ")";
        int sep = url.indexOf("://");
        if (sep < 0 || sep + 3 == url.length()) {
            throw new IllegalArgumentException("registry: '" + url + "' " + expected);
        }
        String scheme = url.substring(0, sep);
        return providers.stream().filter(p -> p.scheme().equals(scheme)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("registry: '" + url + "' " + expected))
                .connect(url.substring(sep + 3));
    }

    /** Follows the instances of {@code service}; closed with the registry. */
    public synchronized Instancer instancer(String service) {
        Instancer instancer = instancers.apply(Objects.requireNonNull(service, "service"));
        opened.add(instancer);
        return instancer;
    }

    /** Announces {@code self} as an instance of {@code service}. */
    public Registrar registrar(String service, Instance self) {
        return registrars.apply(Objects.requireNonNull(service, "service"), Objects.requireNonNull(self, "self"));
    }

    @Override
    public synchronized void close() throws Exception {
        for (Instancer instancer : opened.reversed()) {
            instancer.close();
        }
        connection.close();
    }
}
