package io.javakit.sd.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
    private long nanos = 5_000_000_000L;

    private void advanceSeconds(double seconds) {
        nanos += (long) (seconds * 1e9);
    }

    private RetryBudget budget(double percent, int minPerSecond) {
        return RetryBudget.of(percent, minPerSecond, Duration.ofSeconds(10), () -> nanos);
    }

    private static long withdrawAll(RetryBudget budget) {
        return IntStream.range(0, 10_000).takeWhile(i -> budget.tryWithdraw()).count();
    }

    @Test
    void allowsTheMinimumPerSecondOverTheWindowBeforeAnyTraffic() {
        RetryBudget budget = budget(20, 10);

        assertThat(budget.balance()).isEqualTo(100);
        assertThat(withdrawAll(budget)).isEqualTo(100);
        assertThat(budget.tryWithdraw()).isFalse();
    }

    @Test
    void earnsOneRetryForEveryFiveRequestsAtTwentyPercent() {
        RetryBudget budget = budget(20, 0);
        IntStream.range(0, 4).forEach(i -> budget.deposit());
        assertThat(budget.tryWithdraw()).isFalse();

        budget.deposit();

        assertThat(budget.tryWithdraw()).isTrue();
        assertThat(budget.tryWithdraw()).isFalse();
    }

    @Test
    void forgetsRequestsAndRetriesAfterTheTtl() {
        RetryBudget budget = budget(20, 10);
        IntStream.range(0, 50).forEach(i -> budget.deposit());
        assertThat(withdrawAll(budget)).isEqualTo(110);

        advanceSeconds(10.5);

        assertThat(budget.balance()).as("both the deposits and the withdrawals expired").isEqualTo(100);
    }

    @Test
    void aBudgetWithNeitherShareNorFloorNeverAllowsARetry() {
        RetryBudget budget = budget(0, 0);
        budget.deposit();

        assertThat(budget.tryWithdraw()).isFalse();
    }

    @Test
    void unlimitedAlwaysAllows() {
        assertThat(withdrawAll(RetryBudget.unlimited())).isEqualTo(10_000);
    }

    @Test
    void rejectsArgumentsOutOfRange() {
        assertThatThrownBy(() -> RetryBudget.of(-1, 10, Duration.ofSeconds(10)))
                .hasMessage("percent: -1.0 (expected: 0 to 1000)");
        assertThatThrownBy(() -> RetryBudget.of(20, -1, Duration.ofSeconds(10)))
                .hasMessage("minPerSecond: -1 (expected: >= 0)");
        assertThatThrownBy(() -> RetryBudget.of(20, 10, Duration.ofMillis(500)))
                .hasMessage("ttl: PT0.5S (expected: 1 s to 60 s)");
    }
}
