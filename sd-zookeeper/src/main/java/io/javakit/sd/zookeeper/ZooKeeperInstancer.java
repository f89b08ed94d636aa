package io.javakit.sd.zookeeper;

import io.javakit.sd.Backoff;
import io.javakit.sd.Instance;
import io.javakit.sd.InstanceCache;
import io.javakit.sd.InstanceEvent;
import io.javakit.sd.Instancer;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.WatcherRemoveCuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the instance nodes of one service, {@code /javakit/services/<service>/*}, each holding
 * {@code {"host":...,"port":...}} (as {@link ZooKeeperRegistrar} writes them), and publishes the complete sorted set
 * whenever a node comes or goes.
 *
 * <p>A children watch wakes one virtual thread that re-reads the list and every node's payload; the watch is re-armed
 * by each read, so a new instance shows up within milliseconds. Nodes whose payload is not a valid
 * {@code host:port}, or that repeat another node's address, are skipped and logged once each. A service that has
 * no node yet is an empty set, and its first instance is picked up as soon as it appears.
 *
 * <p>When the connection to ZooKeeper is lost, the instancer publishes a failure (an endpointer then keeps serving the
 * last good set) and logs the outage once. When Curator reconnects, it reads the whole set again, since watches do
 * not survive an expired session, and logs the recovery once. It never polls: between changes it only waits, and
 * reads that fail for other reasons are retried with {@link Backoff}.
 *
 * <p>Payload changes of an existing node are not watched: registrars never change them.
 */
public final class ZooKeeperInstancer implements Instancer {
    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperInstancer.class);
    private static final String UNREACHABLE = "zookeeper unreachable; the instances may be stale until it is back";

    private final WatcherRemoveCuratorFramework client;
    private final String service;
    private final String path;
    private final InstanceCache cache = new InstanceCache();
    private final Watcher watcher = event -> {
        if (event.getType() != Watcher.Event.EventType.None) {
            wake();
        }
    };
    private final ConnectionStateListener listener = (curator, state) -> onConnectionState(state);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition woken = lock.newCondition();
    /** Guarded by lock: a read is due. */
    private boolean pending = true;
    /** Guarded by lock. */
    private boolean closed;
    /** Guarded by lock: counts connection state changes, so a read that straddles one is not published. */
    private long epoch;
    /** Guarded by lock: the last event published was a failure. */
    private boolean failing;
    /** Loop thread only: the bad nodes already logged, and why. */
    private Map<String, String> reported = Map.of();
    private final Thread loop;
    private volatile Runnable stopListeningForClosing = () -> {};

    private ZooKeeperInstancer(CuratorFramework client, String service) {
        this.client = Objects.requireNonNull(client, "client").newWatcherRemoveCuratorFramework();
        this.service = service;
        this.path = Nodes.servicePath(service);
        this.loop = Thread.ofVirtual().name("zookeeper-instancer-" + service).unstarted(this::run);
    }

    /**
     * Starts watching {@code service}. The client must be started; it stays the caller's to close, after this
     * instancer.
     */
    public static ZooKeeperInstancer create(CuratorFramework client, String service) {
        ZooKeeperInstancer instancer = new ZooKeeperInstancer(client, service);
        instancer.start();
        return instancer;
    }

    private void start() {
        // Listen before asking: a connection made after the question is then reported to the listener.
        client.getConnectionStateListenable().addListener(listener);
        stopListeningForClosing = ZooKeeperClient.onClosing(client, this::onClientClosing);
        if (!client.getZookeeperClient().isConnected()) {
            lock.lock();
            try {
                fail(epoch, KeeperException.create(KeeperException.Code.CONNECTIONLOSS, path), UNREACHABLE);
            } finally {
                lock.unlock();
            }
        }
        loop.start();
    }

    @Override
    public AutoCloseable subscribe(Consumer<InstanceEvent> subscriber) {
        return cache.subscribe(subscriber);
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            woken.signalAll();
        } finally {
            lock.unlock();
        }
        client.getConnectionStateListenable().removeListener(listener);
        stopListeningForClosing.run();
        loop.interrupt();
        client.removeWatchers();
    }

    private void onConnectionState(ConnectionState state) {
        LOG.atDebug().addKeyValue("service", service).addKeyValue("state", state).log("zookeeper connection changed");
        lock.lock();
        try {
            epoch++;
            if (state.isConnected()) {
                pending = true;
                woken.signalAll();
            } else {
                fail(epoch, KeeperException.create(KeeperException.Code.CONNECTIONLOSS, path), UNREACHABLE);
            }
        } finally {
            lock.unlock();
        }
    }

    /** A closed client cannot recover: say so once and stop, rather than retry forever. */
    private void onClientClosing() {
        lock.lock();
        try {
            fail(epoch, new IllegalStateException("zookeeper client closed"),
                    "zookeeper client closed before the instancer; the instances stay as they were");
        } finally {
            lock.unlock();
        }
        close();
    }

    private void wake() {
        lock.lock();
        try {
            pending = true;
            woken.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        Backoff backoff = Backoff.ofDefaults();
        Duration retryIn = null;
        while (true) {
            long started;
            lock.lock();
            try {
                long deadline = retryIn == null ? 0 : System.nanoTime() + retryIn.toNanos();
                while (!pending && !closed) {
                    if (retryIn == null) {
                        woken.await();
                    } else if (woken.awaitNanos(deadline - System.nanoTime()) <= 0) {
                        break;
                    }
                }
                if (closed) {
                    return;
                }
                pending = false;
                started = epoch;
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }

            try {
                List<Instance> instances = read();
                backoff.reset();
                retryIn = null;
                publish(started, instances);
            } catch (Exception e) {
                if (isClosed()) {
                    return;
                }
                retryIn = backoff.nextDelay();
                LOG.atDebug().addKeyValue("service", service).addKeyValue("err", e.toString())
                        .addKeyValue("retryIn", retryIn).log("reading instances failed");
                lock.lock();
                try {
                    fail(started, e, "reading the instances failed; retrying with backoff");
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** The current instances, re-arming the children watch (or, if the service node is missing, an exists watch). */
    private List<Instance> read() throws Exception {
        List<String> children;
        while (true) {
            try {
                children = client.getChildren().usingWatcher(watcher).forPath(path);
                break;
            } catch (KeeperException.NoNodeException e) {
                if (client.checkExists().usingWatcher(watcher).forPath(path) == null) {
                    reported = Map.of();
                    return List.of();
                }
            }
        }
        Map<String, Instance> decoded = new TreeMap<>();
        Map<String, String> problems = new HashMap<>();
        for (String child : children) {
            try {
                decoded.put(child, Nodes.decode(client.getData().forPath(path + "/" + child)));
            } catch (KeeperException.NoNodeException e) {
                // left since the listing; the watch has fired already
            } catch (IllegalArgumentException e) {
                problems.put(child, e.getMessage());
            }
        }
        // Of two nodes with one address, the one a registrar would have written is kept and the other reported.
        Map<Instance, String> nodeByInstance = new TreeMap<>();
        decoded.entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<String, Instance> e) -> !isCanonical(e.getKey(), e.getValue())))
                .forEach(e -> {
                    String first = nodeByInstance.putIfAbsent(e.getValue(), e.getKey());
                    if (first != null) {
                        problems.put(e.getKey(), "duplicate of " + first + " (" + e.getValue() + ")");
                    }
                });
        problems.forEach((child, problem) -> {
            if (!problem.equals(reported.get(child))) {
                LOG.atWarn().addKeyValue("service", service).addKeyValue("node", path + "/" + child)
                        .addKeyValue("err", problem).log("skipping a bad instance node");
            }
        });
        reported = problems;
        return List.copyOf(nodeByInstance.keySet());
    }

    private boolean isCanonical(String child, Instance instance) {
        return child.equals(Nodes.instanceId(service, instance));
    }

    private void publish(long started, List<Instance> instances) {
        lock.lock();
        try {
            if (closed || started != epoch) {
                LOG.atDebug().addKeyValue("service", service).log("connection changed during the read; not published");
                return; // if it is connected again, the change scheduled another read
            }
            cache.update(InstanceEvent.of(instances));
            if (failing) {
                failing = false;
                LOG.atInfo().addKeyValue("service", service).addKeyValue("instances", instances.size())
                        .log("zookeeper recovered; instances resynced");
            }
        } finally {
            lock.unlock();
        }
    }

    /** Publishes and logs a failure, unless one is already out or the connection changed since {@code started}. */
    private void fail(long started, Throwable cause, String message) {
        if (closed || failing || started != epoch) {
            return;
        }
        failing = true;
        LOG.atWarn().addKeyValue("service", service).addKeyValue("err", cause.toString()).log(message);
        cache.update(InstanceEvent.failed(cause));
    }

    private boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "ZooKeeperInstancer(" + path + ")";
    }
}
