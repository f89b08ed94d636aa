package io.javakit.sd.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.RequestContext;
import io.javakit.endpoint.UnavailableException;
import io.javakit.sd.Endpointer;
import io.javakit.sd.FixedInstancer;
import io.javakit.sd.Instance;
import io.javakit.sd.InstanceCache;
import io.javakit.sd.InstanceEvent;
import io.javakit.sd.Instancer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BalancersTest {
    private final Endpointer<String, String> three =
            Endpointer.of(FixedInstancer.of("a:1", "b:2", "c:3"), instance -> (ctx, r) -> instance.address());

    /** An instancer the test moves by hand. */
    static final class ManualInstancer implements Instancer {
        private final InstanceCache cache = new InstanceCache();

        ManualInstancer(String... addresses) {
            set(addresses);
        }

        void set(String... addresses) {
            cache.update(InstanceEvent.of(Arrays.stream(addresses).map(Instance::parse).toList()));
        }

        @Override
        public AutoCloseable subscribe(Consumer<InstanceEvent> subscriber) {
            return cache.subscribe(subscriber);
        }

        @Override
        public void close() {}
    }

    /** A monotonic clock that moves only when a simulated call takes time. */
    static final class FakeClock {
        long nanos = 1_000_000_000L;

        long now() {
            return nanos;
        }

        void advanceMillis(long millis) {
            nanos += millis * 1_000_000;
        }
    }

    /** Instances that answer with their address after a simulated latency, in ms, per host. */
    private static Endpointer<String, String> timed(Instancer instancer, FakeClock clock, Map<String, Integer> latency) {
        return Endpointer.of(instancer, instance -> (ctx, r) -> {
            clock.advanceMillis(latency.get(instance.host()));
            return instance.address();
        });
    }

    private static Map<String, Long> spread(Balancer<String, String> balancer, int calls) {
        return IntStream.range(0, calls).mapToObj(i -> {
            try {
                return balancer.next().call(RequestContext.background(), "x");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    private static List<String> sequence(Balancer<String, String> balancer, int calls) {
        return IntStream.range(0, calls).mapToObj(i -> spread(balancer, 1).keySet().iterator().next()).toList();
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
        assertThatThrownBy(() -> Balancers.p2c(none).next()).isInstanceOf(NoEndpointsException.class);
        assertThatThrownBy(() -> Balancers.weightedRoundRobin(none, i -> 1).next())
                .isInstanceOf(NoEndpointsException.class);
    }

    @Test
    void p2cSendsMostTrafficAwayFromASlowInstance() {
        FakeClock clock = new FakeClock();
        Endpointer<String, String> endpointer =
                timed(new ManualInstancer("a:1", "b:2", "c:3"), clock, Map.of("a", 5, "b", 50, "c", 5));

        Map<String, Long> spread = spread(Balancers.p2c(endpointer, new Random(1), clock::now), 300);

        assertThat(spread.getOrDefault("b:2", 0L)).isLessThanOrEqualTo(15);
        assertThat(spread.get("a:1") + spread.get("c:3")).isGreaterThanOrEqualTo(285);
    }

    @Test
    void p2cSendsTrafficAwayFromAnInstanceWithManyRequestsInFlight() throws Exception {
        FakeClock clock = new FakeClock();
        CountDownLatch entered = new CountDownLatch(5);
        CountDownLatch release = new CountDownLatch(1);
        Endpointer<String, String> endpointer = Endpointer.of(FixedInstancer.of("a:1", "b:2", "c:3"), instance -> (ctx, r) -> {
            if (r.equals("hold")) {
                entered.countDown();
                release.await();
            }
            clock.advanceMillis(5);
            return instance.address();
        });
        Balancer<String, String> p2c = Balancers.p2c(endpointer, new Random(2), clock::now);
        spread(p2c, 30); // every instance answers in 5 ms: equal histories

        Endpoint<String, String> b = p2c.next();
        while (!((PeakEwmaBalancer.Node<String, String>) b).target.instance().host().equals("b")) {
            b = p2c.next();
        }
        Endpoint<String, String> held = b;
        List<Thread> holders = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            holders.add(Thread.ofVirtual().start(() -> {
                try {
                    held.call(RequestContext.background(), "hold");
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }));
        }
        entered.await();

        Map<String, Long> whileBusy = spread(p2c, 200);
        release.countDown();
        for (Thread holder : holders) {
            holder.join();
        }

        assertThat(whileBusy).containsOnlyKeys("a:1", "c:3");
    }

    @Test
    void p2cSendsTrafficAwayFromAnInstanceThatFailsFast() {
        FakeClock clock = new FakeClock();
        int[] calls = new int[1];
        Endpointer<String, String> endpointer = Endpointer.of(FixedInstancer.of("a:1", "b:2", "c:3"), instance -> (ctx, r) -> {
            if (instance.host().equals("b")) {
                calls[0]++;
                throw new UnavailableException("b down");
            }
            clock.advanceMillis(5);
            return instance.address();
        });
        Balancer<String, String> p2c = Balancers.p2c(endpointer, new Random(3), clock::now);

        for (int i = 0; i < 300; i++) {
            try {
                p2c.next().call(RequestContext.background(), "x");
            } catch (Exception expected) {
                assertThat(expected).isInstanceOf(UnavailableException.class);
            }
        }

        assertThat(calls[0]).isLessThanOrEqualTo(15);
    }

    @Test
    void p2cForgetsInstancesThatLeaveAndTriesNewOnes() {
        FakeClock clock = new FakeClock();
        ManualInstancer instancer = new ManualInstancer("a:1", "b:2", "c:3");
        Balancer<String, String> p2c = Balancers.p2c(
                timed(instancer, clock, Map.of("a", 5, "b", 50, "c", 5)), new Random(4), clock::now);
        assertThat(spread(p2c, 100).getOrDefault("b:2", 0L)).isLessThanOrEqualTo(5);

        instancer.set("a:1", "c:3");
        assertThat(spread(p2c, 10)).containsOnlyKeys("a:1", "c:3");

        // Back as a new instance, b has no history: it is tried at once instead of paying for its past.
        instancer.set("a:1", "b:2", "c:3");
        assertThat(sequence(p2c, 3)).contains("b:2");
    }

    @Test
    void p2cKeepsNoStateForInstancesThatLeft() {
        ManualInstancer instancer = new ManualInstancer("a:1", "b:2", "c:3");
        Endpointer<String, String> endpointer = Endpointer.of(instancer, i -> (ctx, r) -> r);
        PeakEwmaBalancer<String, String> p2c = (PeakEwmaBalancer<String, String>) Balancers.p2c(endpointer);
        PeakEwmaBalancer.Node<String, String> c = p2c.current().nodes()[2];

        instancer.set("c:3", "d:4");

        assertThat(p2c.current().nodes()).extracting(node -> node.target.instance().address())
                .containsExactly("c:3", "d:4");
        assertThat(p2c.current().nodes()[0]).as("the survivor keeps its state").isSameAs(c);
    }

    @Test
    void p2cWithOneInstanceAlwaysPicksIt() {
        Endpointer<String, String> one = Endpointer.of(FixedInstancer.of("a:1"), i -> (ctx, r) -> i.address());
        assertThat(spread(Balancers.p2c(one), 5)).containsExactly(Map.entry("a:1", 5L));
    }

    @Test
    void weightedRoundRobinSpreadsCallsExactlyByWeight() {
        Map<String, Integer> weights = Map.of("a", 1, "b", 2, "c", 3);

        assertThat(spread(Balancers.weightedRoundRobin(three, i -> weights.get(i.host())), 60))
                .containsExactlyInAnyOrderEntriesOf(Map.of("a:1", 10L, "b:2", 20L, "c:3", 30L));
    }

    @Test
    void weightedRoundRobinInterleavesAHeavyInstanceWithLightOnes() {
        Map<String, Integer> weights = Map.of("a", 5, "b", 1, "c", 1);

        assertThat(sequence(Balancers.weightedRoundRobin(three, i -> weights.get(i.host())), 7))
                .containsExactly("a:1", "a:1", "b:2", "a:1", "c:3", "a:1", "a:1");
    }

    @Test
    void weightedRoundRobinFollowsTheSetAndSkipsZeroWeights() {
        ManualInstancer instancer = new ManualInstancer("a:1", "b:2", "c:3");
        Map<String, Integer> weights = Map.of("a", 1, "b", 2, "c", 3, "d", 0);
        Balancer<String, String> wrr = Balancers.weightedRoundRobin(
                Endpointer.of(instancer, i -> (ctx, r) -> i.address()), i -> weights.get(i.host()));
        spread(wrr, 7);

        instancer.set("a:1", "b:2", "d:4");

        assertThat(spread(wrr, 30)).containsExactlyInAnyOrderEntriesOf(Map.of("a:1", 10L, "b:2", 20L));
    }

    @Test
    void weightedRoundRobinWithEveryWeightZeroIsNoEndpoints() {
        assertThatThrownBy(() -> Balancers.weightedRoundRobin(three, i -> 0).next())
                .isInstanceOf(NoEndpointsException.class).hasMessage("no instance has a positive weight");
    }

    @Test
    void weightedRoundRobinRejectsANegativeWeight() {
        assertThatThrownBy(() -> Balancers.weightedRoundRobin(three, i -> i.host().equals("b") ? -1 : 1).next())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("weight of b:2: -1 (expected: >= 0)");
    }

    @Test
    void balancersDescribeThemselves() {
        assertThat(Balancers.p2c(three)).hasToString("p2c");
        assertThat(Balancers.weightedRoundRobin(three, i -> 1)).hasToString("weighted-round-robin");
    }
}
