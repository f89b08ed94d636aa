package io.javakit.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The format check that MetricsTest relies on must itself reject what Prometheus would. */
class ExpositionTest {
    private static final String HISTOGRAM = """
            # HELP d_seconds Latency
            # TYPE d_seconds histogram
            d_seconds_bucket{a="x",le="0.1"} 1
            d_seconds_bucket{a="x",le="+Inf"} 2
            d_seconds_count{a="x"} 2
            d_seconds_sum{a="x"} 0.3
            """;

    @Test
    void readsAWellFormedText() {
        Exposition text = Exposition.parse(HISTOGRAM + "# TYPE c_total counter\nc_total{b=\"q\\\"uote\"} 3.0\n");

        assertThat(text.type("d_seconds")).isEqualTo("histogram");
        assertThat(text.value("c_total", Map.of("b", "q\\\"uote"))).isEqualTo(3);
        assertThat(text.value("d_seconds_bucket", Map.of("le", "+Inf"))).isEqualTo(2);
    }

    @Test
    void rejectsASampleWithoutItsFamilysType() {
        assertThatThrownBy(() -> Exposition.parse(HISTOGRAM + "c_total 1\n"))
                .hasMessageContaining("sample outside its family's TYPE");
    }

    @Test
    void rejectsBucketsThatAreNotCumulativeOrLackInf() {
        assertThatThrownBy(() -> Exposition.parse(HISTOGRAM.replace("le=\"+Inf\"} 2", "le=\"+Inf\"} 0")))
                .hasMessageContaining("buckets not cumulative");
        assertThatThrownBy(() -> Exposition.parse(HISTOGRAM.replace("+Inf", "1.0")))
                .hasMessageContaining("last bucket is not +Inf");
    }

    @Test
    void rejectsMalformedLabelsAndValues() {
        assertThatThrownBy(() -> Exposition.parse("# TYPE g gauge\ng{a=x} 1\n")).hasMessageContaining("malformed labels");
        assertThatThrownBy(() -> Exposition.parse("# TYPE g gauge\ng 1,5\n")).hasMessageContaining("malformed value");
    }
}
