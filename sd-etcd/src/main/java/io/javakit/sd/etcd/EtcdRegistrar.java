package io.javakit.sd.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.options.PutOption;
import io.javakit.sd.Backoff;
import io.javakit.sd.Instance;
import io.javakit.sd.Registrar;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers one instance in etcd under {@code /javakit/services/<service>/<service>-<host>-<port>}, with the
 * payload {@code {"host":..,"port":..}}, attached to a lease that a virtual thread keeps alive every third of the
 * TTL. An instance that dies without deregistering stops the keep-alives, and etcd deletes its key once the TTL
 * runs out.
 *
 * <p>If etcd becomes unreachable the registrar keeps trying, backing off; if the lease was lost meanwhile (etcd
 * expired it, or someone revoked it) it grants a new one and writes the key again as soon as etcd answers. Each
 * outage and each recovery is logged once.
 *
 * <pre>{@code
 * Client etcd = Client.builder().endpoints("http://127.0.0.1:2379").build();
 * EtcdRegistrar registrar = new EtcdRegistrar(etcd, "users", Instance.parse("10.0.0.5:8080"));
 * registrar.register();     // once the server accepts requests
 * ...
 * registrar.deregister();   // on shutdown, before the server stops accepting
 * }</pre>
 *
 * The registrar does not own the client: close it after the registrar.
 */
