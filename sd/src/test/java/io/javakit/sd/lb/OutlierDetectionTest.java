package io.javakit.sd.lb;

import static org.assertj.core.api.Assertions.assertThat;

import io.javakit.endpoint.BadRequestException;
import io.javakit.endpoint.NotFoundException;
import io.javakit.endpoint.RateLimitedException;
import io.javakit.endpoint.RequestContext;
import io.javakit.endpoint.UnavailableException;
import io.javakit.sd.Endpointer;
import io.javakit.sd.Endpointer.InstanceEndpoint;
import io.javakit.sd.Instance;
import io.javakit.sd.lb.BalancersTest.ManualInstancer;
import io.javakit.sd.lb.OutlierDetection.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class OutlierDetectionTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    /** What each host throws, if anything; the others answer with their address. */
    private final Map<String, Exception> failures = new ConcurrentHashMap<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final OutlierDetection.Listener listener = new OutlierDetection.Listener() {
        @Override
        public void ejected(Instance instance, Reason reason, Duration duration) {
            events.add("ejected " + instance + " " + reason + " " + duration);
        }

        @Override
        public void readmitted(Instance instance) {
            events.add("readmitted " + instance);
        }
    };

    private OutlierDetection.Builder detection() {
        return OutlierDetection.builder().nanoClock(clock::get).listener(listener);
    }

    private EjectingEndpointer<String, String> ejecting(OutlierDetection detection, ManualInstancer instancer) {
        return detection.wrap(Endpointer.of(instancer, instance -> (ctx, r) -> {
            Exception failure = failures.get(instance.host());
            if (failure != null) {
                throw failure;
            }
            return instance.address();
        }));
    }

    private static void call(EjectingEndpointer<String, String> endpointer, String address, int times) {
        InstanceEndpoint<String, String> target = endpointer.endpoints().stream()
                .filter(e -> e.instance().address().equals(address)).findFirst()
                .orElseThrow(() -> new AssertionError(address + " is not served"));
        for (int i = 0; i < times; i++) {
            try {
                target.endpoint().call(RequestContext.background(), "x");
            } catch (Exception expected) {
                // the outcome is what is being recorded
            }
        }
    }

    private static List<String> served(EjectingEndpointer<String, String> endpointer) {
        return endpointer.endpoints().stream().map(e -> e.instance().address()).toList();
    }

    private void advance(Duration duration) {
        clock.addAndGet(duration.toNanos());
    }

    @Test
    void anInstanceFailingFiveTimesInARowIsEjected() {
        EjectingEndpointer<String, String> endpointer = ejecting(detection().build(), new ManualInstancer("a:1", "b:2", "c:3"));
        failures.put("b", new UnavailableException("down"));

        call(endpointer, "b:2", 4);
        assertThat(served(endpointer)).containsExactly("a:1", "b:2", "c:3");

        call(endpointer, "b:2", 1);
        assertThat(served(endpointer)).containsExactly("a:1", "c:3");
        assertThat(endpointer.ejected()).containsExactly(Instance.parse("b:2"));
        assertThat(endpointer.ejections()).isEqualTo(1);
        assertThat(events).containsExactly("ejected b:2 CONSECUTIVE_FAILURES PT5S");
    }

    @Test
    void anAnswerBreaksARunOfFailures() {
        EjectingEndpointer<String, String> endpointer = ejecting(detection().build(), new ManualInstancer("a:1", "b:2"));
        failures.put("b", new UnavailableException("down"));
        call(endpointer, "b:2", 4);

        failures.put("b", new NotFoundException("no such user"));
        call(endpointer, "b:2", 1);
        failures.put("b", new UnavailableException("down"));
        call(endpointer, "b:2", 4);

        assertThat(endpointer.ejected()).isEmpty();
    }

    @Test
    void notFoundsBadRequestsAndRateLimitsAreNotFailures() {
        EjectingEndpointer<String, String> endpointer = ejecting(detection().build(), new ManualInstancer("a:1", "b:2"));

        for (Exception answer : List.of(new NotFoundException("no"), new BadRequestException("bad"),
                new RateLimitedException("slow down"))) {
            failures.put("b", answer);
            call(endpointer, "b:2", 50);
        }

        assertThat(served(endpointer)).containsExactly("a:1", "b:2");
        assertThat(endpointer.ejections()).isZero();
    }

    @Test
    void aFailureRateAtTheThresholdEjectsAnInstanceThatNeverFailsFiveTimesInARow() {
        EjectingEndpointer<String, String> endpointer = ejecting(detection().build(), new ManualInstancer("a:1", "b:2"));

        for (int i = 0; i < 10; i++) { // fail, answer, fail, answer...: 10 of 20 failed, never two in a row
            failures.put("b", new UnavailableException("flaky"));
            call(endpointer, "b:2", 1);
            failures.remove("b");
            call(endpointer, "b:2", 1);
        }
        assertThat(endpointer.ejected()).as("the rate is judged on failures only").isEmpty();

        failures.put("b", new UnavailableException("flaky"));
        call(endpointer, "b:2", 1);

        assertThat(endpointer.ejected()).containsExactly(Instance.parse("b:2"));
        assertThat(events).containsExactly("ejected b:2 FAILURE_RATE PT5S");
    }

    @Test
    void failuresOlderThanTheWindowDoNotCountTowardsTheRate() {
        EjectingEndpointer<String, String> endpointer = ejecting(detection().build(), new ManualInstancer("a:1", "b:2"));
        for (int i = 0; i < 10; i++) { // 19 requests, 10 failed: below the 20 needed to judge
            failures.put("b", new UnavailableException("flaky"));
            call(endpointer, "b:2", 1);
            failures.remove("b");
            call(endpointer, "b:2", i < 9 ? 1 : 0);
        }

        advance(Duration.ofSeconds(11));
        failures.put("b", new UnavailableException("flaky"));
        call(endpointer, "b:2", 1);

        assertThat(endpointer.ejected()).isEmpty();
    }

    @Test
    void anEjectedInstanceIsReadmittedAfterTheBaseEjection() {
        EjectingEndpointer<String, String> endpointer = ejecting(detection().build(), new ManualInstancer("a:1", "b:2"));
        failures.put("b", new UnavailableException("down"));
        call(endpointer, "b:2", 5);

        advance(Duration.ofMillis(4999));
        assertThat(served(endpointer)).containsExactly("a:1");

        advance(Duration.ofMillis(1));
        assertThat(served(endpointer)).containsExactly("a:1", "b:2");
        assertThat(endpointer.ejected()).isEmpty();
        assertThat(events).containsExactly("ejected b:2 CONSECUTIVE_FAILURES PT5S", "readmitted b:2");
    }

    @Test
    void anInstanceFailingAgainSoonAfterItsReturnIsEjectedForLonger() {
        EjectingEndpointer<String, String> endpointer = ejecting(detection().build(), new ManualInstancer("a:1", "b:2"));
        failures.put("b", new UnavailableException("down"));
        call(endpointer, "b:2", 5);
        advance(Duration.ofSeconds(5));

        call(endpointer, "b:2", 5);
        advance(Duration.ofSeconds(5));
        assertThat(served(endpointer)).containsExactly("a:1");
        advance(Duration.ofSeconds(5));
        assertThat(served(endpointer)).containsExactly("a:1", "b:2");

        assertThat(events).containsExactly("ejected b:2 CONSECUTIVE_FAILURES PT5S", "readmitted b:2",
                "ejected b:2 CONSECUTIVE_FAILURES PT10S", "readmitted b:2");
    }

    @Test
    void ejectionsGrowNoLongerThanTheMaximum() {
        EjectingEndpointer<String, String> endpointer = ejecting(
                detection().maxEjection(Duration.ofSeconds(12)).build(), new ManualInstancer("a:1", "b:2"));
        failures.put("b", new UnavailableException("down"));

        for (int i = 0; i < 4; i++) {
            call(endpointer, "b:2", 5);
            advance(Duration.ofSeconds(60));
            served(endpointer);
        }

        assertThat(events).filteredOn(e -> e.startsWith("ejected")).containsExactly(
                "ejected b:2 CONSECUTIVE_FAILURES PT5S", "ejected b:2 CONSECUTIVE_FAILURES PT10S",
                "ejected b:2 CONSECUTIVE_FAILURES PT12S", "ejected b:2 CONSECUTIVE_FAILURES PT12S");
    }

    @Test
    void anInstanceThatStaysHealthyAfterItsReturnStartsOverFromTheBaseEjection() {
        EjectingEndpointer<String, String> endpointer = ejecting(detection().build(), new ManualInstancer("a:1", "b:2"));
        failures.put("b", new UnavailableException("down"));
        call(endpointer, "b:2", 5);
        advance(Duration.ofSeconds(5));
        served(endpointer);

        advance(Duration.ofSeconds(5)); // one base ejection spent admitted
        call(endpointer, "b:2", 5);

        assertThat(events).filteredOn(e -> e.startsWith("ejected")).containsExactly(
                "ejected b:2 CONSECUTIVE_FAILURES PT5S", "ejected b:2 CONSECUTIVE_FAILURES PT5S");
    }

    @Test
    void noMoreThanTheMaxPercentOfInstancesAreEjected() {
        EjectingEndpointer<String, String> endpointer =
                ejecting(detection().build(), new ManualInstancer("a:1", "b:2", "c:3", "d:4"));
        List.of("a", "b", "c", "d").forEach(host -> failures.put(host, new UnavailableException("down")));

        for (String address : List.of("a:1", "b:2", "c:3", "d:4")) {
            if (served(endpointer).contains(address)) {
                call(endpointer, address, 10);
            }
        }

        assertThat(endpointer.ejected()).hasSize(2);
        assertThat(served(endpointer)).hasSize(2);
    }

    @Test
    void theLastInstanceIsNeverEjected() {
        EjectingEndpointer<String, String> one = ejecting(detection().build(), new ManualInstancer("a:1"));
        EjectingEndpointer<String, String> two =
                ejecting(detection().maxEjectedPercent(100).build(), new ManualInstancer("a:1", "b:2"));
        failures.put("a", new UnavailableException("down"));
        failures.put("b", new UnavailableException("down"));

        call(one, "a:1", 100);
        call(two, "a:1", 100);
        call(two, "b:2", 100);

        assertThat(served(one)).containsExactly("a:1");
        assertThat(served(two)).hasSize(1);
    }

    @Test
    void zeroMaxEjectedPercentTurnsEjectionOff() {
        EjectingEndpointer<String, String> endpointer =
                ejecting(detection().maxEjectedPercent(0).build(), new ManualInstancer("a:1", "b:2", "c:3"));
        failures.put("b", new UnavailableException("down"));

        call(endpointer, "b:2", 100);

        assertThat(served(endpointer)).containsExactly("a:1", "b:2", "c:3");
    }

    @Test
    void whenTheSetShrinksToEjectedInstancesTheyAreServedRatherThanNothing() {
        ManualInstancer instancer = new ManualInstancer("a:1", "b:2");
        EjectingEndpointer<String, String> endpointer = ejecting(detection().build(), instancer);
        failures.put("b", new UnavailableException("down"));
        call(endpointer, "b:2", 5);

        instancer.set("b:2");

        assertThat(served(endpointer)).containsExactly("b:2");
    }

    @Test
    void anInstanceThatLeavesForgetsItsRecord() {
        ManualInstancer instancer = new ManualInstancer("a:1", "b:2");
        EjectingEndpointer<String, String> endpointer = ejecting(detection().build(), instancer);
        failures.put("b", new UnavailableException("down"));
        call(endpointer, "b:2", 5);

        instancer.set("a:1");
        instancer.set("a:1", "b:2");
        assertThat(served(endpointer)).containsExactly("a:1", "b:2");
        call(endpointer, "b:2", 4);
        assertThat(endpointer.ejected()).isEmpty();
        call(endpointer, "b:2", 1);

        assertThat(events).containsExactly("ejected b:2 CONSECUTIVE_FAILURES PT5S", "ejected b:2 CONSECUTIVE_FAILURES PT5S");
    }

    @Test
    void theListIsCachedAndItsEndpointsSurviveAnEjection() {
        EjectingEndpointer<String, String> endpointer =
                ejecting(detection().build(), new ManualInstancer("a:1", "b:2", "c:3"));
        List<InstanceEndpoint<String, String>> before = endpointer.endpoints();
        assertThat(endpointer.endpoints()).isSameAs(before);

        failures.put("b", new UnavailableException("down"));
        call(endpointer, "b:2", 5);

        List<InstanceEndpoint<String, String>> after = endpointer.endpoints();
        assertThat(after).containsExactly(before.get(0), before.get(2));
        assertThat(after.get(0).endpoint()).isSameAs(before.get(0).endpoint());
    }

    @Test
    void manyConcurrentCallersEjectAFailingInstanceOnceAndLoseNoOutcome() throws Exception {
        EjectingEndpointer<String, String> endpointer =
                ejecting(detection().build(), new ManualInstancer("a:1", "b:2", "c:3", "d:4"));
        failures.put("b", new UnavailableException("down"));
        Balancer<String, String> balancer = Balancers.roundRobin(endpointer);
        LongAdder answers = new LongAdder();
        LongAdder unavailable = new LongAdder();
        List<Throwable> unexpected = new CopyOnWriteArrayList<>();

        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < 200; t++) {
            callers.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 50; i++) {
                    try {
                        balancer.next().call(RequestContext.background(), "x");
                        answers.increment();
                    } catch (UnavailableException e) {
                        unavailable.increment();
                    } catch (Throwable e) {
                        unexpected.add(e);
                    }
                }
            }));
        }
        for (Thread caller : callers) {
            caller.join();
        }

        assertThat(unexpected).isEmpty();
        assertThat(answers.sum() + unavailable.sum()).isEqualTo(200 * 50);
        assertThat(endpointer.ejected()).containsExactly(Instance.parse("b:2"));
        assertThat(endpointer.ejections()).isEqualTo(1);
        assertThat(unavailable.sum()).as("calls to b picked before its ejection").isLessThan(200 * 50 / 4);
    }
}
