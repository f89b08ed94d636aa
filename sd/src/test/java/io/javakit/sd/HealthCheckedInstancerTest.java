package io.javakit.sd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.javakit.sd.EndpointerTest.ManualInstancer;
import io.javakit.sd.HealthCheckedInstancer.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HealthCheckedInstancerTest {
    private final ManualInstancer instancer = new ManualInstancer();
    /** Hosts whose probe passes; the others fail. */
    private final Set<String> up = ConcurrentHashMap.newKeySet();
    /** Hosts whose probe hangs until interrupted. */
    private final Set<String> hung = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> probes = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> failedProbes = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> passedProbes = new ConcurrentHashMap<>();
    private final AtomicInteger interrupted = new AtomicInteger();
    private final AtomicReference<InstanceEvent> last = new AtomicReference<>();
    private HealthCheckedInstancer checked;

    private final HealthProbe probe = instance -> {
        String host = instance.host();
        probes.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
        if (hung.contains(host)) {
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                throw e;
            }
        }
        if (!up.contains(host)) {
            failedProbes.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
            return false;
        }
        passedProbes.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
        return true;
    };

    private HealthCheckedInstancer.Builder checking() {
        return HealthCheckedInstancer.builder(instancer, probe).interval(Duration.ofMillis(10)).timeout(Duration.ofMillis(200));
    }

    private void start(HealthCheckedInstancer.Builder builder) {
        checked = builder.build();
        checked.subscribe(last::set);
    }

    private List<String> published() {
        return last.get().instances().stream().map(Instance::address).toList();
    }

    private int probesOf(String host) {
        return probes.getOrDefault(host, new AtomicInteger()).get();
    }

    @AfterEach
    void close() {
        if (checked != null) {
            checked.close();
        }
    }

    @Test
    void beforeAnyProbeAnswersEveryInstanceIsPublished() {
        hung.addAll(List.of("a", "b"));
        instancer.set("a:1", "b:2");

        start(checking().timeout(Duration.ofSeconds(10)));

        assertThat(published()).containsExactly("a:1", "b:2");
        assertThat(checked.statuses()).containsOnly(
                Map.entry(Instance.parse("a:1"), Status.PENDING), Map.entry(Instance.parse("b:2"), Status.PENDING));
    }

    @Test
    void aNewInstanceJoinsOnlyAfterItsFirstPassedProbe() {
        up.add("a");
        instancer.set("a:1");
        start(checking());
        await().untilAsserted(() -> assertThat(checked.statuses()).containsEntry(Instance.parse("a:1"), Status.HEALTHY));

        instancer.set("a:1", "c:3");
        await().until(() -> probesOf("c") >= 3);
        assertThat(published()).containsExactly("a:1");

        up.add("c");
        await().untilAsserted(() -> assertThat(published()).containsExactly("a:1", "c:3"));
    }

    @Test
    void anInstanceFailingTwoProbesInARowIsTakenOut() {
        up.addAll(List.of("a", "b"));
        instancer.set("a:1", "b:2");
        start(checking());
        await().untilAsserted(() -> assertThat(checked.statuses()).containsOnlyKeys(Instance.parse("a:1"), Instance.parse("b:2"))
                .allSatisfy((instance, status) -> assertThat(status).isEqualTo(Status.HEALTHY)));

        up.remove("b");

        await().untilAsserted(() -> assertThat(published()).containsExactly("a:1"));
        assertThat(failedProbes.get("b").get()).isGreaterThanOrEqualTo(HealthCheckedInstancer.DEFAULT_UNHEALTHY_THRESHOLD);
        assertThat(checked.statuses()).containsEntry(Instance.parse("b:2"), Status.UNHEALTHY);
    }

    @Test
    void anUnhealthyInstancePassingTwoProbesInARowIsPutBack() {
        up.add("a");
        instancer.set("a:1", "b:2");
        start(checking());
        await().untilAsserted(() -> assertThat(checked.statuses()).containsEntry(Instance.parse("b:2"), Status.UNHEALTHY));
        assertThat(published()).containsExactly("a:1");

        up.add("b");

        await().untilAsserted(() -> assertThat(published()).containsExactly("a:1", "b:2"));
        assertThat(passedProbes.get("b").get()).isGreaterThanOrEqualTo(HealthCheckedInstancer.DEFAULT_HEALTHY_THRESHOLD);
    }

    @Test
    void aProbeThatHangsIsInterruptedAtTheTimeoutAndCountsAsFailed() {
        up.addAll(List.of("a", "b"));
        hung.add("b");
        instancer.set("a:1", "b:2");

        start(checking().timeout(Duration.ofMillis(50)));

        await().untilAsserted(() -> assertThat(checked.statuses()).containsEntry(Instance.parse("b:2"), Status.UNHEALTHY));
        assertThat(published()).containsExactly("a:1");
        await().until(() -> interrupted.get() >= HealthCheckedInstancer.DEFAULT_UNHEALTHY_THRESHOLD);
    }

    @Test
    void whenEveryInstanceFailsItsProbesAllArePublished() {
        instancer.set("a:1", "b:2");

        start(checking());

        await().untilAsserted(() -> assertThat(checked.statuses()).containsOnly(
                Map.entry(Instance.parse("a:1"), Status.UNHEALTHY), Map.entry(Instance.parse("b:2"), Status.UNHEALTHY)));
        assertThat(published()).containsExactly("a:1", "b:2");
    }

    @Test
    void instancerErrorsPassThroughAndAnEndpointerKeepsItsLastSet() {
        up.add("a");
        instancer.set("a:1");
        start(checking());
        Endpointer<String, String> endpointer = Endpointer.of(checked, instance -> (ctx, r) -> r);
        await().untilAsserted(() -> assertThat(checked.statuses()).containsEntry(Instance.parse("a:1"), Status.HEALTHY));

        instancer.cache.update(InstanceEvent.failed(new IllegalStateException("registry down")));

        assertThat(last.get().error()).hasMessage("registry down");
        assertThat(endpointer.endpoints()).extracting(e -> e.instance().address()).containsExactly("a:1");
    }

    @Test
    void instancesThatLeaveAreNoLongerProbed() {
        up.addAll(List.of("a", "b"));
        instancer.set("a:1", "b:2");
        start(checking());
        await().until(() -> probesOf("b") >= 1);

        instancer.set("a:1");

        assertThat(published()).containsExactly("a:1");
        assertThat(checked.statuses()).containsOnlyKeys(Instance.parse("a:1"));
        int probesOfB = probesOf("b");
        int probesOfA = probesOf("a");
        await().until(() -> probesOf("a") >= probesOfA + 5);
        // Probes already on their way when b left may still run: one under way, and one from a round just begun.
        assertThat(probesOf("b")).isLessThanOrEqualTo(probesOfB + 2);
    }

    @Test
    void closeStopsProbing() {
        up.add("a");
        instancer.set("a:1");
        start(checking());
        await().until(() -> probesOf("a") >= 3);

        checked.close();

        int afterClose = probesOf("a");
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2))
                .untilAsserted(() -> assertThat(probesOf("a")).isEqualTo(afterClose));
    }
}
