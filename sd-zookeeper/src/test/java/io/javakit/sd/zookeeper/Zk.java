package io.javakit.sd.zookeeper;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.javakit.sd.Instance;
import io.javakit.sd.InstanceEvent;
import io.javakit.sd.Instancer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.curator.RetryPolicy;
import org.apache.curator.RetrySleeper;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.LoggerFactory;

/** Test fixtures: a ZooKeeper server, event and log recorders, and the network faults the tests inject. */
final class Zk {
    private Zk() {}

    /**
     * A real ZooKeeper server on a free loopback port. {@code tickTime=2000}, as in ZooKeeper's sample config, so
     * that the 5 s default session is granted as asked (TestingServer's default tick of 3 s would stretch it to 6).
     */
    static TestingServer server() throws Exception {
        return new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 2000, -1), true);
    }

    /** Every event an instancer publishes, in order. */
    static final class Events implements Consumer<InstanceEvent> {
        final List<InstanceEvent> all = new CopyOnWriteArrayList<>();

        static Events of(Instancer instancer) {
            Events events = new Events();
            instancer.subscribe(events);
            return events;
        }

        @Override
        public void accept(InstanceEvent event) {
            all.add(event);
        }

        InstanceEvent latest() {
            return all.getLast();
        }

        /** The latest set, as {@code host:port} strings, or null if the latest event is a failure. */
        List<String> addresses() {
            InstanceEvent latest = latest();
            return latest.error() != null ? null : latest.instances().stream().map(Instance::address).toList();
        }
    }

    /** Records what one class logs. */
    static final class Logs implements AutoCloseable {
        private final Logger logger;
        private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

        Logs(Class<?> type) {
            logger = (Logger) LoggerFactory.getLogger(type);
            appender.start();
            logger.addAppender(appender);
        }

        /** How many events at {@code level} whose message starts with {@code prefix} were logged for {@code service}. */
        long count(Level level, String prefix, String service) {
            return appender.list.stream()
                    .filter(e -> e.getLevel() == level && e.getMessage().startsWith(prefix))
                    .filter(e -> e.getKeyValuePairs() != null && e.getKeyValuePairs().stream()
                            .anyMatch(kv -> kv.key.equals("service") && Objects.equals(kv.value, service)))
                    .count();
        }

        /** Every event, as its formatted message. */
        List<String> all() {
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }

        /** The {@code node} key of the events at {@code level} whose message starts with {@code prefix}. */
        List<Object> nodes(Level level, String prefix) {
            return appender.list.stream()
                    .filter(e -> e.getLevel() == level && e.getMessage().startsWith(prefix))
                    .flatMap(e -> e.getKeyValuePairs().stream())
                    .filter(kv -> kv.key.equals("node"))
                    .map(kv -> kv.value)
                    .toList();
        }

        @Override
        public void close() {
            logger.detachAppender(appender);
        }
    }

    /** A retry policy that counts how often Curator asked it. */
    static final class CountingRetryPolicy implements RetryPolicy {
        final AtomicInteger asked = new AtomicInteger();
        private final RetryPolicy delegate;

        CountingRetryPolicy(RetryPolicy delegate) {
            this.delegate = delegate;
        }

        @Override
        public boolean allowRetry(int retryCount, long elapsedTimeMs, RetrySleeper sleeper) {
            asked.incrementAndGet();
            return delegate.allowRetry(retryCount, elapsedTimeMs, sleeper);
        }

        @Override
        public boolean allowRetry(Throwable exception) {
            return delegate.allowRetry(exception);
        }
    }

    /**
     * Holds a stopped server's port, accepting and dropping every connection: the clients' reconnect attempts fail
     * as they would against a dead host, and each one is counted.
     */
    static final class PortSquatter implements AutoCloseable {
        final AtomicInteger accepted = new AtomicInteger();
        private final ServerSocket socket;

        PortSquatter(int port) throws IOException {
            socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port));
            Thread.ofVirtual().name("port-squatter").start(() -> {
                while (true) {
                    try (Socket ignored = socket.accept()) {
                        accepted.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /**
     * A TCP relay to a local port. {@link #kill()} drops every connection and refuses new ones, which is what the
     * server sees when a client process is SIGKILLed: the socket closes, and no session-close request came first.
     */
    static final class TcpProxy implements AutoCloseable {
        private final ServerSocket listener;
        private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

        TcpProxy(int targetPort) throws IOException {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().name("tcp-proxy").start(() -> {
                while (true) {
                    try {
                        Socket client = listener.accept();
                        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                        sockets.add(client);
                        sockets.add(upstream);
                        pump(client, upstream);
                        pump(upstream, client);
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        String connectString() {
            return "127.0.0.1:" + listener.getLocalPort();
        }

        void kill() {
            try {
                listener.close();
                for (Socket socket : sockets) {
                    socket.close();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            kill();
        }

        private static void pump(Socket from, Socket to) {
            Thread.ofVirtual().start(() -> {
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    in.transferTo(out);
                } catch (IOException e) {
                    // the other direction or kill() closed the pair
                } finally {
                    closeQuietly(from);
                    closeQuietly(to);
                }
            });
        }

        private static void closeQuietly(Socket socket) {
            try {
                socket.close();
            } catch (IOException e) {
                // already closed
            }
        }
    }

    /**
     * Ends a session on the server, as the ensemble does when it times out (ZooKeeper FAQ): a second handle joins
     * the session and closes it. The owner finds out when it next talks to the server.
     */
    static void expireSession(ZooKeeper victim, String connectString) throws Exception {
        CountDownLatch joined = new CountDownLatch(1);
        ZooKeeper twin = new ZooKeeper(connectString, victim.getSessionTimeout(), event -> {
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                joined.countDown();
            }
        }, victim.getSessionId(), victim.getSessionPasswd());
        try {
            if (!joined.await(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("could not join session 0x" + Long.toHexString(victim.getSessionId()));
            }
        } finally {
            twin.close();
        }
    }

    /** A loopback port nothing listens on. */
    static int deadPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
