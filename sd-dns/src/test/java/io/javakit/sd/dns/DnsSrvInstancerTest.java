package io.javakit.sd.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.javakit.sd.Endpointer;
import io.javakit.sd.Instance;
import io.javakit.sd.InstanceEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DnsSrvInstancerTest {
    private static final String USERS = "_users._tcp.example.internal";
    private static final String USERS_1 = "host-record=users-1.example.internal,127.0.0.11";

    private final LogCapture logs = LogCapture.of(DnsSrvInstancer.class);
    private final Deque<AutoCloseable> cleanup = new ArrayDeque<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();

    /** An event and when it arrived. */
    private record Seen(long nanos, InstanceEvent event) {}

    @AfterEach
    void tearDown() throws Exception {
        while (!cleanup.isEmpty()) {
            cleanup.pop().close();
        }
        logs.close();
    }

    @Test
    void resolvesEachTargetToItsAddressesWithThePortOfItsRecord() throws IOException {
        Dnsmasq dns = dnsmasq(60,
                srv(USERS, "users-1.example.internal", 8080), USERS_1,              // A in the additional section
                srv(USERS, "users-2.example.internal", 8081), "address=/users-2.example.internal/127.0.0.12",
                srv(USERS, "users-6.example.internal", 8082), "host-record=users-6.example.internal,::1",
                srv(USERS, "users-7.example.internal", 8083), "host-record=users-7.example.internal,127.0.0.17,fd00::7",
                srv(USERS, "alias.example.internal", 8080), "address=/alias.example.internal/127.0.0.11", // duplicate
                srv(USERS, "10.0.0.7", 9000));                                       // an IP literal as target

        follow(DnsSrvInstancer.create(USERS, dns.address()));

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(latest().instances()).containsExactlyElementsOf(
                instances("10.0.0.7:9000", "127.0.0.11:8080", "127.0.0.12:8081", "127.0.0.17:8083", "[::1]:8082", "[fd00::7]:8083")));
        assertThat(latest().instances()).extracting(Instance::address).contains("[::1]:8082", "[fd00::7]:8083");
        assertThat(logs.events(Level.INFO, "using an SRV record as is")).singleElement()
                .satisfies(e -> assertThat(LogCapture.value(e, "record")).contains("10.0.0.7"));
    }

    @Test
    void skipsRecordsWithPortZeroNoTargetOrNoAddressAndLogsEachOnce() throws IOException {
        Dnsmasq dns = dnsmasq(1,
                srv(USERS, "users-1.example.internal", 8080), USERS_1,
                srv(USERS, "users-1.example.internal", 0),
                srv(USERS, "nowhere.example.internal", 8085),
                "srv-host=" + USERS);                                                 // target "."

        follow(DnsSrvInstancer.create(USERS, dns.address()));

        await().atMost(Duration.ofSeconds(5)).until(() -> latest().instances().equals(instances("127.0.0.11:8080")));
        await().atMost(Duration.ofSeconds(5)).until(() -> dns.queries("SRV", USERS) >= 3); // the same records again
        assertThat(logs.events(Level.WARN, "skipping an SRV record"))
                .extracting(e -> LogCapture.value(e, "reason"))
                .satisfiesExactlyInAnyOrder(
                        reason -> assertThat(reason).isEqualTo("port 0"),
                        reason -> assertThat(reason).startsWith("target '.'"),
                        reason -> assertThat(reason).contains("no address").contains("NXDOMAIN"));
        assertThat(seen).noneMatch(s -> s.event().error() != null);
    }

    @Test
    void publishesAnEmptySetWhenTheNameIsGone() throws IOException {
        Dnsmasq dns = dnsmasq(1, srv(USERS, "users-1.example.internal", 8080), USERS_1);
        follow(DnsSrvInstancer.create(USERS, dns.address()));
        await().atMost(Duration.ofSeconds(5)).until(() -> latest().instances().equals(instances("127.0.0.11:8080")));

        dns.reconfigure(USERS_1);

        // An empty set, not a failure (which would also carry no instances but make endpointers keep the old set).
        await().atMost(Duration.ofSeconds(5)).until(() -> latest().instances().isEmpty() && latest().error() == null);
        int queriesWhenEmpty = dns.queries("SRV", USERS);
        await().atMost(Duration.ofSeconds(5)).until(() -> dns.queries("SRV", USERS) >= queriesWhenEmpty + 2);
        assertThat(latest()).isEqualTo(InstanceEvent.of(List.of()));
        assertThat(logs.events(Level.WARN, "no SRV records; publishing an empty set")).singleElement()
                .satisfies(e -> assertThat(LogCapture.value(e, "reason")).isEqualTo("NXDOMAIN"));
    }

    @Test
    void picksUpAChangedRecordWhenTheTtlExpiresAndNotSooner() throws IOException {
        Dnsmasq dns = dnsmasq(2, srv(USERS, "users-1.example.internal", 8080), USERS_1);
        follow(DnsSrvInstancer.create(USERS, dns.address()));
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> latest().instances().equals(instances("127.0.0.11:8080")));
        long firstSeen = seen.getLast().nanos();

        dns.reconfigure(srv(USERS, "users-1.example.internal", 9090), USERS_1);

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> latest().instances().equals(instances("127.0.0.11:9090")));
        Duration gap = Duration.ofNanos(seen.getLast().nanos() - firstSeen);
        assertThat(gap).as("the change waits for the 2 s TTL").isBetween(Duration.ofMillis(1800), Duration.ofMillis(3500));
        assertThat(dns.queries("SRV", USERS)).as("one query per TTL").isBetween(2, 3);
    }

    @Test
    void waitsTheMinimumIntervalWhenTheTtlIsZero() throws IOException {
        Dnsmasq dns = dnsmasq(0, srv(USERS, "users-1.example.internal", 8080), USERS_1);
        long start = System.nanoTime();
        follow(DnsSrvInstancer.builder(USERS).resolver(dns.address()).minInterval(Duration.ofMillis(500)).build());

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() -> dns.queries("SRV", USERS) >= 4);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("3 intervals of 500 ms").isGreaterThan(Duration.ofMillis(1450));
    }

    @Test
    void reResolvesAtTheMaximumIntervalWhenTheTtlIsLong() throws IOException {
        Dnsmasq dns = dnsmasq(3600, srv(USERS, "users-1.example.internal", 8080), USERS_1);
        follow(DnsSrvInstancer.builder(USERS).resolver(dns.address())
                .minInterval(Duration.ofMillis(100)).maxInterval(Duration.ofMillis(500)).build());
        await().atMost(Duration.ofSeconds(5)).until(() -> latest().instances().equals(instances("127.0.0.11:8080")));

        dns.reconfigure(srv(USERS, "users-1.example.internal", 9090), USERS_1);

        await().atMost(Duration.ofSeconds(3)).until(() -> latest().instances().equals(instances("127.0.0.11:9090")));
    }

    @Test
    void keepsTheLastSetWhileTheResolverIsDownAndResyncsWhenItIsBack() throws IOException {
        Dnsmasq dns = dnsmasq(1, srv(USERS, "users-1.example.internal", 8080), USERS_1);
        DnsSrvInstancer instancer = follow(DnsSrvInstancer.create(USERS, dns.address()));
        Endpointer<String, String> endpointer = Endpointer.of(instancer, instance -> (ctx, request) -> request);
        cleanup.push(endpointer);
        await().atMost(Duration.ofSeconds(5)).until(() -> addresses(endpointer).equals(List.of("127.0.0.11:8080")));

        dns.stop();

        await().atMost(Duration.ofSeconds(5)).until(() -> latest().error() != null);
        assertThat(latest().error()).hasMessageContaining(USERS).hasMessageContaining(dns.address());
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                .until(() -> addresses(endpointer).equals(List.of("127.0.0.11:8080")));
        int attemptsWhileDown = logs.events(Level.DEBUG, "DNS resolution failed; retrying").size();
        assertThat(attemptsWhileDown).as("backing off, not spinning").isBetween(2, 12);

        dns.reconfigure(srv(USERS, "users-1.example.internal", 9090), USERS_1);   // changed during the outage

        await().atMost(Duration.ofSeconds(10)).until(() -> addresses(endpointer).equals(List.of("127.0.0.11:9090")));
        assertThat(logs.events(Level.WARN, "DNS resolution failed; keeping the last known instances and backing off")).hasSize(1);
        assertThat(logs.events(Level.INFO, "DNS resolution recovered")).hasSize(1);
    }

    @Test
    void publishesAFailureWhenTheResolverAnswersWithAnError() throws IOException {
        Dnsmasq dns = dnsmasq(1);
        String elsewhere = "_users._tcp.elsewhere.test"; // not dnsmasq's domain: REFUSED

        follow(DnsSrvInstancer.create(elsewhere, dns.address()));

        await().atMost(Duration.ofSeconds(5)).until(() -> latest().error() != null);
        assertThat(latest().error()).hasMessageContaining("REFUSED");
    }

    @Test
    void stopsResolvingOnClose() throws IOException {
        Dnsmasq dns = dnsmasq(0, srv(USERS, "users-1.example.internal", 8080), USERS_1);
        DnsSrvInstancer instancer = follow(DnsSrvInstancer.builder(USERS).resolver(dns.address())
                .minInterval(Duration.ofMillis(100)).build());
        await().atMost(Duration.ofSeconds(5)).until(() -> dns.queries("SRV", USERS) >= 2);

        instancer.close();

        // One query may still be on its way into dnsmasq's log; a live loop would add one every 100 ms.
        int queriesAtClose = dns.queries("SRV", USERS);
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(2))
                .until(() -> dns.queries("SRV", USERS) <= queriesAtClose + 1);
    }

    @Test
    void rejectsInvalidArguments() {
        assertThatThrownBy(() -> DnsSrvInstancer.builder(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("name: ' ' (expected:");
        assertThatThrownBy(() -> DnsSrvInstancer.builder(USERS).resolver("127.0.0.1:dns"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("127.0.0.1:dns");
        assertThatThrownBy(() -> DnsSrvInstancer.builder(USERS).minInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("minInterval: PT0S (expected: > 0)");
        assertThatThrownBy(() -> DnsSrvInstancer.builder(USERS).minInterval(Duration.ofSeconds(5))
                .maxInterval(Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("maxInterval: PT1S (expected: >= minInterval");
    }

    private Dnsmasq dnsmasq(int ttlSeconds, String... records) throws IOException {
        Dnsmasq dns = Dnsmasq.start(ttlSeconds, records);
        cleanup.push(dns);
        return dns;
    }

    private DnsSrvInstancer follow(DnsSrvInstancer instancer) {
        cleanup.push(instancer);
        instancer.subscribe(event -> seen.add(new Seen(System.nanoTime(), event)));
        return instancer;
    }

    private InstanceEvent latest() {
        return seen.getLast().event();
    }

    private static String srv(String name, String target, int port) {
        return "srv-host=" + name + "," + target + "," + port + ",0,10";
    }

    private static List<Instance> instances(String... addresses) {
        return Arrays.stream(addresses).map(Instance::parse).toList();
    }

    private static List<String> addresses(Endpointer<?, ?> endpointer) {
        return endpointer.endpoints().stream().map(e -> e.instance().address()).toList();
    }
}
