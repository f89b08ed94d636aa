package io.javakit.sd.zookeeper;

import io.javakit.sd.ServiceRegistry;
import org.apache.curator.framework.CuratorFramework;

/** {@code zk://host:port[,host:port]}: ephemeral nodes and a children watch (see {@link ZooKeeperInstancer}). */
public final class ZooKeeperRegistry implements ServiceRegistry.Provider {
    @Override
    public String scheme() {
        return "zk";
    }

    @Override
    public ServiceRegistry connect(String where) {
        CuratorFramework zk = ZooKeeperClient.connect(where);
        return new ServiceRegistry(service -> ZooKeeperInstancer.create(zk, service), (service, self) -> new ZooKeeperRegistrar(zk, service, self), zk);
    }
}
