package io.javakit.sd.zookeeper;

import io.javakit.sd.Instance;
import io.javakit.sd.Registrar;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers one instance as an ephemeral node, {@code /javakit/services/<service>/<service>-<host>-<port>} holding
 * {@code {"host":...,"port":...}}, creating the parents as needed.
 *
 * <p>The registration lives as long as the client's session. A process that dies without deregistering stops
 * heartbeating, and the ensemble deletes the node when the session times out
 * ({@link ZooKeeperClient#DEFAULT_SESSION_TIMEOUT}, so 5 to 7 s). A live process whose session is lost (a long
 * partition or pause) gets its node back: Curator's {@link PersistentNode} recreates it on reconnect.
 *
 * <p>{@link #deregister()} deletes the node at once, so callers stop picking the instance before it stops. The
 * caller owns the client; closing it without deregistering also removes the node, as its session ends.
 */
public final class ZooKeeperRegistrar implements Registrar {
    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperRegistrar.class);

    private final CuratorFramework client;
    private final String service;
    private final Instance instance;
    private final String path;
    private PersistentNode node;
    private Runnable stopListeningForClosing = () -> {};

    /**
     * @param client a started client, e.g. from {@link ZooKeeperClient#connect}
     * @param service the service name, one node name (no {@code /})
     * @param instance the advertised address callers should use
     */
    public ZooKeeperRegistrar(CuratorFramework client, String service, Instance instance) {
        this.client = Objects.requireNonNull(client, "client");
        this.service = service;
        this.instance = Objects.requireNonNull(instance, "instance");
        this.path = Nodes.instancePath(service, instance);
    }

    /**
     * Creates the node and waits up to the client's connection timeout for it to exist. If the ensemble is
     * unreachable, this returns anyway with a warning, and the node is created in the background once it is back:
     * a service should start serving whether or not the registry is up.
     */
    @Override
    public synchronized void register() {
        if (node != null) {
            return;
        }
        node = new PersistentNode(client, CreateMode.EPHEMERAL, false, path, Nodes.encode(instance));
        // A node left running when its client closes retries its create against the closed client, recursing until
        // the stack overflows; the closing session removes the node anyway, so just stop it.
        stopListeningForClosing = ZooKeeperClient.onClosing(client, this::abandon);
        node.start();
        Duration wait = connectionTimeout();
        try {
            if (node.waitForInitialCreate(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.atInfo().addKeyValue("service", service).addKeyValue("instance", instance)
                        .addKeyValue("node", path).log("registered");
            } else {
                LOG.atWarn().addKeyValue("service", service).addKeyValue("instance", instance)
                        .addKeyValue("waited", wait).log("zookeeper unreachable; registering in the background");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Deletes the node, waiting up to the client's connection timeout. If the ensemble is unreachable for that
     * long, Curator keeps retrying the delete in the background, and the node goes at the latest when the session
     * ends.
     */
    @Override
    public void deregister() {
        PersistentNode leaving;
        synchronized (this) {
            leaving = node;
            node = null;
            stopListeningForClosing.run();
        }
        if (leaving == null) {
            return;
        }
        // PersistentNode.close() deletes through the retry policy, which can block for half a minute without a
        // connection: a service shutting down should not wait that long for a node its session will take anyway.
        AtomicBoolean deleted = new AtomicBoolean();
        Thread closer = Thread.ofVirtual().name("zookeeper-deregister-" + service).start(() -> {
            try {
                leaving.close();
                deleted.set(true);
            } catch (Exception e) {
                LOG.atWarn().addKeyValue("service", service).addKeyValue("instance", instance)
                        .addKeyValue("err", e.toString()).log("deregistering failed; the node goes when the session ends");
            }
        });
        Duration wait = connectionTimeout();
        try {
            if (!closer.join(wait)) {
                LOG.atWarn().addKeyValue("service", service).addKeyValue("instance", instance)
                        .addKeyValue("waited", wait).log("zookeeper unreachable; deregistering in the background");
            } else if (deleted.get()) {
                LOG.atInfo().addKeyValue("service", service).addKeyValue("instance", instance).log("deregistered");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void abandon() {
        PersistentNode abandoned;
        synchronized (this) {
            abandoned = node;
            node = null;
        }
        if (abandoned != null) {
            try {
                abandoned.close(); // its delete fails on the closed client; the session end deletes the node
            } catch (Exception expected) {
                LOG.atDebug().addKeyValue("service", service).addKeyValue("err", expected.toString())
                        .log("client closed while registered; the session end removes the node");
            }
        }
    }

    private Duration connectionTimeout() {
        return Duration.ofMillis(client.getZookeeperClient().getConnectionTimeoutMs());
    }

    @Override
    public String toString() {
        return "ZooKeeperRegistrar(" + path + ")";
    }
}
