package io.javakit.benchmarks.faults;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * What the clients saw during one stretch of load, by outcome: an HTTP status ({@code "200"}, {@code "503"}),
 * {@code "timeout"} (no answer within the client's timeout) or {@code "connection"} (refused, reset, closed).
 * Requests are counted when they complete.
 *
 * @param elapsed how long the stretch lasted
 * @param byOutcome latency of each outcome's requests
 * @param all latency of every request, errors included
 * @param timeline second by second, to show when errors started and stopped
 * @param errorSamples the first body (or exception) seen for each error outcome
 */
record Measurement(Duration elapsed, Map<String, Latency> byOutcome, Latency all, List<Second> timeline,
                   Map<String, String> errorSamples) {
    /** Client-visible errors are anything but a user (200) or a clean "no such user" (404). */
    static boolean isError(String outcome) {
        return !outcome.equals("200") && !outcome.equals("404");
    }

    /** Latency percentiles of some requests, in microseconds; all zero when there were none. */
    record Latency(long count, long p50Micros, long p99Micros, long maxMicros) {
        static Latency of(Histogram histogram) {
            return new Latency(histogram.getTotalCount(), histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(99),
                    histogram.getMaxValue());
        }
    }

    /** One second of the timeline: completed requests, how many were errors, and their p99. */
    record Second(long requests, long errors, long p99Micros) {}

    Measurement {
        byOutcome = Map.copyOf(byOutcome);
        timeline = List.copyOf(timeline);
        errorSamples = Map.copyOf(errorSamples);
    }

    /** Summarises {@code histograms} (latency in µs by outcome); the histograms are not kept. */
    static Measurement of(Duration elapsed, Map<String, Histogram> histograms, List<Second> timeline, Map<String, String> errorSamples) {
        return new Measurement(elapsed, histograms.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> Latency.of(e.getValue()))),
                Latency.of(merged(histograms.values())), timeline, errorSamples);
    }

    private static Histogram merged(Collection<Histogram> histograms) {
        Histogram all = new Histogram(LoadDriver.SIGNIFICANT_DIGITS);
        histograms.forEach(all::add);
        return all;
    }

    long requests() {
        return all.count();
    }

    /** Error outcomes and their counts, in name order. */
    Map<String, Long> errors() {
        return byOutcome.entrySet().stream().filter(e -> isError(e.getKey()))
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().count(), Long::sum, TreeMap::new));
    }

    long errorCount() {
        return errors().values().stream().mapToLong(Long::longValue).sum();
    }

    double perSecond() {
        return elapsed.isZero() ? 0 : requests() * 1e9 / elapsed.toNanos();
    }

    /** The latency of one outcome, or all zero when it never happened. */
    Latency latency(String outcome) {
        return byOutcome.getOrDefault(outcome, new Latency(0, 0, 0, 0));
    }
}
