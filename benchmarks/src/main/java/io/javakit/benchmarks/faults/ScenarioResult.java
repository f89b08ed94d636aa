package io.javakit.benchmarks.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a scenario measured and whether it met its goals.
 *
 * @param scenario its name
 * @param rows one line of the summary table per measured stretch (a scenario may measure several)
 * @param details lines that explain the rows: timelines, shares, timings
 * @param misses the goals it missed, each saying what was expected; empty when it met them all
 */
record ScenarioResult(String scenario, List<Row> rows, List<String> details, List<String> misses) {
    /** @param notes what the table's last column says (shares, phases) */
    record Row(String label, Measurement measurement, String notes) {}

    ScenarioResult {
        rows = List.copyOf(rows);
        details = List.copyOf(details);
        misses = List.copyOf(misses);
    }

    /** The goal of a fault the gateway should hide: no client-visible error, and a p99 within the gateway's deadline. */
    static List<String> unnoticed(String label, Measurement measurement, Duration deadline) {
        List<String> misses = new ArrayList<>();
        if (measurement.errorCount() > 0) {
            misses.add(label + ": " + Report.errors(measurement) + " client errors (expected: 0)");
        }
        if (measurement.all().p99Micros() > deadline.toNanos() / 1000) {
            misses.add(label + ": p99 " + Report.millis(measurement.all().p99Micros()) + " (expected: within the "
                    + deadline.toMillis() + " ms deadline)");
        }
        return misses;
    }
}