public final class EtcdRegistrar implements Registrar {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdRegistrar.class);

    /** Lease TTL: 5 s, so an instance that dies without deregistering drops out within about 5 s. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(5);

    private final Client client;
    private final String service;
    private final Instance instance;
    private final long ttlSeconds;
    private final Duration keepAliveInterval;
    private final ByteSequence key;
    private final ByteSequence payload;

    private Thread keeper;
    private volatile long leaseId;

    /** A registrar with the {@linkplain #DEFAULT_TTL default TTL} (5 s). */
    public EtcdRegistrar(Client client, String service, Instance instance) {
        this(client, service, instance, DEFAULT_TTL);
    }

    /**
     * @param ttl how long etcd keeps the registration after the last keep-alive; whole seconds, at least 2 s
     *            (etcd's own floor is about 1.5 s); default {@link #DEFAULT_TTL}
     */
    public EtcdRegistrar(Client client, String service, Instance instance, Duration ttl) {
        this.client = Objects.requireNonNull(client, "client");
        this.service = EtcdKeys.checkService(service);
        this.instance = Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.toMillis() % 1000 != 0 || ttl.toSeconds() < 2) {
            throw new IllegalArgumentException("ttl: " + ttl + " (expected: whole seconds, >= 2 s)");
        }
        this.ttlSeconds = ttl.toSeconds();
        // A third of the TTL leaves room for two lost keep-alives before etcd drops the key.
        this.keepAliveInterval = ttl.dividedBy(3);
        this.key = EtcdKeys.key(service, instance);
        this.payload = EtcdKeys.payload(instance);
    }

    /**
     * Writes the key under a new lease and starts keeping it alive. If etcd does not answer, the failure is logged
     * and the registrar keeps trying in the background, so a service that starts during an etcd outage still
     * appears once etcd is back. Calling it while registered does nothing.
     */
    @Override
    public synchronized void register() {
        if (keeper != null) {
            return;
        }
        boolean registered;
        try {
            grantAndPut();
            registered = true;
            LOG.atInfo().addKeyValue("service", service).addKeyValue("instance", instance)
                    .addKeyValue("lease", Long.toHexString(leaseId)).log("registered in etcd");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            registered = false;
            LOG.atWarn().addKeyValue("service", service).addKeyValue("instance", instance)
                    .addKeyValue("err", Calls.describe(e)).log("etcd unreachable; registering once it answers");
        }
        boolean startRegistered = registered;
        keeper = Thread.ofVirtual().name("etcd-registrar-" + service).start(() -> keepAlive(startRegistered));
    }

    /**
     * Stops the keep-alives and revokes the lease, which deletes the key at once. If etcd is unreachable, the
     * failure is logged and the key disappears by itself when the TTL runs out.
     */
    @Override
    public synchronized void deregister() {
        Thread running = keeper;
        if (running == null) {
            return;
        }
        keeper = null;
        running.interrupt();
        boolean interrupted = false;
        try {
            running.join();
        } catch (InterruptedException e) {
            interrupted = true;
        }
        try {
            revoke(leaseId);
            LOG.atInfo().addKeyValue("service", service).addKeyValue("instance", instance).log("deregistered from etcd");
        } catch (InterruptedException e) {
            interrupted = true;
        } catch (Exception e) {
            LOG.atWarn().addKeyValue("service", service).addKeyValue("instance", instance)
                    .addKeyValue("err", Calls.describe(e)).addKeyValue("expiresIn", ttlSeconds + "s")
                    .log("cannot deregister from etcd; the registration expires with its lease");
        }
        leaseId = 0;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs until interrupted: keeps the lease alive every third of the TTL, and when etcd says the lease is gone,
     * grants a new one and writes the key again.
     */
    private void keepAlive(boolean registered) {
        // Keep-alives retry within a third of the TTL, so a short outage does not outlast the lease; re-registering
        // after the lease is gone has no such deadline and backs off up to the usual minute.
        Backoff keepAliveBackoff = new Backoff(Backoff.DEFAULT_INITIAL, keepAliveInterval);
        Backoff registerBackoff = Backoff.ofDefaults();
        boolean reachable = registered;
        try {
            if (!registered) {
                reRegister(registerBackoff);
                reachable = true;
            }
            Duration wait = keepAliveInterval;
            while (true) {
                Thread.sleep(wait);
                try {
                    Calls.await(client.getLeaseClient().keepAliveOnce(leaseId), keepAliveInterval);
                    keepAliveBackoff.reset();
                    wait = keepAliveInterval;
                    if (!reachable) {
                        reachable = true;
                        LOG.atInfo().addKeyValue("service", service).addKeyValue("instance", instance)
                                .log("etcd reachable again; the registration survived");
                    }
                } catch (InterruptedException e) {
                    throw e;
                } catch (Exception e) {
                    if (isLeaseNotFound(e)) {
                        LOG.atWarn().addKeyValue("service", service).addKeyValue("instance", instance)
                                .addKeyValue("lease", Long.toHexString(leaseId)).log("etcd lease lost; re-registering");
                        reRegister(registerBackoff);
                        reachable = true;
                        keepAliveBackoff.reset();
                        wait = keepAliveInterval;
                        continue;
                    }
                    if (reachable) {
                        reachable = false;
                        LOG.atWarn().addKeyValue("service", service).addKeyValue("instance", instance)
                                .addKeyValue("err", Calls.describe(e))
                                .log("etcd unreachable; keeping the lease alive once it answers");
                    }
                    wait = keepAliveBackoff.nextDelay();
                }
            }
        } catch (InterruptedException e) {
            // deregister() stops the loop
        }
    }

    /** Grants a new lease and writes the key, backing off until etcd answers. */
    private void reRegister(Backoff backoff) throws InterruptedException {
        leaseId = 0;
        while (true) {
            try {
                grantAndPut();
                backoff.reset();
                LOG.atInfo().addKeyValue("service", service).addKeyValue("instance", instance)
                        .addKeyValue("lease", Long.toHexString(leaseId)).log("registered in etcd");
                return;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                Thread.sleep(backoff.nextDelay());
            }
        }
    }

    /** Revokes {@code lease}, and with it the key; nothing to do if it is 0 (no key written) or already expired. */
    private void revoke(long lease) throws Exception {
        if (lease == 0) {
            return;
        }
        try {
            Calls.await(client.getLeaseClient().revoke(lease), keepAliveInterval);
        } catch (Exception e) {
            if (!isLeaseNotFound(e)) {
                throw e;
            }
        }
    }

    /** Waits up to a TTL per call: no lease is at stake yet, and a first connection may be slow. */
    private void grantAndPut() throws Exception {
        Duration timeout = Duration.ofSeconds(ttlSeconds);
        long lease = Calls.await(client.getLeaseClient().grant(ttlSeconds), timeout).getID();
        leaseId = lease;
        Calls.await(client.getKVClient().put(key, payload, PutOption.builder().withLeaseId(lease).build()), timeout);
    }

    private static boolean isLeaseNotFound(Exception e) {
        return e instanceof EtcdException etcd && etcd.getErrorCode() == ErrorCode.NOT_FOUND;
    }

    @Override
    public String toString() {
        return "EtcdRegistrar[" + service + " " + instance + "]";
    }
}
