package io.javakit.sd.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javakit.endpoint.RequestContext;
import io.javakit.sd.Endpointer;
import io.javakit.sd.FixedInstancer;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BalancersTest {
    private final Endpointer<String, String> three =
            Endpointer.of(FixedInstancer.of("a:1", "b:2", "c:3"), instance -> (ctx, r) -> instance.address());

    private Map<String, Long> spread(Balancer<String, String> balancer, int calls) {
        return IntStream.range(0, calls).mapToObj(i -> {
            try {
                return balancer.next().call(RequestContext.background(), "x");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    @Test
    void roundRobinSpreadsCallsExactlyEvenly() {
        assertThat(spread(Balancers.roundRobin(three), 30)).containsExactlyInAnyOrderEntriesOf(
                Map.of("a:1", 10L, "b:2", 10L, "c:3", 10L));
    }

    @Test
    void randomReachesEveryInstance() {
        assertThat(spread(Balancers.random(three), 300)).containsOnlyKeys("a:1", "b:2", "c:3");
    }

    @Test
    void anEmptySetIsNoEndpoints() {
        Endpointer<String, String> none = Endpointer.of(new FixedInstancer(List.of()), i -> (ctx, r) -> r);
        assertThatThrownBy(() -> Balancers.roundRobin(none).next()).isInstanceOf(NoEndpointsException.class);
        assertThatThrownBy(() -> Balancers.random(none).next()).isInstanceOf(NoEndpointsException.class);
    }
}
