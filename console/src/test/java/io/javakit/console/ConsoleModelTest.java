package io.javakit.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javakit.console.ConsoleModel.InstanceView;
import io.javakit.console.ConsoleModel.Service;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleModelTest {

    private static InstanceView instance(List<Double> rates, List<Double> p99s) {
        return new InstanceView("a:1", "up", "closed", 0, 0, 0, 0, rates, p99s);
    }

    @Test
    void anInstanceViewRejectsStatesThePageCannotShow() {
        assertThatThrownBy(() -> new InstanceView("a:1", "sideways", "closed", 0, 0, 0, 0, List.of(), List.of()))
                .hasMessage("health: sideways (expected: up, down or unknown)");
        assertThatThrownBy(() -> new InstanceView("a:1", "up", "HALF_OPEN", 0, 0, 0, 0, List.of(), List.of()))
                .hasMessage("breaker: HALF_OPEN (expected: closed, open or half_open)");
    }

    @Test
    void anInstanceViewRejectsNumbersThatAreNotJson() {
        assertThatThrownBy(() -> new InstanceView("a:1", "up", "closed", Double.NaN, 0, 0, 0, List.of(), List.of()))
                .hasMessage("requestsPerSecond: NaN (expected: finite, >= 0)");
        assertThatThrownBy(() -> new InstanceView("a:1", "up", "closed", 0, Double.POSITIVE_INFINITY, 0, 0, List.of(), List.of()))
                .hasMessage("p99Millis: Infinity (expected: finite, >= 0)");
        assertThatThrownBy(() -> new InstanceView("a:1", "up", "closed", 0, 0, -1, 0, List.of(), List.of()))
                .hasMessage("requests: -1 (expected: >= 0)");
    }

    @Test
    void aLastMinuteHoldsAtMostOnePointASecond() {
        List<Double> minute = Collections.nCopies(60, 1.0);
        assertThat(instance(minute, minute).requestsPerSecondLastMinute()).hasSize(60);

        List<Double> tooLong = Collections.nCopies(61, 1.0);
        assertThatThrownBy(() -> instance(tooLong, List.of()))
                .hasMessage("requestsPerSecondLastMinute: 61 points (expected: at most 60, one a second)");
        assertThatThrownBy(() -> instance(List.of(), tooLong))
                .hasMessage("p99MillisLastMinute: 61 points (expected: at most 60, one a second)");
    }

    @Test
    void aLastMinuteRejectsPointsThatAreNotFiniteAndNonNegative() {
        assertThatThrownBy(() -> instance(List.of(1.0, -0.5), List.of()))
                .hasMessage("requestsPerSecondLastMinute[1]: -0.5 (expected: finite, >= 0)");
        assertThatThrownBy(() -> instance(List.of(), List.of(2.0, 3.0, Double.NaN)))
                .hasMessage("p99MillisLastMinute[2]: NaN (expected: finite, >= 0)");
        assertThatThrownBy(() -> instance(List.of(Double.POSITIVE_INFINITY), List.of()))
                .hasMessage("requestsPerSecondLastMinute[0]: Infinity (expected: finite, >= 0)");
        assertThatThrownBy(() -> instance(Arrays.asList(1.0, null), List.of()))
                .hasMessage("requestsPerSecondLastMinute[1]: null (expected: finite, >= 0)");
        assertThatThrownBy(() -> instance(null, List.of()))
                .isInstanceOf(NullPointerException.class).hasMessage("requestsPerSecondLastMinute");
    }

    @Test
    void aLastMinuteIsACopyTheModelCannotChangeLater() {
        List<Double> rates = new ArrayList<>(List.of(1.0, 2.0));
        InstanceView view = instance(rates, List.of());
        rates.add(3.0);

        assertThat(view.requestsPerSecondLastMinute()).containsExactly(1.0, 2.0);
        assertThatThrownBy(() -> view.requestsPerSecondLastMinute().add(4.0)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aServiceNamesItsBalancerAndRetryPolicy() {
        Service service = new Service("users", "p2c", "3 attempts within 1 s", List.of());
        assertThat(service.balancer()).isEqualTo("p2c");
        assertThat(service.retry()).isEqualTo("3 attempts within 1 s");

        assertThatThrownBy(() -> new Service("users", null, "none", List.of()))
                .isInstanceOf(NullPointerException.class).hasMessage("balancer");
        assertThatThrownBy(() -> new Service("users", " ", "none", List.of()))
                .hasMessage("balancer: \" \" (expected: not blank)");
        assertThatThrownBy(() -> new Service("users", "p2c", null, List.of()))
                .isInstanceOf(NullPointerException.class).hasMessage("retry");
        assertThatThrownBy(() -> new Service("users", "p2c", "", List.of()))
                .hasMessage("retry: \"\" (expected: not blank)");
    }
}
