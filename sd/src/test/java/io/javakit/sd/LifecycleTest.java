package io.javakit.sd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class LifecycleTest {
    private final List<String> events = new CopyOnWriteArrayList<>();
    private volatile Lifecycle life;

    private final Registrar registrar = new Registrar() {
        @Override
        public void register() {
            events.add("register");
        }

        @Override
        public void deregister() {
            events.add("deregister, ready=" + life.isReady());
        }
    };

    @Test
    void registersOnStartThenLeavesInOrderServingThroughTheGrace() {
        life = Lifecycle.builder().registrar(registrar).grace(Duration.ofMillis(200)).build();
        assertThat(life.isReady()).isFalse();
        long[] closedAt = new long[1];
        life.started(() -> {
            closedAt[0] = System.nanoTime();
            events.add("server closed");
        }, () -> events.add("upstreams closed"));
        assertThat(events).containsExactly("register");
        assertThat(life.isReady()).isTrue();

        long closing = System.nanoTime();
        life.close();
        assertThat(events).containsExactly("register", "deregister, ready=false", "server closed", "upstreams closed");
        assertThat(Duration.ofNanos(closedAt[0] - closing)).as("served on through the grace").isGreaterThanOrEqualTo(Duration.ofMillis(200));
        life.close();
        assertThat(events).as("closing twice closes once").hasSize(4);
    }

    @Test
    void aResourceThatFailsToCloseDoesNotKeepTheRestOpen() {
        life = Lifecycle.builder().grace(Duration.ZERO).build().started(() -> {
            throw new IllegalStateException("boom");
        }, () -> events.add("second closed"));
        life.close();
        assertThat(events).containsExactly("second closed");
    }

    @Test
    void refusesANegativeGraceAndAStartAfterClose() {
        assertThatThrownBy(() -> Lifecycle.builder().grace(Duration.ofSeconds(-1))).hasMessage("grace: PT-1S (expected: >= 0)");
        Lifecycle closed = Lifecycle.builder().build();
        closed.close();
        assertThatThrownBy(closed::started).hasMessage("started after close");
    }
}
