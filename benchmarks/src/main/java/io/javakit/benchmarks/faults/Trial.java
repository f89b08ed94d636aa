package io.javakit.benchmarks.faults;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fresh cluster under closed-loop load, warmed up, with a clock that starts when the measurement does: what
 * every scenario runs its faults against. Closing it stops the load, then the cluster.
 */
final class Trial implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Trial.class);

    private final String name;
    private final Cluster cluster;
    private final LoadDriver load;
    private long measuringSince;

    private Trial(String name, Cluster cluster, LoadDriver load) {
        this.name = name;
        this.cluster = cluster;
        this.load = load;
    }

    /** Starts the cluster and {@code settings.concurrency()} workers; call {@link #warmUp} next. */
    static Trial start(SuiteSettings settings, String name, Cluster.Balancer balancer) throws Exception {
        LOG.atInfo().addKeyValue("trial", name).log("starting the cluster");
        Cluster cluster = Cluster.start(settings, name, balancer);
        LoadDriver load = new LoadDriver(cluster.gateway(), LoadDriver.users(), settings.requestTimeout());
        load.concurrency(settings.concurrency());
        return new Trial(name, cluster, load);
    }

    /** Drives load for {@code warmup} without recording it (JIT, connection pools, balancer statistics), then starts the clock. */
    void warmUp(Duration warmup) throws InterruptedException {
        Thread.sleep(warmup);
        load.cut();
        measuringSince = System.nanoTime();
        LOG.atInfo().addKeyValue("trial", name).log("warmed up; measuring");
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
        try {
            load.close();
        } finally {
            cluster.close();
        }
    }
}
