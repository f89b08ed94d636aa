package io.javakit.example;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A service instance as its own OS process ({@code javakit users ...}), so that it can be SIGTERMed or SIGKILLed. */
final class ServiceProcess implements AutoCloseable {
    final int port;
    private final Process process;
    private final Path log;

    private ServiceProcess(int port, Process process, Path log) {
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code javakit users} on {@code port}, registering in {@code registryUrl}, and waits until it has registered. */
    static ServiceProcess startUsers(int port, String registryUrl, String registeredMessage) throws IOException {
        Path log = Files.createTempFile("javakit-users-" + port, ".log");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        if (Runtime.version().feature() >= 24) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        // the production logging configuration, not a logback-test.xml that a test fixture jar brings along
        command.add("-Dlogback.configurationFile=" + ServiceProcess.class.getResource("/logback.xml"));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.javakit.example.Main", "users",
                "--host", "127.0.0.1", "--port", String.valueOf(port), "--registry", registryUrl));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ServiceProcess service = new ServiceProcess(port, process, log);
        await().atMost(Duration.ofSeconds(30)).until(() -> service.firstLine(registeredMessage).isPresent() || !process.isAlive());
        if (!process.isAlive()) {
            throw new IllegalStateException("users on " + port + " died:\n" + String.join("\n", service.lines()));
        }
        return service;
    }

    List<String> lines() {
        try {
            return Files.readAllLines(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Optional<String> firstLine(String containing) {
        return lines().stream().filter(l -> l.contains(containing)).findFirst();
    }

    /** How many calls this instance has served (one logfmt line each). */
    long served() {
        return lines().stream().filter(l -> l.contains("method=UserByName")).count();
    }

    /** The {@code ts=} of a log line. */
    static Instant timestamp(String line) {
        int start = line.indexOf("ts=") + 3;
        return Instant.parse(line.substring(start, line.indexOf(' ', start)));
    }

    /** SIGTERM, and wait for the graceful exit. */
    void terminate() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }

    /** SIGTERM, without waiting. */
    void signalTerminate() {
        process.destroy();
    }

    /** SIGKILL: no deregistration, no drain. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            kill();
        }
        Files.deleteIfExists(log);
    }
}
