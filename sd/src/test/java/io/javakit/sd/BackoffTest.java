package io.javakit.sd;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void doublesTheCeilingUpToTheMaximumWithJitterBelowIt() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));
        long[] ceilings = {100, 200, 400, 800, 1000, 1000, 1000};
        for (long ceiling : ceilings) {
            assertThat(backoff.nextDelay()).isBetween(Duration.ofMillis(ceiling / 2), Duration.ofMillis(ceiling));
        }
        assertThat(backoff.failures()).isEqualTo(ceilings.length);
    }

    @Test
    void aSuccessStartsItOver() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(60));
        for (int i = 0; i < 10; i++) {
            backoff.nextDelay();
        }
        backoff.reset();

        assertThat(backoff.nextDelay()).isLessThanOrEqualTo(Duration.ofMillis(100));
        assertThat(backoff.failures()).isEqualTo(1);
    }
}
