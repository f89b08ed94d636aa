package io.javakit.benchmarks.faults;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A closed-loop load generator: each worker (a virtual thread with its own keep-alive connection) sends the next
 * {@code GET} as soon as the previous one is answered, round the paths, and records the latency and outcome of
 * each request. Being closed-loop, it slows down with the system instead of queueing on it (no coordinated-omission
 * correction): latencies are what a client that waits for each answer sees.
 *
 * <p>{@link #cut()} returns everything completed since the previous cut, with a per-second timeline, so a scenario
 * can measure phases back to back without stopping the load.
 */
final class LoadDriver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LoadDriver.class);
    static final int SIGNIFICANT_DIGITS = 3;
    /** Latencies are clamped here; the client timeout is well below. */
    private static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(1);
    /** After a failed connection, so that a dead gateway does not turn every worker into a busy loop. */
    private static final Duration RECONNECT_PAUSE = Duration.ofMillis(10);
    private static final int SAMPLE_CHARS = 200;

    private final InetSocketAddress target;
    private final List<String> paths;
    private final Duration timeout;
    private final AtomicInteger workersWanted = new AtomicInteger();
    /** By index, the workers that run; guarded by {@code this}. */
    private final Map<Integer, Thread> workers = new HashMap<>();
    private final Map<String, Recorder> recorders = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "load-driver-ticker");
        thread.setDaemon(true);
        return thread;
    });
    private volatile Map<String, String> errorSamples = new ConcurrentHashMap<>();
    private volatile boolean stopping;
    private Window window = new Window(System.nanoTime());
    private ScheduledFuture<?> ticks;

    /**
     * @param target the gateway
     * @param paths sent in turn by each worker
     * @param timeout for connecting, and for waiting for any byte of an answer; a request that runs out counts as
     *     {@code "timeout"}
     */
    LoadDriver(InetSocketAddress target, List<String> paths, Duration timeout) {
        this.target = target;
        this.paths = List.copyOf(paths);
        this.timeout = timeout;
        ticks = everySecond();
    }

    /** Paths {@code /users/user1} to {@code /users/user9}. */
    static List<String> users() {
        return IntStream.rangeClosed(1, 9).mapToObj(i -> "/users/user" + i).toList();
    }

    /**
     * Runs {@code count} workers from now on: more start at once; the surplus stop after their current request (so
     * their last outcomes land in the next cut).
     */
    synchronized void concurrency(int count) {
        workersWanted.set(count);
        for (int index = 0; index < count; index++) {
            workers.computeIfAbsent(index, self -> Thread.ofVirtual().name("load-" + self).start(() -> work(self)));
        }
    }

    /** Whether worker {@code index} stops; under the same lock as {@link #concurrency}, so none is lost or doubled. */
    private synchronized boolean retire(int index) {
        if (index < workersWanted.get()) {
            return false; // wanted again since it looked
        }
        workers.remove(index);
        return true;
    }

    /**
     * Everything completed since the previous cut (or since the driver started). The timeline's seconds count from
     * the cut, so its second 10 is the tenth second after it; the last one may be short.
     */
    synchronized Measurement cut() {
        ticks.cancel(false);
        long now = System.nanoTime();
        window.add(drain(), now);
        Measurement measurement = window.close(now, errorSamples);
        window = new Window(now);
        errorSamples = new ConcurrentHashMap<>();
        ticks = everySecond();
        return measurement;
    }

    private ScheduledFuture<?> everySecond() {
        Window current = window;
        return ticker.scheduleAtFixedRate(() -> tick(current), 1, 1, TimeUnit.SECONDS);
    }

    private void work(int index) {
        HttpConnection connection = null;
        int next = index; // workers start at different paths
        try {
            while (!stopping && (index < workersWanted.get() || !retire(index))) {
                String path = paths.get(next++ % paths.size());
                long start = System.nanoTime();
                String outcome;
                String sample = null;
                try {
                    if (connection == null) {
                        connection = HttpConnection.open(target, timeout);
                    }
                    HttpConnection.Response response = connection.get(path);
                    outcome = Integer.toString(response.status());
                    if (Measurement.isError(outcome)) {
                        sample = response.status() + " " + response.bodyText();
                    }
                    if (!response.keepAlive()) {
                        connection = discard(connection);
                    }
                } catch (SocketTimeoutException e) {
                    outcome = "timeout";
                    sample = "no answer within " + timeout.toMillis() + " ms";
                    connection = discard(connection); // a late answer would be read as the next request's
                } catch (IOException | RuntimeException e) {
                    outcome = "connection";
                    sample = e.toString();
                    connection = discard(connection);
                }
                record(outcome, System.nanoTime() - start, sample);
                if (connection == null && outcome.equals("connection")) {
                    Thread.sleep(RECONNECT_PAUSE);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            discard(connection);
        }
    }

    private static HttpConnection discard(HttpConnection connection) {
        if (connection != null) {
            connection.close();
        }
        return null;
    }

    private void record(String outcome, long nanos, String sample) {
        recorders.computeIfAbsent(outcome, o -> new Recorder(HIGHEST_MICROS, SIGNIFICANT_DIGITS))
                .recordValue(Math.min(HIGHEST_MICROS, TimeUnit.NANOSECONDS.toMicros(nanos)));
        if (Measurement.isError(outcome)) {
            errorSamples.putIfAbsent(outcome, sample.length() > SAMPLE_CHARS ? sample.substring(0, SAMPLE_CHARS) + "..." : sample);
        }
    }

    /**
     * Moves what the recorders hold into the current window, as one more second of its timeline; a tick scheduled
     * for a window that a cut has closed since does nothing.
     */
    private synchronized void tick(Window scheduledFor) {
        try {
            if (scheduledFor == window) {
                window.add(drain(), System.nanoTime());
            }
        } catch (RuntimeException e) {
            // a periodic task that throws is never run again: the timeline would silently stop
            LOG.atError().setCause(e).log("the load driver's timeline missed a second");
        }
    }

    private Map<String, Histogram> drain() {
        Map<String, Histogram> interval = new HashMap<>();
        recorders.forEach((outcome, recorder) -> interval.put(outcome, recorder.getIntervalHistogram()));
        return interval;
    }

    @Override
    public void close() {
        stopping = true;
        ticker.shutdownNow();
        List<Thread> running;
        synchronized (this) {
            running = List.copyOf(workers.values());
        }
        try {
            for (Thread worker : running) {
                worker.join(timeout.multipliedBy(2));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the workers stop after their current request anyway
        }
    }

    /** The histograms and timeline since the last cut. */
    private static final class Window {
        /** A cut's last stretch shorter than this joins the second before it rather than making a tiny one. */
        private static final long FRAGMENT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

        private final long startNanos;
        private final Map<String, Histogram> byOutcome = new HashMap<>();
        private final List<Measurement.Second> timeline = new ArrayList<>();
        private Histogram lastSecond = new Histogram(SIGNIFICANT_DIGITS);
        private long lastSecondErrors;
        private long addedNanos;

        Window(long startNanos) {
            this.startNanos = startNanos;
            this.addedNanos = startNanos;
        }

        /** Adds what completed since the previous call, up to {@code nowNanos}, as the timeline's next second. */
        void add(Map<String, Histogram> interval, long nowNanos) {
            boolean fragment = !timeline.isEmpty() && nowNanos - addedNanos < FRAGMENT_NANOS;
            if (fragment) {
                timeline.removeLast();
            } else {
                lastSecond = new Histogram(SIGNIFICANT_DIGITS);
                lastSecondErrors = 0;
            }
            for (Map.Entry<String, Histogram> entry : interval.entrySet()) {
                byOutcome.computeIfAbsent(entry.getKey(), o -> new Histogram(SIGNIFICANT_DIGITS)).add(entry.getValue());
                lastSecond.add(entry.getValue());
                if (Measurement.isError(entry.getKey())) {
                    lastSecondErrors += entry.getValue().getTotalCount();
                }
            }
            timeline.add(new Measurement.Second(lastSecond.getTotalCount(), lastSecondErrors, lastSecond.getValueAtPercentile(99)));
            addedNanos = nowNanos;
        }

        Measurement close(long nowNanos, Map<String, String> errorSamples) {
            byOutcome.values().removeIf(h -> h.getTotalCount() == 0);
            return Measurement.of(Duration.ofNanos(nowNanos - startNanos), byOutcome, timeline, errorSamples);
        }
    }
}
