package io.javakit.sd.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.NotSentException;
import io.javakit.endpoint.OverloadedException;
import io.javakit.endpoint.RequestContext;
import io.javakit.endpoint.UnavailableException;
import io.javakit.sd.Endpointer;
import io.javakit.sd.FixedInstancer;
import io.javakit.sd.Instance;
import io.javakit.sd.InstanceCache;
import io.javakit.sd.InstanceEvent;
import io.javakit.sd.Instancer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
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
    void p2cSendsAnInstanceTenTimesSlowerAboutATenthOfWhatItsPartnersGet() {
        FakeClock clock = new FakeClock();
        Endpointer<String, String> endpointer =
                timed(new ManualInstancer("a:1", "b:2", "c:3"), clock, Map.of("a", 5, "b", 50, "c", 5));

        Map<String, Long> spread = spread(Balancers.p2c(endpointer, new Random(1), clock::now), 600);

        // b wins 5 / 55 of the comparisons it is in, 2 of 3: 6 % of the calls, where an even share is 33 %.
        assertThat(spread.get("b:2")).isBetween(12L, 60L);
        assertThat(spread.get("a:1") + spread.get("c:3")).isGreaterThanOrEqualTo(540);
    }

    @Test
    void p2cSendsAnInstance200MsSlowerWellUnderFivePercent() {
        FakeClock clock = new FakeClock();
        Endpointer<String, String> endpointer =
                timed(new ManualInstancer("a:1", "b:2", "c:3"), clock, Map.of("a", 5, "b", 205, "c", 5));

        Map<String, Long> spread = spread(Balancers.p2c(endpointer, new Random(1), clock::now), 600);

        assertThat(spread.getOrDefault("b:2", 0L)).as("of 600 calls").isLessThanOrEqualTo(15);
    }

    @Test
    void p2cSequentialCallsReachEveryInstanceEvenWhenOneAnsweredSlowlyAtFirst() {
        FakeClock clock = new FakeClock();
        AtomicInteger bCalls = new AtomicInteger();
        Endpointer<String, String> endpointer = Endpointer.of(FixedInstancer.of("a:1", "b:2", "c:3"), instance -> (ctx, r) -> {
            // b is cold: its first answer takes ten times as long as every later one.
            boolean cold = instance.host().equals("b") && bCalls.getAndIncrement() == 0;
            clock.advanceMillis(cold ? 50 : 5);
            return instance.address();
        });
        Balancer<String, String> p2c = Balancers.p2c(endpointer, new Random(5), clock::now);
        while (bCalls.get() == 0) {
            spread(p2c, 1);
        }

        // Strict P2C would send b nothing more until its 50 ms estimate decayed below 5 ms, 23 s later.
        spread(p2c, 60);

        assertThat(bCalls.get() - 1).as("b's calls after its cold one, of 60").isGreaterThanOrEqualTo(2);
    }

    @Test
    void p2cSendsFarLessTrafficToAnInstanceWithManyRequestsInFlight() throws Exception {
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

        // With 5 in flight b costs 6 times as much: it wins 1 / 7 of its comparisons, a and c about 2 / 3.
        long busy = whileBusy.getOrDefault("b:2", 0L);
        assertThat(busy * 3).isLessThan(whileBusy.get("a:1")).isLessThan(whileBusy.get("c:3"));
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
    void p2cTakesAnInstanceBackAtItsShareOnceItAnswersAgainAfterFailing() {
        // a fixed list's instance restarting: down for a while (its first failure costs the penalty), then fine again
        FakeClock clock = new FakeClock();
        boolean[] down = {true};
        int[] picks = new int[1];
        Endpointer<String, String> endpointer = Endpointer.of(FixedInstancer.of("a:1", "b:2", "c:3"), instance -> (ctx, r) -> {
            clock.advanceMillis(5);
            if (instance.host().equals("b")) {
                picks[0]++;
                if (down[0]) {
                    throw new UnavailableException("b down");
                }
            }
            return instance.address();
        });
        Balancer<String, String> p2c = Balancers.p2c(endpointer, new Random(5), clock::now);
        for (int i = 0; i < 200; i++) {
            try {
                p2c.next().call(RequestContext.background(), "x");
            } catch (Exception expected) {
                assertThat(expected).isInstanceOf(UnavailableException.class);
            }
        }
        down[0] = false;
        clock.advanceMillis(2_000);
        Map<String, Long> after = spread(p2c, 3000);
        assertThat(after.getOrDefault("b:2", 0L)).as("back near its share within 3000 calls of its return").isGreaterThan(600);
    }

    @Test
    void p2cForgetsInstancesThatLeaveAndTriesNewOnes() {
        FakeClock clock = new FakeClock();
        ManualInstancer instancer = new ManualInstancer("a:1", "b:2", "c:3");
        Balancer<String, String> p2c = Balancers.p2c(
                timed(instancer, clock, Map.of("a", 5, "b", 50, "c", 5)), new Random(4), clock::now);
        assertThat(spread(p2c, 100).getOrDefault("b:2", 0L)).isLessThanOrEqualTo(12);

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
    void p2cLearnsNothingFromACallTheCallersGuardRefused() throws Exception {
        FakeClock clock = new FakeClock();
        AtomicBoolean refusing = new AtomicBoolean();
        CountDownLatch inGuard = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        Endpointer<String, String> endpointer = Endpointer.of(FixedInstancer.of("a:1", "b:2"), instance -> (ctx, r) -> {
            if (r.equals("hold")) {
                inGuard.countDown();
                letGo.await();
            }
            if (refusing.get()) {
                throw new OverloadedException("bound full");
            }
            clock.advanceMillis(5);
            return instance.address();
        });
        PeakEwmaBalancer<String, String> p2c =
                (PeakEwmaBalancer<String, String>) Balancers.p2c(endpointer, new Random(6), clock::now);
        spread(p2c, 20);
        PeakEwmaBalancer.Node<String, String> a = p2c.current().nodes()[0];
        double before = a.load(clock.now());

        refusing.set(true);
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> a.call(RequestContext.background(), "x")).isInstanceOf(NotSentException.class);
        }
        assertThat(a.load(clock.now())).as("costly while its guard refuses").isGreaterThanOrEqualTo(Balancers.DEFAULT_FAILURE_PENALTY.toNanos());
        clock.nanos += PeakEwmaBalancer.REFUSAL_HOLD_NANOS + 1;
        assertThat(a.load(clock.now())).as("then no penalty, no sample: the estimate as before, a moment older")
                .isCloseTo(before, org.assertj.core.data.Percentage.withPercentage(2));
        before = a.load(clock.now());

        AtomicReference<Throwable> heldOutcome = new AtomicReference<>();
        Thread held = Thread.ofVirtual().start(() -> {
            try {
                heldOutcome.set(new AssertionError("answered: " + a.call(RequestContext.background(), "hold")));
            } catch (Throwable t) {
                heldOutcome.set(t);
            }
        });
        inGuard.await();
        assertThat(a.load(clock.now())).as("counted while in flight").isEqualTo(2 * before);
        letGo.countDown();
        held.join();
        assertThat(heldOutcome.get()).isInstanceOf(NotSentException.class);
        clock.nanos += PeakEwmaBalancer.REFUSAL_HOLD_NANOS + 1;
        assertThat(a.load(clock.now())).isCloseTo(before, org.assertj.core.data.Percentage.withPercentage(2));
    }

    @Test
    void p2cKeepsSendingAnInstanceItsShareAfterItsGuardRefusedCalls() {
        FakeClock clock = new FakeClock();
        AtomicBoolean bRefuses = new AtomicBoolean();
        Endpointer<String, String> endpointer = Endpointer.of(FixedInstancer.of("a:1", "b:2", "c:3"), instance -> (ctx, r) -> {
            if (instance.host().equals("b") && bRefuses.get()) {
                throw new NotSentException("circuit open");
            }
            clock.advanceMillis(5);
            return instance.address();
        });
        Balancer<String, String> p2c = Balancers.p2c(endpointer, new Random(7), clock::now);
        spread(p2c, 30);

        bRefuses.set(true);
        for (int i = 0; i < 100; i++) {
            try {
                p2c.next().call(RequestContext.background(), "x");
            } catch (NotSentException expected) {
                // b's breaker is open
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        bRefuses.set(false);

        // Had the refusals counted as failures, b would carry a 10 s estimate and get next to nothing for a minute.
        assertThat(spread(p2c, 90).get("b:2")).isBetween(20L, 40L);
    }

    @Test
    void p2cRampsANewInstanceUpOverTheSlowStartThenGivesItItsShare() {
        FakeClock clock = new FakeClock();
        ManualInstancer instancer = new ManualInstancer("a:1", "b:2");
        Balancer<String, String> p2c = Balancers.p2c(
                timed(instancer, clock, Map.of("a", 5, "b", 5, "c", 5)), new Random(8), clock::now);
        spread(p2c, 20);
        clock.advanceMillis(Balancers.DEFAULT_SLOW_START.toMillis()); // a and b are past their slow start

        instancer.set("a:1", "b:2", "c:3");
        Map<String, Long> firstSecond = spread(p2c, 200); // 5 ms each: the first second of c's window

        assertThat(firstSecond.get("c:3")).as("some at once, but far fewer than a share")
                .isPositive().isLessThan(firstSecond.get("a:1") / 3).isLessThan(firstSecond.get("b:2") / 3);

        clock.advanceMillis(Balancers.DEFAULT_SLOW_START.toMillis());
        assertThat(spread(p2c, 300).get("c:3")).as("a third of 300").isBetween(80L, 120L);
    }

    @Test
    void p2cWithoutSlowStartGivesANewInstanceItsShareAtOnce() {
        FakeClock clock = new FakeClock();
        ManualInstancer instancer = new ManualInstancer("a:1", "b:2");
        Balancer<String, String> p2c = Balancers.p2cBuilder(timed(instancer, clock, Map.of("a", 5, "b", 5, "c", 5)))
                .noSlowStart().random(new Random(8)).nanoClock(clock::now).build();
        spread(p2c, 20);
        clock.advanceMillis(Balancers.DEFAULT_SLOW_START.toMillis());

        instancer.set("a:1", "b:2", "c:3");

        assertThat(spread(p2c, 200).get("c:3")).as("a third of 200").isBetween(50L, 85L);
    }

    @Test
    void p2cBuilderRejectsAnEmptySlowStart() {
        assertThatThrownBy(() -> Balancers.p2cBuilder(three).slowStart(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("window: PT0S (expected: > 0)");
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
