package io.javakit.benchmarks.faults;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fresh cluster under closed-loop load, warmed up, with a clock that starts when the measurement does: what
 * every scenario runs its faults against. While measuring, it reads the gateway's counters once a second
 * ({@link #readings}). Closing it stops the load, then the cluster.
 */
final class Trial implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Trial.class);
    private static final Duration READING_INTERVAL = Duration.ofSeconds(1);

    private final String name;
    private final Cluster cluster;
    private final LoadDriver load;
    private final List<GatewayReadings.Reading> readings = new ArrayList<>();
    private long measuringSince;
    private Thread reader;

    private Trial(String name, Cluster cluster, LoadDriver load) {
        this.name = name;
        this.cluster = cluster;
        this.load = load;
    }

    /** Starts the cluster and {@code settings.concurrency()} workers; call {@link #warmUp} next. */
    static Trial start(SuiteSettings settings, String name, Cluster.Balancer balancer, Cluster.Discovery discovery) throws Exception {
        LOG.atInfo().addKeyValue("trial", name).log("starting the cluster");
        Cluster cluster = Cluster.start(settings, name, balancer, discovery);
        LoadDriver load = new LoadDriver(cluster.gateway(), LoadDriver.users(), settings.requestTimeout());
        load.concurrency(settings.concurrency());
        return new Trial(name, cluster, load);
    }

    /** Drives load for {@code warmup} without recording it (JIT, connection pools, balancer statistics), then starts the clock. */
    void warmUp(Duration warmup) throws InterruptedException {
        Thread.sleep(warmup);
        load.cut();
        measuringSince = System.nanoTime();
        reader = Thread.ofVirtual().name("gateway-readings").start(this::readGateway);
        LOG.atInfo().addKeyValue("trial", name).log("warmed up; measuring");
    }

    /** Reads the gateway's counters every second until closed; a reading that fails is left out, not fatal. */
    private void readGateway() {
        try {
            for (long next = 0; ; next++) {
                sleepUntil(READING_INTERVAL.multipliedBy(next));
                Duration at = elapsed();
                try {
                    GatewayReadings.Reading reading = GatewayReadings.Reading.of(at, cluster.gatewayMetrics());
                    synchronized (readings) {
                        readings.add(reading);
                    }
                } catch (IOException e) {
                    LOG.atWarn().addKeyValue("trial", name).addKeyValue("t", Report.seconds(at)).addKeyValue("err", e.toString())
                            .log("could not read the gateway's metrics");
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    /** The gateway's counters as read so far in the measurement. */
    GatewayReadings readings() {
        synchronized (readings) {
            return new GatewayReadings(readings);
        }
    }

    /**
     * What the gateway counted of its users calls over the whole trial (warm-up included), for the details: calls by
     * instance and outcome, retries, ejections and breaker openings.
     */
    List<String> gatewayCounters() throws IOException, InterruptedException {
        Prometheus metrics = cluster.gatewayMetrics();
        Map<String, Double> calls = metrics.sum("javakit_requests_total", Map.of("service", "users"),
                labels -> labels.get("instance") + " " + labels.get("outcome"));
        double retries = metrics.sum("javakit_retries_total", Map.of("service", "users"), labels -> "users").getOrDefault("users", 0.0);
        return List.of("gateway's users calls by instance and outcome (whole trial): " + counts(calls)
                + "; retries " + Math.round(retries)
                + "; ejections " + counts(metrics.sum("javakit_outlier_ejections_total", Map.of("service", "users"),
                        labels -> labels.get("instance") + " " + labels.get("reason")))
                + "; breaker openings " + counts(metrics.byInstance("javakit_breaker_transitions_total", Map.of("to", "open"))));
    }

    private static String counts(Map<String, Double> counts) {
        String nonZero = counts.entrySet().stream().filter(e -> e.getValue() > 0)
                .map(e -> e.getKey() + " " + Math.round(e.getValue())).collect(Collectors.joining(", "));
        return nonZero.isEmpty() ? "none" : nonZero;
    }

    Cluster cluster() {
        return cluster;
    }

    LoadDriver load() {
        return load;
    }

    /** Time since the measurement started. */
    Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - measuringSince);
    }

    /** Sleeps until {@code offset} into the measurement (at once if that has passed). */
    void sleepUntil(Duration offset) throws InterruptedException {
        Duration left = offset.minus(elapsed());
        if (left.isPositive()) {
            Thread.sleep(left);
        }
    }

    /** What the gateway logged as warnings or errors, summarised for the details: what happens inside it. */
    List<String> gatewayWarnings() throws IOException {
        return Report.summarise("gateway log", cluster.gatewayWarnings());
    }

    /** Logs a scenario's step with its time into the measurement. */
    void step(String what) {
        LOG.atInfo().addKeyValue("trial", name).addKeyValue("t", Report.seconds(elapsed())).log(what);
    }

    @Override
    public void close() {
        if (reader != null) {
            reader.interrupt();
        }
        try {
            load.close();
        } finally {
            cluster.close();
        }
    }
}
