package io.javakit.sd.dns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real DNS server for tests: dnsmasq in the foreground on a free loopback port, authoritative-ish for
 * {@code example.internal} (unknown names there are NXDOMAIN, names elsewhere REFUSED), every record with the same
 * small TTL, and every query logged so tests can count them. Records are dnsmasq option lines
 * ({@code srv-host=...}, {@code host-record=...}, {@code address=/.../...}); dnsmasq reads them only on start, so
 * {@link #reconfigure} restarts it on the same port.
 */
public final class Dnsmasq implements AutoCloseable {
    private static final Path BINARY = Path.of("/usr/sbin/dnsmasq");
    private static final Duration STARTUP = Duration.ofSeconds(5);

    private final Path dir;
    private final Path config;
    private final Path log;
    private final int ttlSeconds;
    private int port;
    private List<String> records;
    private Process process;

    private Dnsmasq(int ttlSeconds, List<String> records) throws IOException {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " not found: these tests need a real DNS server "
                    + "(apt-get install dnsmasq-base)");
        }
        this.dir = Files.createTempDirectory("dnsmasq");
        this.config = dir.resolve("dnsmasq.conf");
        this.log = dir.resolve("dnsmasq.log");
        this.ttlSeconds = ttlSeconds;
        this.records = List.copyOf(records);
    }

    /** Starts dnsmasq serving {@code records} with the TTL {@code ttlSeconds}. */
    public static Dnsmasq start(int ttlSeconds, String... records) throws IOException {
        Dnsmasq dnsmasq = new Dnsmasq(ttlSeconds, List.of(records));
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // another process may take the free port before dnsmasq
            dnsmasq.port = freePort();
            try {
                dnsmasq.start();
                return dnsmasq;
            } catch (IOException e) {
                last = e;
            }
        }
        dnsmasq.close();
        throw last;
    }

    /** {@code 127.0.0.1:port}, for {@link DnsSrvInstancer.Builder#resolver}. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    /** Serves {@code records} instead, restarting on the same port. */
    public void reconfigure(String... records) throws IOException {
        this.records = List.of(records);
        stop();
        start();
    }

    /** Starts again after {@link #stop}, on the same port. */
    public void start() throws IOException {
        List<String> lines = new ArrayList<>(List.of(
                "port=" + port, "listen-address=127.0.0.1", "bind-interfaces", "no-resolv", "no-hosts",
                "local=/example.internal/", "local-ttl=" + ttlSeconds, "log-queries", "log-facility=-"));
        lines.addAll(records);
        Files.write(config, lines);
        List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--keep-in-foreground", "--no-daemon",
                "--conf-file=" + config, "--pid-file=" + dir.resolve("dnsmasq.pid")));
        if ("root".equals(System.getProperty("user.name"))) {
            command.add("--user=root"); // dnsmasq would otherwise switch to a user that may not exist
        }
        int startedBefore = count("started, version");
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + STARTUP.toNanos();
        // dnsmasq binds its sockets before it logs "started", so the line means it answers.
        while (count("started, version") == startedBefore) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IOException("dnsmasq did not start on port " + port + ": " + Files.readString(log));
            }
            sleep(20);
        }
    }

    /** Stops the server: queries now fail (port unreachable) until {@link #start}. */
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** How many {@code type} queries for {@code name} the server has received, across restarts. */
    int queries(String type, String name) {
        return count("query[" + type + "] " + name + " from");
    }

    private int count(String text) {
        try (Stream<String> lines = Files.exists(log) ? Files.lines(log, StandardCharsets.UTF_8) : Stream.empty()) {
            return (int) lines.filter(line -> line.contains(text)).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    @Override
    public String toString() {
        return "dnsmasq on " + address();
    }

    /** A port free for both UDP and TCP on loopback (dnsmasq listens on both). */
    private static int freePort() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        for (int attempt = 0; attempt < 20; attempt++) {
            int candidate;
            try (DatagramSocket udp = new DatagramSocket(0, loopback)) {
                candidate = udp.getLocalPort();
            }
            try (ServerSocket tcp = new ServerSocket(candidate, 1, loopback)) {
                return tcp.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no port free for both UDP and TCP on " + loopback);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for dnsmasq", e);
        }
    }
}
