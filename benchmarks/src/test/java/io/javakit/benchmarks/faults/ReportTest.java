package io.javakit.benchmarks.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class ReportTest {
    private static Histogram latencies(long micros, int count) {
        Histogram histogram = new Histogram(LoadDriver.SIGNIFICANT_DIGITS);
        histogram.recordValueWithCount(micros, count);
        return histogram;
    }

    private static Measurement measured(Map<String, Histogram> byOutcome) {
        return Measurement.of(Duration.ofSeconds(10), byOutcome, List.of(new Measurement.Second(100, 2, 1500)), Map.of("503", "503 {}"));
    }

    @Test
    void aFaultTheGatewayHidesMissesNoGoal() {
        Measurement clean = measured(Map.of("200", latencies(2_000, 900), "404", latencies(3_000, 100)));

        assertThat(ScenarioResult.unnoticed("kill", clean, Duration.ofSeconds(1))).isEmpty();
    }

    @Test
    void clientErrorsAndASlowP99AreMissesThatSayWhatWasExpected() {
        Measurement noisy = measured(Map.of("200", latencies(1_500_000, 90), "503", latencies(400, 8), "timeout", latencies(5_000_000, 2)));

        assertThat(ScenarioResult.unnoticed("hang", noisy, Duration.ofSeconds(1))).containsExactly(
                "hang: 10 (503: 8, timeout: 2) client errors (expected: 0)",
                "hang: p99 5001 ms (expected: within the 1000 ms deadline)");
    }

    @Test
    void theTableHasARowPerMeasuredStretchAndTheGoalsSectionListsTheMisses() {
        Measurement noisy = measured(Map.of("200", latencies(2_000, 90), "503", latencies(400, 10)));
        ScenarioResult fail = new ScenarioResult("fail", List.of(new ScenarioResult.Row("fail", noisy, "#1 share 30% → 5% → 31%")),
                Report.describe(noisy), ScenarioResult.unnoticed("fail", noisy, Duration.ofSeconds(1)));

        String markdown = new Report("header", List.of(fail)).markdown();

        assertThat(markdown).contains("| fail | 100 | 10 (503: 10) | 2.00 ms | 2.00 ms | 2.00 ms | #1 share 30% → 5% → 31% |")
                .contains("- first 503: `503 {}`")
                .contains("- MISSED fail: 10 (503: 10) client errors (expected: 0)");
    }

    @Test
    void logLinesAreCountedByLevelMessageAndInstance() {
        List<String> lines = List.of(
                "ts=1 level=warn instance=127.0.0.1:18080 reason=x msg=\"ejecting an outlier instance\" logger=E",
                "ts=2 level=warn instance=127.0.0.1:18080 msg=\"ejecting an outlier instance\" logger=E",
                "ts=3 level=warn instance=127.0.0.1:18081 msg=\"ejecting an outlier instance\" logger=E",
                "ts=4 level=error err=\"a \\\"quoted\\\" cause\" msg=\"etcd unreachable\" logger=R");

        assertThat(Report.summarise("gateway log", lines)).containsExactly("gateway log: error \"etcd unreachable\" ×1; "
                + "warn \"ejecting an outlier instance\" ×3 (127.0.0.1:18080 ×2, 127.0.0.1:18081 ×1)");
        assertThat(Report.summarise("gateway log", List.of())).isEmpty();
    }
}
