package io.javakit.benchmarks.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayReadingsTest {
    private static final String A = "127.0.0.1:18080";
    private static final String B = "127.0.0.1:18081";
    private static final String C = "127.0.0.1:18082";

    /** Readings once a second, each adding the picks of that second to A, B and C; A ejected and broken in second 2. */
    private static GatewayReadings readings(int[][] picksPerSecond) {
        List<GatewayReadings.Reading> readings = new ArrayList<>();
        double a = 0;
        double b = 0;
        double c = 0;
        readings.add(new GatewayReadings.Reading(Duration.ZERO, new Picks(Map.of(A, a, B, b, C, c)), Map.of(), Map.of()));
        for (int second = 0; second < picksPerSecond.length; second++) {
            a += picksPerSecond[second][0];
            b += picksPerSecond[second][1];
            c += picksPerSecond[second][2];
            Map<String, Double> outA = second >= 1 ? Map.of(A, 1.0) : Map.of();
            readings.add(new GatewayReadings.Reading(Duration.ofSeconds(second + 1), new Picks(Map.of(A, a, B, b, C, c)), outA, outA));
        }
        return new GatewayReadings(readings);
    }

    private static final int[][] RESTART = {
            {100, 100, 100}, // 0-1 s
            {10, 145, 145},  // 1-2 s: A fails, is ejected and its breaker opens
            {0, 150, 150},   // 2-3 s: A down, then ready at 3 s
            {0, 150, 150},   // 3-4 s: not picked
            {2, 149, 149},   // 4-5 s: probed
            {90, 105, 105},  // 5-6 s: back
    };

    @Test
    void aRestartedInstanceIsBackInRotationWhenItGetsHalfAnEvenShareNotAtItsFirstPick() {
        GatewayReadings readings = readings(RESTART);

        assertThat(readings.firstPicked(A, Duration.ofSeconds(3))).contains(Duration.ofSeconds(2));
        assertThat(readings.backInRotation(A, Duration.ofSeconds(3))).contains(Duration.ofSeconds(3));
        assertThat(readings.backInRotation(B, Duration.ofSeconds(3))).contains(Duration.ofSeconds(1));
    }

    @Test
    void anInstanceNeverPickedAgainIsNotBackInRotation() {
        GatewayReadings readings = readings(new int[][] {{100, 100, 100}, {0, 150, 150}, {0, 150, 150}});

        assertThat(readings.backInRotation(A, Duration.ofSeconds(1))).isEmpty();
        assertThat(readings.describe("#1", A, Duration.ZERO, Duration.ofSeconds(1), "it was ready", Duration.ofSeconds(3)))
                .contains("first picked not by 3.0 s, back in rotation (≥ half an even share in a second) not by 3.0 s");
    }

    @Test
    void theLineShowsTheSharePerSecondAndWhenTheInstanceWasEjectedAndItsBreakerOpened() {
        GatewayReadings readings = readings(RESTART);

        assertThat(readings.shares(A, Duration.ZERO, Duration.ofSeconds(6))).isEqualTo("33 3 0 0 1 30");
        assertThat(readings.allShares(List.of(A, B, C))).isEqualTo("[0s] 33/33/33 3/48/48 0/50/50 0/50/50 1/50/50 [5s] 30/35/35");
        assertThat(readings.describe("#1", A, Duration.ofSeconds(1), Duration.ofSeconds(3), "it was ready", Duration.ofSeconds(6)))
                .isEqualTo("#1 share of users picks per second from 1.0 s (%): 3 0 0 1 30; first picked by 2.0 s after it was ready, "
                        + "back in rotation (≥ half an even share in a second) by 3.0 s after it was ready; ejected in the second to 2.0 s; "
                        + "breaker opened in the second to 2.0 s");
    }

    @Test
    void countersAreSummedOverTheOtherLabelsOfTheSamplesThatMatch() {
        Prometheus metrics = Prometheus.parse("""
                # TYPE javakit_requests_total counter
                javakit_requests_total{endpoint="UserByName",instance="127.0.0.1:18080",outcome="success",service="users"} 90.0
                javakit_requests_total{endpoint="UserByName",instance="127.0.0.1:18080",outcome="unavailable",service="users"} 10.0
                javakit_requests_total{endpoint="ProductByName",instance="127.0.0.1:18083",outcome="success",service="products"} 7.0
                javakit_breaker_transitions_total{from="closed",instance="127.0.0.1:18080",to="open"} 2.0
                javakit_breaker_transitions_total{from="half_open",instance="127.0.0.1:18080",to="open"} 1.0
                javakit_breaker_transitions_total{from="open",instance="127.0.0.1:18080",to="half_open"} 3.0
                jvm_threads_live_threads 30.0
                """);

        assertThat(metrics.byInstance("javakit_requests_total", Map.of("service", "users"))).containsExactly(Map.entry(A, 100.0));
        assertThat(metrics.byInstance("javakit_breaker_transitions_total", Map.of("to", "open"))).containsExactly(Map.entry(A, 3.0));
        assertThat(metrics.sum("javakit_requests_total", Map.of("service", "users"), labels -> labels.get("outcome")))
                .containsExactly(Map.entry("success", 90.0), Map.entry("unavailable", 10.0));
    }
}
