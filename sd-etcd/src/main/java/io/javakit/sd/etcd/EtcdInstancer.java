package io.javakit.sd.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.javakit.sd.Backoff;
import io.javakit.sd.Instance;
import io.javakit.sd.InstanceCache;
import io.javakit.sd.InstanceEvent;
import io.javakit.sd.Instancer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instances of one service as registered in etcd by {@link EtcdRegistrar}: every key under
 * {@code /javakit/services/<service>/} whose value is {@code {"host":..,"port":..}}.
 *
 * <p>It reads the prefix, publishes the set, then watches the prefix from the revision right after that read, so
 * no change slips between the two. A virtual thread applies the watch events and publishes the complete set after
 * each change. When the watch fails (etcd down, connection lost, revision compacted) it publishes a failure (the
 * {@link io.javakit.sd.Endpointer} keeps the last good set meanwhile), backs off, and once etcd answers reads the
 * prefix again and watches from there, so changes made during the outage are picked up. The outage and the
 * recovery are each logged once.
 *
 * <p>Values that are not such JSON objects, or that carry no valid port, are logged and skipped; two keys
 * announcing the same {@code host:port} count once.
 *
 * <pre>{@code
 * Client etcd = Client.builder().endpoints("http://127.0.0.1:2379").build();
 * try (EtcdInstancer users = EtcdInstancer.create(etcd, "users")) {
 *     Endpointer<GetUser, User> endpointer = Endpointer.of(users, factory);
 *     ...
 * }
 * }</pre>
 *
 * The instancer does not own the client: close it after the instancer.
 */
