package io.javakit.sd.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.javakit.sd.Instance;
import io.javakit.sd.InstanceEvent;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link ConsulInstancer} against the {@link ConsulStandIn} (not a real agent). */
class ConsulInstancerStandInTest {
    private static final Duration WITHIN_A_SECOND = Duration.ofSeconds(1);

    private final ConsulStandIn consul = ConsulStandIn.startDefault();
    private final ConsulClient client = ConsulClient.builder(consul.address()).requestTimeout(Duration.ofSeconds(1)).build();
    private final LogCapture log = LogCapture.of(ConsulInstancer.class);
    private final Events events = new Events();
    private ConsulInstancer instancer;

    @AfterEach
    void stop() {
        if (instancer != null) {
            instancer.close();
        }
        log.close();
        client.close();
        consul.close();
    }

    /** Every event, in order. */
    private static final class Events implements Consumer<InstanceEvent> {
        final List<InstanceEvent> all = new CopyOnWriteArrayList<>();

        @Override
        public void accept(InstanceEvent event) {
            all.add(event);
        }

        InstanceEvent last() {
            return all.getLast();
        }

        List<Instance> instances() {
            return last().instances();
        }

        boolean failed() {
            return last().error() != null;
        }
    }

    private ConsulInstancer.Builder watching(ConsulClient client, String service) {
        return ConsulInstancer.builder(client, service).wait(Duration.ofSeconds(1))
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(1));
    }

    /** Starts the instancer and records its events, beginning with the current state. */
    private void follow(ConsulInstancer.Builder builder) {
        instancer = builder.build();
        instancer.subscribe(events);
    }

    private void register(String service, String address) {
        Instance instance = Instance.parse(address);
        client.register(new ConsulClient.Service(ConsulRegistrar.serviceId(service, instance), service, instance,
                List.of(), ConsulClient.Check.ttl(Duration.ofSeconds(30), Duration.ofMinutes(1))));
    }

    private static List<Instance> instances(String... addresses) {
        return Arrays.stream(addresses).map(Instance::parse).toList();
    }

    private List<String> warnings(String service) {
        return log.messages(Level.WARN, "service", service);
    }

    private List<String> infos(String service) {
        return log.messages(Level.INFO, "service", service);
    }

    @Test
    void theFirstEventIsConsulsAnswer() throws Exception {
        register("users", "10.0.0.1:8080");
        instancer = watching(client, "users").build();
        instancer.subscribe(events);
        assertThat(events.all).singleElement().satisfies(e -> assertThat(e.instances()).isEqualTo(instances("10.0.0.1:8080")));
    }

    @Test
    void publishesARegistrationWithinASecondFromAParkedBlockingQuery() throws Exception {
        follow(watching(client, "users"));
        assertThat(events.instances()).isEmpty();
        Thread.sleep(300); // let the loop park its blocking query: the change must wake it, not a poll
        int requests = consul.healthRequests();

        register("users", "10.0.0.1:8080");

        await().atMost(WITHIN_A_SECOND).until(() -> events.instances().equals(instances("10.0.0.1:8080")));
        assertThat(consul.healthRequests() - requests).isLessThanOrEqualTo(2);
    }

    @Test
    void dropsADeregistrationWithinASecondPublishesTheEmptySetAndBlocksAgain() throws Exception {
        register("users", "10.0.0.1:8080");
        follow(watching(client, "users"));
        assertThat(events.instances()).isEqualTo(instances("10.0.0.1:8080"));

        client.deregister("users-10.0.0.1-8080");

        await().atMost(WITHIN_A_SECOND).until(() -> events.instances().isEmpty());
        assertThat(events.failed()).isFalse();
        // Go kit's loop kept asking with a stale index after a change and flooded Consul (go-kit/kit#1214).
        int requests = consul.healthRequests();
        Thread.sleep(1500);
        assertThat(consul.healthRequests() - requests).isBetween(1, 3); // the 1 s wait runs out once or twice
    }

    @Test
    void dropsAnInstanceWhoseTtlIsNoLongerPassed() throws Exception {
        ConsulClient dying = ConsulClient.create(consul.address());
        ConsulRegistrar registrar = new ConsulRegistrar(dying, "users", Instance.parse("10.0.0.1:8080"), Duration.ofMillis(900));
        registrar.register();
        follow(watching(client, "users"));
        assertThat(events.instances()).hasSize(1);

        dying.close(); // the instance dies: no heartbeat, no deregistration

        await().atMost(Duration.ofSeconds(2)).until(() -> events.instances().isEmpty());
        registrar.deregister();
    }

    @Test
    void withPanicRoutingEveryRegisteredInstanceIsKeptWhileNonePassesAndOnlyPassingOnesAfter() throws Exception {
        ConsulClient dying = ConsulClient.create(consul.address());
        ConsulRegistrar first = new ConsulRegistrar(dying, "users", Instance.parse("10.0.0.1:8080"), Duration.ofMillis(900));
        first.register();
        follow(watching(client, "users").panicRouting(true));
        assertThat(events.instances()).isEqualTo(instances("10.0.0.1:8080"));

        dying.close(); // its TTL lapses: the only instance turns critical
        await().atMost(Duration.ofSeconds(3)).until(() -> !warnings("users").isEmpty());
        assertThat(warnings("users")).singleElement().asString().contains("panic routing");
        assertThat(events.instances()).isEqualTo(instances("10.0.0.1:8080"));

        ConsulRegistrar second = new ConsulRegistrar(client, "users", Instance.parse("10.0.0.2:8080"), Duration.ofSeconds(30));
        second.register();
        await().atMost(WITHIN_A_SECOND).until(() -> events.instances().equals(instances("10.0.0.2:8080")));
        assertThat(infos("users")).anySatisfy(line -> assertThat(line).contains("routing to those only"));
        assertThat(warnings("users")).hasSize(1);
        second.deregister();
        first.deregister();
    }

    @Test
    void anOutagePublishesAFailureLogsOnceAndResyncsChangesMadeMeanwhile() throws Exception {
        register("users", "10.0.0.1:8080");
        follow(watching(client, "users"));

        consul.stop();
        await().atMost(WITHIN_A_SECOND).until(events::failed);
        assertThat(events.last().error()).isInstanceOfSatisfying(ConsulException.class,
                e -> assertThat(e.kind()).isEqualTo(ConsulException.Kind.UNREACHABLE));
        // Meanwhile the cluster changed: another node registered an instance.
        consul.registerExternal("node-b", "10.0.0.9", """
                {"ID":"users-b","Service":"users","Address":"10.0.0.9","Port":8080}""");
        Thread.sleep(10_000);
        consul.start();

        await().atMost(Duration.ofSeconds(2)).until(() -> events.instances().equals(instances("10.0.0.1:8080", "10.0.0.9:8080")));
        assertThat(warnings("users")).containsExactly("cannot query Consul; keeping the last known instances and backing off");
        assertThat(infos("users")).containsExactly("Consul answers again; resynced");
    }

    @Test
    void anIndexGoingBackwardsIsResetAndChangesAreStillSeenWithinASecond() throws Exception {
        register("users", "10.0.0.1:8080");
        // A long wait: a loop that kept asking with its old, higher index would now block for all of it.
        follow(watching(client, "users").wait(Duration.ofSeconds(5)));
        Thread.sleep(200);

        consul.restoreSnapshotWithIndex(2);
        Thread.sleep(300);
        register("users", "10.0.0.2:8080");

        await().atMost(WITHIN_A_SECOND).until(() -> events.instances().size() == 2);
        assertThat(warnings("users")).containsExactly("Consul's index went backwards (a snapshot restore?); resetting it");
    }

    @Test
    void indexZeroNeverSpinsYetChangesArePolledAndBlockingResumesWhenSane() throws Exception {
        consul.reportIndexZero();
        follow(watching(client, "users"));
        int before = consul.healthRequests();
        Thread.sleep(3000);

        assertThat(consul.healthRequests() - before).isBetween(2, 8);
        register("users", "10.0.0.1:8080");
        await().atMost(Duration.ofSeconds(2)).until(() -> events.instances().size() == 1);

        consul.heal();
        await().atMost(Duration.ofSeconds(3)).until(() -> infos("users").contains("Consul's blocking queries behave again"));
        assertThat(warnings("users")).containsExactly("Consul sent no usable X-Consul-Index; polling with backoff instead of blocking");
    }

    @Test
    void serverErrorsArePublishedBackedOffAndRecoveredFrom() throws Exception {
        register("users", "10.0.0.1:8080");
        follow(watching(client, "users"));
        consul.failWith(500, "No cluster leader");
        int before = consul.healthRequests();
        Thread.sleep(3000);

        assertThat(events.failed()).isTrue();
        assertThat(events.last().error()).hasMessage("GET /v1/health/service/users: 500 No cluster leader");
        assertThat(consul.healthRequests() - before).isBetween(2, 8);

        consul.heal();
        await().atMost(Duration.ofSeconds(2)).until(() -> !events.failed());
        assertThat(events.instances()).isEqualTo(instances("10.0.0.1:8080"));
        assertThat(warnings("users")).hasSize(1);
        assertThat(infos("users")).containsExactly("Consul answers again; resynced");
    }

    @Test
    void aHangingConsulTimesOutIntoAFailure() throws Exception {
        register("users", "10.0.0.1:8080");
        follow(watching(client, "users"));
        consul.hangRequests();

        // The parked query ends after its wait (1 s); the next one hangs until 1 s + 1/16 + the 1 s request timeout.
        await().atMost(Duration.ofSeconds(4)).until(events::failed);
        assertThat(events.last().error()).isInstanceOfSatisfying(ConsulException.class,
                e -> assertThat(e.kind()).isEqualTo(ConsulException.Kind.UNREACHABLE));
        consul.heal();
        await().atMost(Duration.ofSeconds(3)).until(() -> !events.failed());
    }

    @Test
    void withACLsTheRightTokenWorksAWrongOneIsAFailureAndNoneHidesEverything() throws Exception {
        try (ConsulStandIn acl = ConsulStandIn.builder().aclToken("s3cret").start();
             ConsulClient right = ConsulClient.builder(acl.address()).token("s3cret").build();
             ConsulClient wrong = ConsulClient.builder(acl.address()).token("guess").build();
             ConsulClient none = ConsulClient.create(acl.address())) {
            Instance instance = Instance.parse("10.0.0.1:8080");
            right.register(new ConsulClient.Service("users-1", "users", instance, List.of(),
                    ConsulClient.Check.ttl(Duration.ofSeconds(30), Duration.ofMinutes(1))));

            try (ConsulInstancer withRight = watching(right, "users").build()) {
                Events seen = new Events();
                withRight.subscribe(seen);
                assertThat(seen.instances()).containsExactly(instance);
            }

            try (ConsulInstancer withWrong = watching(wrong, "users").build()) {
                Events seen = new Events();
                withWrong.subscribe(seen);
                assertThat(seen.last().error()).isInstanceOfSatisfying(ConsulException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ConsulException.Kind.PERMISSION_DENIED);
                    assertThat(e.getMessage()).isEqualTo("GET /v1/health/service/users: 403 ACL not found");
                });
                int before = acl.healthRequests();
                Thread.sleep(2000);
                assertThat(acl.healthRequests() - before).isBetween(2, 7);
            }

            try (ConsulInstancer withNone = watching(none, "users").build()) {
                Events seen = new Events();
                withNone.subscribe(seen);
                assertThat(seen.last().instances()).isEmpty();
                assertThat(seen.last().error()).isNull();
                assertThat(warnings("users")).contains(
                        "no instances, no ACL token, and Consul's default ACL policy is deny: Consul may be hiding them");
            }
        }
    }

    @Test
    void badDataIsSkippedAndEachProblemLoggedOnce() throws Exception {
        consul.registerExternal("node-1", "10.0.0.100", """
                {"ID":"good","Service":"orders","Address":"10.0.0.1","Port":8080}""");
        consul.registerExternal("node-2", "10.0.0.101", """
                {"ID":"good-again","Service":"orders","Address":"10.0.0.1","Port":8080}""");
        consul.registerExternal("node-3", "10.0.0.102", """
                {"ID":"no-port","Service":"orders","Address":"10.0.0.2"}""");
        consul.registerExternal("node-3", "10.0.0.102", """
                {"ID":"port-zero","Service":"orders","Address":"10.0.0.3","Port":0}""");
        consul.registerExternal("node-3", "10.0.0.102", """
                {"ID":"port-text","Service":"orders","Address":"10.0.0.4","Port":"8080"}""");
        consul.registerExternal("node-3", "10.0.0.102", """
                {"ID":"port-huge","Service":"orders","Address":"10.0.0.5","Port":70000}""");
        consul.registerExternal("node-3", "10.0.0.102", """
                {"ID":"half-bracket","Service":"orders","Address":"[::1","Port":8080}""");
        consul.registerExternal("node-4", "", """
                {"ID":"nowhere","Service":"orders","Address":"","Port":8080}""");
        consul.injectRawEntry("orders", "42");
        consul.injectRawEntry("orders", "{\"Node\":{}}");

        follow(watching(client, "orders"));

        assertThat(events.instances()).isEqualTo(instances("10.0.0.1:8080"));
        List<String> problems = log.events(Level.WARN, "service", "orders").stream()
                .map(e -> LogCapture.valueOf(e, "problem")).toList();
        assertThat(problems).hasSize(9).anySatisfy(p -> assertThat(p).contains("10.0.0.1:8080 announced by 2 entries"))
                .anySatisfy(p -> assertThat(p).contains("entry no-port on node node-3: port: 0 (expected: 1-65535)"))
                .anySatisfy(p -> assertThat(p).contains("entry port-zero on node node-3: port: 0"))
                .anySatisfy(p -> assertThat(p).contains("Port is not an integer: \"8080\""))
                .anySatisfy(p -> assertThat(p).contains("port-huge").contains("port: 70000"))
                .anySatisfy(p -> assertThat(p).contains("half-bracket"))
                .anySatisfy(p -> assertThat(p).contains("nowhere").contains("address: ''"))
                .anySatisfy(p -> assertThat(p).isEqualTo("an entry that is not an object: 42"))
                .anySatisfy(p -> assertThat(p).isEqualTo("an entry without a Service object: {\"Node\":{}}"));

        consul.registerExternal("node-5", "10.0.0.9", """
                {"ID":"good-too","Service":"orders","Address":"10.0.0.9","Port":8080}""");
        await().atMost(WITHIN_A_SECOND).until(() -> events.instances().size() == 2);
        assertThat(warnings("orders")).hasSize(9);
    }

    @Test
    void addressesFallBackToTheNodeAndIpv6IsBracketed() throws Exception {
        consul.registerExternal("node-1", "10.1.1.1", """
                {"ID":"no-address","Service":"users","Address":"","Port":8082}""");
        consul.registerExternal("node-2", "10.1.1.2", """
                {"ID":"v6","Service":"users","Address":"::1","Port":8080}""");
        consul.registerExternal("node-3", "10.1.1.3", """
                {"ID":"v6-bracketed","Service":"users","Address":"[fe80::1]","Port":8081}""");
        follow(watching(client, "users"));

        assertThat(events.instances()).containsExactlyInAnyOrder(
                new Instance("10.1.1.1", 8082), new Instance("::1", 8080), new Instance("fe80::1", 8081));
        assertThat(events.instances()).extracting(Instance::address)
                .contains("[::1]:8080", "[fe80::1]:8081", "10.1.1.1:8082");
    }

    @Test
    void sendsTheFirstTagToConsulAndChecksTheOthersItselfCaseInsensitively() throws Exception {
        consul.registerExternal("node-1", "10.0.0.1", """
                {"ID":"a","Service":"users","Address":"10.0.0.1","Port":8080,"Tags":["V1","EU"]}""");
        consul.registerExternal("node-2", "10.0.0.2", """
                {"ID":"b","Service":"users","Address":"10.0.0.2","Port":8080,"Tags":["v1"]}""");
        consul.registerExternal("node-3", "10.0.0.3", """
                {"ID":"c","Service":"users","Address":"10.0.0.3","Port":8080,"Tags":["eu"]}""");
        follow(watching(client, "users").tags("v1", "eu"));

        assertThat(events.instances()).isEqualTo(instances("10.0.0.1:8080"));
        assertThat(consul.requests()).allSatisfy(r -> assertThat(r.query()).contains("tag=v1").doesNotContain("tag=eu"));
    }

    @Test
    void closeAbandonsTheParkedQueryAndStopsTheLoop() throws Exception {
        follow(watching(client, "users").wait(Duration.ofSeconds(20)));
        Thread.sleep(200);

        long start = System.nanoTime();
        instancer.close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(WITHIN_A_SECOND);
        int after = consul.healthRequests();
        register("users", "10.0.0.1:8080");
        Thread.sleep(500);
        assertThat(consul.healthRequests()).isEqualTo(after);
        assertThat(events.instances()).isEmpty();
    }
}
