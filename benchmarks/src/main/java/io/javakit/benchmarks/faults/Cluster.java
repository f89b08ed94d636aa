package io.javakit.benchmarks.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The system under test as separate processes on loopback: etcd (fresh, when there is one), three users and three
 * products instances with fault injection on, and the gateway in front. Closing it kills them all; so does the JVM
 * exiting (a shutdown hook), so that an interrupted suite leaves nothing running.
 */
final class Cluster implements AutoCloseable {
    /** How the gateway picks among a service's instances ({@code --balancer}). */
    enum Balancer {
        ROUND_ROBIN("round-robin"), P2C("p2c");

        final String flag;

        Balancer(String flag) {
            this.flag = flag;
        }
    }

    /** Where the gateway finds the instances. */
    enum Discovery {
        /** etcd when the suite has one (instances register, and deregister before they stop), else fixed lists. */
        REGISTRY,
        /**
         * {@code --users a,b,c --products d,e,f}, the seed's layout, whatever the suite has: nothing tells the
         * gateway an instance is going, so it learns only from failed calls.
         */
        FIXED_LISTS
    }

    private static final Logger LOG = LoggerFactory.getLogger(Cluster.class);
    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration AOT_CACHE_WRITE_TIMEOUT = Duration.ofSeconds(60);
    private static final HttpClient CONTROL = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final SuiteSettings settings;
    private final boolean onEtcd;
    private final List<ChildProcess> processes = new ArrayList<>();
    private final List<ChildProcess> users = new ArrayList<>();
    private final Thread killer = new Thread(this::killAll, "cluster-killer");
    private Path gatewayLog;
    private Path etcdData;
    private boolean closed;
    /** The process recording the AOT cache, if this cluster records it: it must exit gracefully to write it. */
    private ChildProcess recordingAotCache;

    private Cluster(SuiteSettings settings, Discovery discovery) {
        this.settings = settings;
        this.onEtcd = discovery == Discovery.REGISTRY && settings.etcd().isPresent();
        Runtime.getRuntime().addShutdownHook(killer);
    }