public final class EtcdInstancer implements Instancer {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdInstancer.class);

    /** How long one read of the prefix may take before it counts as a failure: 3 s. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);

    /** Marks the end of a watch stream that etcd closed without an error. */
    private static final Object COMPLETED = new Object();

    private final Client client;
    private final String service;
    private final ByteSequence prefix;
    private final Duration timeout;
    private final InstanceCache cache = new InstanceCache();
    private final Thread loop;
    private volatile boolean closed;

    // Owned by the loop thread.
    private final Map<ByteSequence, Instance> byKey = new HashMap<>();
    private Set<ByteSequence> reportedDuplicates = Set.of();
    private boolean failing;

    private EtcdInstancer(Client client, String service, Duration timeout) {
        this.client = Objects.requireNonNull(client, "client");
        this.service = EtcdKeys.checkService(service);
        this.prefix = EtcdKeys.prefix(service);
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        this.timeout = timeout;
        // The first read happens before create() returns, so a caller that subscribes at once sees the registry's
        // state rather than an empty set that is only a placeholder.
        long revision = firstRead();
        this.loop = Thread.ofVirtual().name("etcd-instancer-" + service).start(() -> run(revision));
    }

    /** Watches {@code service}, reading with the {@linkplain #DEFAULT_TIMEOUT default timeout} (3 s). */
    public static EtcdInstancer create(Client client, String service) {
        return create(client, service, DEFAULT_TIMEOUT);
    }

    /**
     * Watches {@code service}. Returns after the first read of the prefix, or after {@code timeout} if etcd does
     * not answer (the instancer then publishes a failure and keeps trying).
     *
     * @param timeout how long one read of the prefix may take; default {@link #DEFAULT_TIMEOUT}
     */
    public static EtcdInstancer create(Client client, String service, Duration timeout) {
        return new EtcdInstancer(client, service, timeout);
    }

    @Override
    public AutoCloseable subscribe(Consumer<InstanceEvent> subscriber) {
        return cache.subscribe(subscriber);
    }

    @Override
    public void close() {
        closed = true;
        loop.interrupt();
        try {
            loop.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return the revision to watch after, or 0 if the read failed */
    private long firstRead() {
        try {
            return read();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } catch (Exception e) {
            fail(e);
            return 0;
        }
    }

    private void run(long firstRevision) {
        Backoff backoff = Backoff.ofDefaults();
        long revision = firstRevision;
        try {
            while (!closed) {
                try {
                    if (revision == 0) {
                        revision = read();
                    }
                    watchFrom(revision + 1, backoff);
                } catch (InterruptedException e) {
                    throw e;
                } catch (CompactedException e) {
                    // Not an outage: etcd discarded the history between our read and the watch. A fresh read
                    // starts from the present.
                    LOG.atInfo().addKeyValue("service", service).addKeyValue("err", Calls.describe(e))
                            .log("etcd compacted the watched revision; reading the prefix again");
                } catch (Exception e) {
                    fail(e);
                }
                revision = 0;
                Duration delay = backoff.nextDelay();
                LOG.atDebug().addKeyValue("service", service).addKeyValue("attempt", backoff.failures())
                        .addKeyValue("delay", delay).log("retrying etcd");
                Thread.sleep(delay);
            }
        } catch (InterruptedException e) {
            // close() stops the loop
        }
    }

    /** Reads every key under the prefix, publishes the set, and returns the revision of the read. */
    private long read() throws Exception {
        GetResponse response = Calls.await(
                client.getKVClient().get(prefix, GetOption.builder().isPrefix(true).build()), timeout);
        byKey.clear();
        reportedDuplicates = Set.of();
        for (KeyValue kv : response.getKvs()) {
            put(kv);
        }
        publish();
        if (failing) {
            failing = false;
            LOG.atInfo().addKeyValue("service", service).addKeyValue("instances", cache.current().instances().size())
                    .log("etcd reachable again; resynced");
        }
        return response.getHeader().getRevision();
    }

    /**
     * Watches from {@code revision} and applies events until the watch fails. Returns only by throwing: etcd
     * ending the stream is an error too, since this watch is meant to last.
     */
    private void watchFrom(long revision, Backoff backoff) throws Exception {
        BlockingQueue<Object> signals = new LinkedBlockingQueue<>();
        WatchOption option = WatchOption.builder()
                .isPrefix(true)
                .withRevision(revision)
                .withCreateNotify(true)
                // A member cut off from the cluster must not pass for a quiet one.
                .withRequireLeader(true)
                .build();
        // jetcd would resume a failed watch by itself, every 500 ms and from its own idea of the revision; closing
        // it on the first error leaves the retrying to this loop, with backoff and a fresh read.
        Watch.Watcher watcher = client.getWatchClient().watch(prefix, option,
                Watch.listener(signals::add, signals::add, () -> signals.add(COMPLETED)));
        try {
            while (true) {
                Object signal = signals.take();
                if (signal instanceof Exception e) {
                    throw e;
                }
                if (signal instanceof Throwable t) {
                    throw new IllegalStateException(t);
                }
                if (signal == COMPLETED) {
                    throw new IllegalStateException("etcd ended the watch");
                }
                WatchResponse response = (WatchResponse) signal;
                if (response.isCreatedNotify()) {
                    // Only a watch that etcd accepted proves it is healthy again; resetting on a successful read
                    // alone would let a server that reads but cannot watch pin the loop at the shortest delay.
                    backoff.reset();
                    continue;
                }
                boolean changed = false;
                for (WatchEvent event : response.getEvents()) {
                    changed |= switch (event.getEventType()) {
                        case PUT -> put(event.getKeyValue());
                        case DELETE -> byKey.remove(event.getKeyValue().getKey()) != null;
                        case UNRECOGNIZED -> false;
                    };
                }
                if (changed) {
                    publish();
                }
            }
        } finally {
            watcher.close();
        }
    }

    /** Records one key's instance; a value that is not a valid payload is logged and leaves the key out. */
    private boolean put(KeyValue kv) {
        ByteSequence key = kv.getKey();
        try {
            Instance instance = EtcdKeys.parse(kv.getValue());
            return !instance.equals(byKey.put(key, instance));
        } catch (IllegalArgumentException e) {
            LOG.atWarn().addKeyValue("service", service).addKeyValue("key", key.toString(StandardCharsets.UTF_8))
                    .addKeyValue("value", abbreviate(kv.getValue().toString(StandardCharsets.UTF_8)))
                    .addKeyValue("err", e.getMessage()).log("skipping a bad etcd registration");
            return byKey.remove(key) != null;
        }
    }

    private void publish() {
        Map<Instance, ByteSequence> first = new HashMap<>();
        Set<ByteSequence> duplicates = new HashSet<>();
        byKey.entrySet().stream()
                .sorted(Map.Entry.comparingByKey((a, b) -> a.toString(StandardCharsets.UTF_8)
                        .compareTo(b.toString(StandardCharsets.UTF_8))))
                .forEach(entry -> {
                    ByteSequence kept = first.putIfAbsent(entry.getValue(), entry.getKey());
                    if (kept != null) {
                        duplicates.add(entry.getKey());
                        if (!reportedDuplicates.contains(entry.getKey())) {
                            LOG.atWarn().addKeyValue("service", service)
                                    .addKeyValue("key", entry.getKey().toString(StandardCharsets.UTF_8))
                                    .addKeyValue("sameAs", kept.toString(StandardCharsets.UTF_8))
                                    .addKeyValue("instance", entry.getValue())
                                    .log("two etcd registrations announce the same instance; listing it once");
                        }
                    }
                });
        reportedDuplicates = duplicates;
        cache.update(InstanceEvent.of(List.copyOf(first.keySet())));
    }

    /** Publishes and logs the first failure of an outage; the later ones only mean it is not over yet. */
    private void fail(Exception e) {
        if (!failing) {
            failing = true;
            LOG.atWarn().addKeyValue("service", service).addKeyValue("err", Calls.describe(e))
                    .log("etcd unreachable; keeping the last known instances and backing off");
            cache.update(InstanceEvent.failed(e));
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 100 ? text : text.substring(0, 100) + "...";
    }

    @Override
    public String toString() {
        return "EtcdInstancer[" + service + "]";
    }
}
