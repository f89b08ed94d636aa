package io.javakit.sd.zookeeper;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.curator.RetryPolicy;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.CuratorEventType;
import org.apache.curator.framework.api.CuratorListener;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the Curator client that {@link ZooKeeperRegistrar} and {@link ZooKeeperInstancer} share, with defaults
 * fit for service discovery: a short session, so that a killed instance drops out within seconds, and bounded
 * exponential retries, so that an unreachable ensemble is not hammered.
 *
 * <pre>{@code
 * CuratorFramework zk = ZooKeeperClient.connect("10.0.0.2:2181,10.0.0.3:2181");
 * Registrar registrar = new ZooKeeperRegistrar(zk, "users", Instance.parse("10.0.0.5:8080"));
 * Instancer products = ZooKeeperInstancer.create(zk, "products");
 * }</pre>
 *
 * <p>The caller owns the client: close it after the registrars and instancers that use it. Closing it ends the
 * session, which also removes every ephemeral node it created. If it is closed first anyway, they notice and stop,
 * except on a namespaced client ({@code usingNamespace}), which cannot report its closing.
 */
public final class ZooKeeperClient {
    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperClient.class);

    /**
     * How long the ensemble keeps the session of a silent client, and therefore its registrations: 5 s. The server
     * clamps it to between 2 and 20 ticks (4 s to 40 s with the usual {@code tickTime=2000}) and expires sessions
     * on tick boundaries, so a SIGKILLed instance drops out after 5 to 7 s.
     */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(5);
    /**
     * How long an operation waits for a connection before counting as a failed attempt, and how long
     * {@link #connect} waits for the first connection: 5 s.
     */
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);
    /** First retry sleep of an operation that lost its connection: 200 ms, doubling (with jitter) per retry. */
    public static final Duration DEFAULT_RETRY_BASE_SLEEP = Duration.ofMillis(200);
    /** Cap on one retry sleep: 5 s. */
    public static final Duration DEFAULT_RETRY_MAX_SLEEP = Duration.ofSeconds(5);
    /**
     * Retries per operation: 5, so that an operation gives up after about half a minute without a connection
     * (each attempt first waits up to the connection timeout). Watches and registrations outlive that: they are
     * restored on reconnect, not by retrying.
     */
    public static final int DEFAULT_MAX_RETRIES = 5;

    private ZooKeeperClient() {}

    /**
     * A started client with the defaults, connected unless the ensemble did not answer within
     * {@link #DEFAULT_CONNECTION_TIMEOUT} (it then keeps connecting in the background, and instancers report the
     * outage until it succeeds).
     *
     * @param connectString {@code host:port[,host:port...][/chroot]}
     */
    public static CuratorFramework connect(String connectString) {
        return connect(connectString, DEFAULT_SESSION_TIMEOUT, DEFAULT_CONNECTION_TIMEOUT, defaultRetryPolicy());
    }

    /** As {@link #connect(String)}, with every setting given. */
    public static CuratorFramework connect(String connectString, Duration sessionTimeout, Duration connectionTimeout,
                                           RetryPolicy retryPolicy) {
        Objects.requireNonNull(connectString, "connectString");
        if (connectString.isBlank() || connectString.contains("://")) {
            throw new IllegalArgumentException("connectString: '" + connectString
                    + "' (expected: host:port[,host:port...][/chroot])");
        }
        int sessionMillis = positiveMillis("sessionTimeout", sessionTimeout);
        int connectionMillis = positiveMillis("connectionTimeout", connectionTimeout);
        Objects.requireNonNull(retryPolicy, "retryPolicy");

        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs(sessionMillis)
                .connectionTimeoutMs(connectionMillis)
                .retryPolicy(retryPolicy)
                .build();
        client.start();
        try {
            if (!client.blockUntilConnected(connectionMillis, TimeUnit.MILLISECONDS)) {
                LOG.atWarn().addKeyValue("zookeeper", connectString).addKeyValue("waited", connectionTimeout)
                        .log("zookeeper unreachable; connecting in the background");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return client;
    }

    /**
     * Exponential backoff from {@link #DEFAULT_RETRY_BASE_SLEEP} to {@link #DEFAULT_RETRY_MAX_SLEEP}, at most
     * {@link #DEFAULT_MAX_RETRIES} retries.
     */
    public static RetryPolicy defaultRetryPolicy() {
        return new BoundedExponentialBackoffRetry((int) DEFAULT_RETRY_BASE_SLEEP.toMillis(),
                (int) DEFAULT_RETRY_MAX_SLEEP.toMillis(), DEFAULT_MAX_RETRIES);
    }

    /**
     * Runs {@code action} when {@code client} starts closing, so that recipes on it can stop before it is gone.
     *
     * @return what cancels that; a no-op for a namespaced client, which cannot report its closing
     */
    static Runnable onClosing(CuratorFramework client, Runnable action) {
        CuratorListener listener = (curator, event) -> {
            if (event.getType() == CuratorEventType.CLOSING) {
                action.run();
            }
        };
        try {
            client.getCuratorListenable().addListener(listener);
        } catch (UnsupportedOperationException namespaced) {
            return () -> {};
        }
        return () -> client.getCuratorListenable().removeListener(listener);
    }

    private static int positiveMillis(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.toMillis() < 1 || value.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: 1 ms to 24 days)");
        }
        return (int) value.toMillis();
    }
}
