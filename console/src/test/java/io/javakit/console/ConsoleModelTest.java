package io.javakit.console;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javakit.console.ConsoleModel.InstanceView;
import org.junit.jupiter.api.Test;

class ConsoleModelTest {

    @Test
    void anInstanceViewRejectsStatesThePageCannotShow() {
        assertThatThrownBy(() -> new InstanceView("a:1", "sideways", "closed", 0, 0, 0, 0))
                .hasMessage("health: sideways (expected: up, down or unknown)");
        assertThatThrownBy(() -> new InstanceView("a:1", "up", "HALF_OPEN", 0, 0, 0, 0))
                .hasMessage("breaker: HALF_OPEN (expected: closed, open or half_open)");
    }

    @Test
    void anInstanceViewRejectsNumbersThatAreNotJson() {
        assertThatThrownBy(() -> new InstanceView("a:1", "up", "closed", Double.NaN, 0, 0, 0))
                .hasMessage("requestsPerSecond: NaN (expected: finite, >= 0)");
        assertThatThrownBy(() -> new InstanceView("a:1", "up", "closed", 0, Double.POSITIVE_INFINITY, 0, 0))
                .hasMessage("p99Millis: Infinity (expected: finite, >= 0)");
        assertThatThrownBy(() -> new InstanceView("a:1", "up", "closed", 0, 0, -1, 0))
                .hasMessage("requests: -1 (expected: >= 0)");
    }
}
