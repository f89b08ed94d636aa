package io.javakit.sd.etcd;

import io.etcd.jetcd.Client;
import io.javakit.sd.Instance;
import io.javakit.sd.ServiceRegistry;
import java.util.Arrays;

/** {@code etcd://host:port[,host:port]}: instances under a lease and a prefix watch (see {@link EtcdInstancer}). */
public final class EtcdRegistry implements ServiceRegistry.Provider {
    @Override
    public String scheme() {
        return "etcd";
    }

    @Override
    public ServiceRegistry connect(String where) {
        Client etcd = Client.builder().endpoints(Arrays.stream(where.split(","))
                .map(address -> "http://" + Instance.parse(address).address()).toArray(String[]::new)).build();
        return new ServiceRegistry(service -> EtcdInstancer.create(etcd, service), (service, self) -> new EtcdRegistrar(etcd, service, self), etcd);
    }
}