    /** Starts everything, logging to {@code logs/<name>/}, and returns once the gateway balances over all six instances. */
    static Cluster start(SuiteSettings settings, String name, Balancer balancer, Discovery discovery) throws Exception {
        SuiteSettings.Ports ports = settings.ports();
        requireFree(ports);
        Cluster cluster = new Cluster(settings, discovery);
        try {
            Path logs = settings.logs().resolve(name);
            deleteTree(logs); // an earlier run's, which the processes would append to
            cluster.startAll(logs, balancer);
            return cluster;
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
    }

    private void startAll(Path logs, Balancer balancer) throws Exception {
        SuiteSettings.Ports ports = settings.ports();
        List<String> registry = List.of();
        if (onEtcd) {
            etcdData = Files.createTempDirectory("javakit-faults-etcd");
            String client = "http://" + HOST + ":" + ports.etcdClient();
            String peer = "http://" + HOST + ":" + ports.etcdPeer();
            ChildProcess etcd = started(ChildProcess.start("etcd", List.of(settings.etcd().get().toString(), "--name", "faults",
                    "--data-dir", etcdData.toString(), "--listen-client-urls", client, "--advertise-client-urls", client,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "faults=" + peer),
                    logs.resolve("etcd.log"), URI.create(client + "/health")));
            etcd.awaitReady(START_TIMEOUT);
            registry = List.of("--registry", "etcd://" + HOST + ":" + ports.etcdClient());
        }
        List<ChildProcess> starting = new ArrayList<>();
        for (int port : ports.users()) {
            ChildProcess user = instance("users", port, registry, logs);
            users.add(user);
            starting.add(user);
        }
        for (int port : ports.products()) {
            starting.add(instance("products", port, registry, logs));
        }
        boolean recordAotCache = settings.aotCache().filter(Files::notExists).isPresent();
        List<String> gateway = new ArrayList<>(recordAotCache ? javaCommandRecordingAotCache() : javaCommand());
        gateway.addAll(List.of("gateway", "--host", HOST, "--port", Integer.toString(ports.gateway()), "--admin-port",
                Integer.toString(ports.admin()), "--quiet", "--rate-limit", "0", "--deadline", Long.toString(settings.deadline().toMillis()),
                "--balancer", balancer.flag));
        settings.maxConcurrentRequests().ifPresent(n -> gateway.addAll(List.of("--max-concurrent-requests", Integer.toString(n))));
        if (registry.isEmpty()) {
            gateway.addAll(List.of("--users", addresses(ports.users()), "--products", addresses(ports.products())));
        } else {
            gateway.addAll(registry);
        }
        // The gateway starts beside the instances rather than after them: on two cores start-up is most of a trial.
        gatewayLog = logs.resolve("gateway.log");
        ChildProcess gatewayProcess = started(ChildProcess.start("gateway", gateway, gatewayLog, adminUri("/health/ready")));
        starting.add(gatewayProcess);
        if (recordAotCache) {
            recordingAotCache = gatewayProcess;
        }
        for (ChildProcess process : starting) {
            process.awaitReady(START_TIMEOUT);
        }
        awaitBalancingOverAll();
        LOG.atInfo().addKeyValue("registry", registry()).addKeyValue("balancer", balancer.flag).addKeyValue("logs", logs)
                .log("cluster ready");
    }

    /** Takes {@code process} into the cluster, or kills it if the cluster was closed while it started. */
    private synchronized ChildProcess started(ChildProcess process) {
        if (closed) {
            process.close();
            throw new IllegalStateException("the cluster was closed while " + process.name() + " started");
        }
        processes.add(process);
        return process;
    }

    private ChildProcess instance(String service, int port, List<String> registry, Path logs) throws IOException {
        List<String> command = new ArrayList<>(javaCommand());
        command.addAll(List.of(service, "--host", HOST, "--port", Integer.toString(port), "--quiet", "--fault-injection"));
        command.addAll(registry);
        return started(ChildProcess.start(service + "-" + port, command, logs.resolve(service + "-" + port + ".log"),
                URI.create("http://" + HOST + ":" + port + "/health/ready")));
    }

    /**
     * {@code java -jar} the example, starting from the AOT cache once there is one: on two cores shared by seven
     * JVMs that halves the start-up, which is most of a trial. A cache the JVM finds stale is ignored.
     */
    private List<String> javaCommand() {
        List<String> command = new ArrayList<>(List.of(settings.java().toString()));
        settings.aotCache().filter(Files::exists).ifPresent(cache -> command.addAll(List.of("-XX:AOTCache=" + cache, "-Xlog:aot*=error,cds*=error")));
        // Libraries under the registries (protobuf, Netty) still use sun.misc.Unsafe; JDK 24+ warns on every start.
        command.addAll(List.of("--sun-misc-unsafe-memory-access=allow", "-jar", settings.exampleJar().toString()));
        return command;
    }

    /**
     * The gateway of the first cluster records the cache: it loads nearly every class the instances do (server,
     * client, etcd), and it is never the one a scenario breaks. The JVM writes the cache when it exits.
     */
    private List<String> javaCommandRecordingAotCache() {
        return List.of(settings.java().toString(), "-XX:AOTCacheOutput=" + settings.aotCache().orElseThrow(), "-Xlog:aot*=error,cds*=error",
                "--sun-misc-unsafe-memory-access=allow", "-jar", settings.exampleJar().toString());
    }

    /** The gateway is ready with one instance per service; the scenarios need all six in its balancers. */
    private void awaitBalancingOverAll() throws IOException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (userPicks().byInstance().size() < settings.ports().users().size()
                || productPicks().byInstance().size() < settings.ports().products().size()) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("the gateway does not see all instances: users " + userPicks() + ", products " + productPicks());
            }
            Thread.sleep(100);
        }
    }

    private static String addresses(List<Integer> ports) {
        return ports.stream().map(p -> HOST + ":" + p).collect(Collectors.joining(","));
    }

    private static void requireFree(SuiteSettings.Ports ports) throws IOException {
        List<Integer> all = Stream.of(List.of(ports.gateway(), ports.admin(), ports.etcdClient(), ports.etcdPeer()), ports.users(),
                ports.products()).flatMap(List::stream).toList();
        for (int port : all) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(HOST, port));
            } catch (IOException e) {
                throw new IOException("port " + port + " is in use: is another fault suite (or a leftover process) running?", e);
            }
        }
    }

    /** {@code users} instance {@code index} (0 to 2), for faults. */
    ChildProcess user(int index) {
        return users.get(index);
    }

    /** The address a users instance registers as, and the gateway's metrics label it with. */
    String userAddress(int index) {
        return HOST + ":" + settings.ports().users().get(index);
    }

    InetSocketAddress gateway() {
        return new InetSocketAddress(HOST, settings.ports().gateway());
    }

    /** What the gateway finds instances through, for the report. */
    String registry() {
        return onEtcd ? "etcd" : "fixed lists";
    }

    /** The warnings and errors the gateway has logged so far (it runs {@code --quiet}: there are no call lines). */
    List<String> gatewayWarnings() throws IOException {
        try (Stream<String> lines = Files.lines(gatewayLog)) {
            return lines.filter(line -> line.contains("level=warn") || line.contains("level=error")).toList();
        }
    }

    /** {@code PUT /admin/faults/{fault}} on users instance {@code index}: none, slow, fail or hang. */
    void injectFault(int index, String fault) throws IOException, InterruptedException {
        HttpRequest put = HttpRequest.newBuilder(URI.create("http://" + userAddress(index) + "/admin/faults/" + fault))
                .timeout(Duration.ofSeconds(5)).PUT(HttpRequest.BodyPublishers.noBody()).build();
        int status = CONTROL.send(put, BodyHandlers.discarding()).statusCode();
        if (status != 200) {
            throw new IOException("PUT /admin/faults/" + fault + " on " + userAddress(index) + ": " + status);
        }
    }

    Picks userPicks() throws IOException, InterruptedException {
        return Picks.parse(metrics(), "users");
    }

    private Picks productPicks() throws IOException, InterruptedException {
        return Picks.parse(metrics(), "products");
    }

    /** The gateway's {@code /metrics} on its admin port. */
    Prometheus gatewayMetrics() throws IOException, InterruptedException {
        return Prometheus.parse(metrics());
    }

    private String metrics() throws IOException, InterruptedException {
        HttpRequest get = HttpRequest.newBuilder(adminUri("/metrics")).timeout(Duration.ofSeconds(5)).build();
        return CONTROL.send(get, BodyHandlers.ofString()).body();
    }

    private URI adminUri(String path) {
        return URI.create("http://" + HOST + ":" + settings.ports().admin() + path);
    }

    /** Stops everything; a gateway recording the AOT cache first gets to exit gracefully, which writes the cache. */
    @Override
    public void close() {
        ChildProcess recorder;
        synchronized (this) {
            recorder = recordingAotCache;
            recordingAotCache = null;
        }
        if (recorder != null) {
            try {
                recorder.signal(ChildProcess.Signal.TERM);
                recorder.awaitExit(AOT_CACHE_WRITE_TIMEOUT);
                LOG.atInfo().addKeyValue("cache", settings.aotCache().orElseThrow()).addKeyValue("written", Files.exists(settings.aotCache().orElseThrow()))
                        .log("the gateway exited to write the AOT cache for later starts");
            } catch (IOException | TimeoutException e) {
                LOG.atWarn().addKeyValue("err", e.toString()).log("the gateway did not write the AOT cache; later starts go without");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run: it did the same
        }
    }

    private synchronized void killAll() {
        closed = true;
        processes.reversed().forEach(ChildProcess::close);
        if (etcdData != null) {
            deleteTree(etcdData);
            etcdData = null;
        }
    }

    private static void deleteTree(Path root) {
        if (Files.notExists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.atWarn().addKeyValue("dir", root).addKeyValue("err", e.toString()).log("could not delete a directory");
        }
    }
}
