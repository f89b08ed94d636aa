package io.javakit.example;

import io.etcd.jetcd.Client;
import io.javakit.sd.Instance;
import io.javakit.sd.Instancer;
import io.javakit.sd.Registrar;
import io.javakit.sd.etcd.EtcdInstancer;
import io.javakit.sd.etcd.EtcdRegistrar;
import io.javakit.sd.consul.ConsulClient;
import io.javakit.sd.consul.ConsulInstancer;
import io.javakit.sd.consul.ConsulRegistrar;
import io.javakit.sd.dns.DnsSrvInstancer;
import io.javakit.sd.zookeeper.ZooKeeperClient;
import io.javakit.sd.zookeeper.ZooKeeperInstancer;
import io.javakit.sd.zookeeper.ZooKeeperRegistrar;
import org.apache.curator.framework.CuratorFramework;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.LoggerFactory;

/** A service registry named by URL: where instances announce themselves and where the gateway finds them. */
abstract class Registry implements AutoCloseable {
    private final List<AutoCloseable> opened = new ArrayList<>();

    abstract Instancer newInstancer(String service);

    abstract Registrar registrar(String service, Instance self);

    abstract void disconnect();

    Instancer instancer(String service) {
        Instancer instancer = newInstancer(service);
        opened.add(instancer);
        return instancer;
    }

    @Override
    public void close() {
        opened.reversed().forEach(Registry::closeQuietly);
        disconnect();
    }

    /** {@code etcd://host:port[,host:port]}, {@code zk://host:port}, {@code consul://host:port}, {@code dns-srv://domain}. */
    static Registry connect(String url) {
        int sep = url.indexOf("://");
        String scheme = sep < 0 ? "" : url.substring(0, sep);
        String where = sep < 0 ? "" : url.substring(sep + 3);
        if (where.isEmpty()) {
            throw new IllegalArgumentException("registry: '" + url + "' (expected: etcd://host:port, zk://host:port, consul://host:port or dns-srv://domain)");
        }
        return switch (scheme) {
            case "etcd" -> etcd(Arrays.stream(where.split(",")).map(a -> "http://" + Instance.parse(a).address()).toArray(String[]::new));
            case "zk" -> zooKeeper(where);
            case "consul" -> consul(where);
            case "dns-srv" -> dnsSrv(where);
            default -> throw new IllegalArgumentException("registry: '" + url + "' (expected: etcd://host:port, zk://host:port, consul://host:port or dns-srv://domain)");
        };
    }

    private static Registry etcd(String... endpoints) {
        Client client = Client.builder().endpoints(endpoints).build();
        return new Registry() {
            @Override
            Instancer newInstancer(String service) {
                return EtcdInstancer.create(client, service);
            }

            @Override
            Registrar registrar(String service, Instance self) {
                return new EtcdRegistrar(client, service, self);
            }

            @Override
            void disconnect() {
                client.close();
            }
        };
    }

    /** {@code consul://host:port}: the local agent; an ACL token comes from {@code CONSUL_HTTP_TOKEN}. */
    private static Registry consul(String address) {
        ConsulClient.Builder builder = ConsulClient.builder(address);
        String token = System.getenv("CONSUL_HTTP_TOKEN");
        if (token != null && !token.isBlank()) {
            builder.token(token);
        }
        ConsulClient client = builder.build();
        return new Registry() {
            @Override
            Instancer newInstancer(String service) {
                return ConsulInstancer.create(client, service);
            }

            @Override
            Registrar registrar(String service, Instance self) {
                return new ConsulRegistrar(client, service, self);
            }

            @Override
            void disconnect() {
                client.close();
            }
        };
    }

    private static Registry zooKeeper(String connectString) {
        CuratorFramework client = ZooKeeperClient.connect(connectString);
        return new Registry() {
            @Override
            Instancer newInstancer(String service) {
                return ZooKeeperInstancer.create(client, service);
            }

            @Override
            Registrar registrar(String service, Instance self) {
                return new ZooKeeperRegistrar(client, service, self);
            }

            @Override
            void disconnect() {
                client.close();
            }
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
        return new Registry() {
            @Override
            Instancer newInstancer(String service) {
                String name = "_" + service + "._tcp." + domain;
                return resolver == null ? DnsSrvInstancer.create(name) : DnsSrvInstancer.create(name, resolver);
            }

            @Override
            Registrar registrar(String service, Instance self) {
                return new Registrar() {
                    @Override
                    public void register() {
                        LoggerFactory.getLogger(Registry.class).atInfo().addKeyValue("service", service).addKeyValue("instance", self)
                                .log("DNS SRV records are managed by the platform; not registering");
                    }

                    @Override
                    public void deregister() {
                        // nothing was registered
                    }
                };
            }

            @Override
            void disconnect() {
                // each instancer owns its resolver
            }
        };
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            System.err.println("registry: closing " + closeable + " failed: " + e);
        }
    }
}
