package io.javakit.example;

import io.etcd.jetcd.Client;
import io.javakit.sd.Instance;
import io.javakit.sd.Instancer;
import io.javakit.sd.Registrar;
import io.javakit.sd.consul.ConsulClient;
import io.javakit.sd.consul.ConsulInstancer;
import io.javakit.sd.consul.ConsulRegistrar;
import io.javakit.sd.dns.DnsSrvInstancer;
import io.javakit.sd.etcd.EtcdInstancer;
import io.javakit.sd.etcd.EtcdRegistrar;
import io.javakit.sd.zookeeper.ZooKeeperClient;
import io.javakit.sd.zookeeper.ZooKeeperInstancer;
import io.javakit.sd.zookeeper.ZooKeeperRegistrar;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.LoggerFactory;

/** A service registry named by URL: where instances announce themselves and where the gateway finds them. */
final class Registry implements AutoCloseable {
    private static final String EXPECTED = "(expected: etcd://host:port[,host:port], zk://host:port, consul://host:port or dns-srv://domain)";

    private final Function<String, Instancer> instancers;
    private final BiFunction<String, Instance, Registrar> registrars;
    private final AutoCloseable connection;
    private final List<Instancer> opened = new ArrayList<>();

    private Registry(Function<String, Instancer> instancers, BiFunction<String, Instance, Registrar> registrars, AutoCloseable connection) {
        this.instancers = instancers;
        this.registrars = registrars;
        this.connection = connection;
    }

    /** Follows the instances of {@code service}; closed with the registry. */
    Instancer instancer(String service) {
        Instancer instancer = instancers.apply(service);
        opened.add(instancer);
        return instancer;
    }

    /** Announces {@code self} as an instance of {@code service}. */
    Registrar registrar(String service, Instance self) {
        return registrars.apply(service, self);
    }

    @Override
    public void close() throws Exception {
        for (Instancer instancer : opened.reversed()) {
            instancer.close();
        }
        connection.close();
    }

    static Registry connect(String url) {
        int sep = url.indexOf("://");
        String where = sep < 0 ? "" : url.substring(sep + 3);
        if (where.isEmpty()) {
            throw new IllegalArgumentException("registry: '" + url + "' " + EXPECTED);
        }
        return switch (url.substring(0, sep)) {
            case "etcd" -> {
                Client etcd = Client.builder().endpoints(Arrays.stream(where.split(","))
                        .map(a -> "http://" + Instance.parse(a).address()).toArray(String[]::new)).build();
                yield new Registry(s -> EtcdInstancer.create(etcd, s), (s, self) -> new EtcdRegistrar(etcd, s, self), etcd);
            }
            case "zk" -> {
                CuratorFramework zk = ZooKeeperClient.connect(where);
                yield new Registry(s -> ZooKeeperInstancer.create(zk, s), (s, self) -> new ZooKeeperRegistrar(zk, s, self), zk);
            }
            case "consul" -> { // the local agent; an ACL token comes from CONSUL_HTTP_TOKEN
                ConsulClient.Builder builder = ConsulClient.builder(where);
                String token = System.getenv("CONSUL_HTTP_TOKEN");
                ConsulClient consul = (token == null || token.isBlank() ? builder : builder.token(token)).build();
                yield new Registry(s -> ConsulInstancer.builder(consul, s).panicRouting(true).build(), (s, self) -> new ConsulRegistrar(consul, s, self), consul);
            }
            case "dns-srv" -> dnsSrv(where);
            default -> throw new IllegalArgumentException("registry: '" + url + "' " + EXPECTED);
        };
    }

    /**
     * {@code dns-srv://domain[?resolver=host:port]}: service {@code users} is found at {@code _users._tcp.domain}.
     * DNS records are the platform's to manage, so instances do not register themselves.
     */
    private static Registry dnsSrv(String where) {
        int q = where.indexOf("?resolver=");
        String domain = q < 0 ? where : where.substring(0, q);
        String resolver = q < 0 ? null : where.substring(q + "?resolver=".length());
        Function<String, Instancer> instancers = s -> resolver == null
                ? DnsSrvInstancer.create("_" + s + "._tcp." + domain) : DnsSrvInstancer.create("_" + s + "._tcp." + domain, resolver);
        return new Registry(instancers, (s, self) -> new Registrar() {
            @Override
            public void register() {
                LoggerFactory.getLogger(Registry.class).atInfo().addKeyValue("service", s).addKeyValue("instance", self)
                        .log("DNS SRV records are managed by the platform; not registering");
            }

            @Override
            public void deregister() {
                // nothing was registered
            }
        }, () -> { });
    }
}
