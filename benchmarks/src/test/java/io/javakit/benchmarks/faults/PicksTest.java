package io.javakit.benchmarks.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PicksTest {
    private static final String BEFORE = """
            # HELP javakit_balancer_picks_total Calls a balancer sent to an instance
            # TYPE javakit_balancer_picks_total counter
            javakit_balancer_picks_total{instance="127.0.0.1:18080",service="users"} 100.0
            javakit_balancer_picks_total{instance="127.0.0.1:18081",service="users"} 100.0
            javakit_balancer_picks_total{service="users",instance="127.0.0.1:18082"} 100.0
            javakit_balancer_picks_total{instance="127.0.0.1:18083",service="products"} 7.0
            javakit_requests_total{service="users"} 300.0
            """;
    private static final String AFTER = """
            javakit_balancer_picks_total{instance="127.0.0.1:18080",service="users"} 110.0
            javakit_balancer_picks_total{instance="127.0.0.1:18081",service="users"} 145.0
            javakit_balancer_picks_total{service="users",instance="127.0.0.1:18082"} 145.0
            javakit_balancer_picks_total{instance="127.0.0.1:18083",service="products"} 1000.0
            """;

    @Test
    void readsOneServicesPicksWhateverTheLabelOrder() {
        Picks users = Picks.parse(BEFORE, "users");

        assertThat(users.byInstance()).containsOnlyKeys("127.0.0.1:18080", "127.0.0.1:18081", "127.0.0.1:18082");
        assertThat(users.total()).isEqualTo(300.0);
    }

    @Test
    void theShareOfAnInstanceCountsOnlyThePicksSinceTheEarlierReading() {
        Picks measured = Picks.parse(AFTER, "users").since(Picks.parse(BEFORE, "users"));

        assertThat(measured.total()).isEqualTo(100.0);
        assertThat(measured.share("127.0.0.1:18080")).isCloseTo(0.10, within(1e-9));
    }

    @Test
    void noPicksIsNoShareRatherThanADivisionByZero() {
        assertThat(Picks.parse(BEFORE, "users").since(Picks.parse(BEFORE, "users")).share("127.0.0.1:18080")).isZero();
    }
}
