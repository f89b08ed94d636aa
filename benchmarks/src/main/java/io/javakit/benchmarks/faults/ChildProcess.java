package io.javakit.benchmarks.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One process of the system under test (an instance, the gateway, etcd), started again on demand with the same
 * command; its output goes to a log file, appended across restarts. Signals are sent as a real deployment's would
 * arrive: SIGTERM (graceful), SIGKILL (crash), SIGSTOP/SIGCONT (a process that stops answering but whose sockets
 * the kernel keeps accepting on). Once closed, it cannot be started again, so a shutdown hook that closes it wins
 * against a scenario that is restarting it.
 */
final class ChildProcess implements AutoCloseable {
    enum Signal { TERM, KILL, STOP, CONT }

    private static final Duration POLL = Duration.ofMillis(50);
    private static final HttpClient PROBE = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final String name;
    private final List<String> command;
    private final Path log;
    private final URI readiness;
    private Process process;
    private boolean closed;

    /**
     * @param readiness answers 200 once the process is ready for traffic
     */
    private ChildProcess(String name, List<String> command, Path log, URI readiness) {
        this.name = name;
        this.command = List.copyOf(command);
        this.log = log;
        this.readiness = readiness;
    }

    /** Starts {@code command}, logging to {@code log}; see {@link #awaitReady}. */
    static ChildProcess start(String name, List<String> command, Path log, URI readiness) throws IOException {
        ChildProcess child = new ChildProcess(name, command, log, readiness);
        child.start();
        return child;
    }

    String name() {
        return name;
    }

    /** Starts the process again (after it exited or was killed). */
    synchronized void start() throws IOException {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is still running (pid " + process.pid() + ")");
        }
        Files.createDirectories(log.getParent());
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** Waits until the readiness address answers 200; fails early, with the log's tail, when the process dies. */
    Duration awaitReady(Duration atMost) throws IOException, InterruptedException, TimeoutException {
        long start = System.nanoTime();
        long deadline = start + atMost.toNanos();
        HttpRequest probe = HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(1)).build();
        while (System.nanoTime() < deadline) {
            if (!current().isAlive()) {
                throw new IOException(name + " exited with " + current().exitValue() + " before it was ready; log " + log + ":\n" + tail());
            }
            try {
                if (PROBE.send(probe, BodyHandlers.discarding()).statusCode() == 200) {
                    return Duration.ofNanos(System.nanoTime() - start);
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(POLL);
        }
        throw new TimeoutException(name + " not ready at " + readiness + " within " + atMost + "; log " + log + ":\n" + tail());
    }

    void signal(Signal signal) throws IOException, InterruptedException {
        Process running = current();
        switch (signal) {
            case TERM -> running.destroy();
            case KILL -> running.destroyForcibly();
            case STOP, CONT -> {
                Process kill = new ProcessBuilder("kill", "-" + signal.name(), Long.toString(running.pid())).inheritIO().start();
                if (kill.waitFor() != 0) {
                    throw new IOException("kill -" + signal + " " + running.pid() + " (" + name + ") failed");
                }
            }
        }
    }

    /** Waits for the process to exit, and returns how long that took. */
    Duration awaitExit(Duration atMost) throws InterruptedException, TimeoutException {
        long start = System.nanoTime();
        if (!current().waitFor(atMost.toNanos(), TimeUnit.NANOSECONDS)) {
            throw new TimeoutException(name + " still running " + atMost + " after it was asked to stop");
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private synchronized Process current() {
        return process;
    }

    private String tail() throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    /** Kills the process (stopped or not: SIGKILL needs no cooperation) and waits for it to go. */
    @Override
    public synchronized void close() {
        closed = true;
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // SIGKILL is sent: it goes whether or not we wait
            }
        }
    }
}
