package io.javakit.sd.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javakit.sd.Instance;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link ConsulClient} against the {@link ConsulStandIn} (not a real agent). */
class ConsulClientStandInTest {
    private final ConsulStandIn consul = ConsulStandIn.builder().aclToken("s3cret").start();
    private final ConsulClient client = ConsulClient.builder(consul.address()).token("s3cret")
            .requestTimeout(Duration.ofSeconds(1)).build();

    @AfterEach
    void stop() {
        client.close();
        consul.close();
    }

    private static ConsulClient.Service users(String host, int port) {
        Instance instance = new Instance(host, port);
        return new ConsulClient.Service(ConsulRegistrar.serviceId("users", instance), "users", instance,
                List.of("v1"), ConsulClient.Check.ttl(Duration.ofSeconds(10), Duration.ofMinutes(1)));
    }

    @Test
    void registersPassesReadsAndDeregisters() {
        ConsulClient.Service service = users("10.0.0.5", 8080);
        client.register(service);
        client.passTtl(service.checkId(), null);

        ConsulClient.HealthResponse response = client.health("users", "v1", true, 0, Duration.ofSeconds(1));
        assertThat(response.index()).isPositive();
        assertThat(response.entries()).singleElement().satisfies(e -> {
            assertThat(e.serviceId()).isEqualTo("users-10.0.0.5-8080");
            assertThat(e.instance()).isEqualTo(Instance.parse("10.0.0.5:8080"));
            assertThat(e.check("service:users-10.0.0.5-8080").orElseThrow().status()).isEqualTo("passing");
        });

        client.deregister(service.id());
        assertThat(client.health("users", null, true, 0, Duration.ofSeconds(1)).entries()).isEmpty();
    }

    @Test
    void sendsTheTokenAsAHeaderNeverInTheQuery() {
        client.health("users", null, true, 0, Duration.ofSeconds(1));
        client.register(users("10.0.0.5", 8080));

        assertThat(consul.requests()).allSatisfy(r -> {
            assertThat(r.token()).isEqualTo("s3cret");
            assertThat(r.query() == null ? "" : r.query()).doesNotContain("token");
        });
    }

    @Test
    void sendsTheBlockingParametersAndOnlyTheFirstPassingFlag() {
        long index = client.health("users", "v1", true, 0, Duration.ofSeconds(1)).index();
        client.health("users", "v1", true, index, Duration.ofMillis(300));

        assertThat(consul.requests()).extracting(ConsulStandIn.Request::query)
                .containsExactly("passing=1&tag=v1", "passing=1&tag=v1&index=" + index + "&wait=300ms");
    }

    @Test
    void aBlockingQueryMayTakeItsWaitPlusJitterWithoutTimingOut() {
        long index = client.health("users", null, true, 0, Duration.ofSeconds(1)).index();
        // The request timeout is 1 s; the wait (1.5 s, plus up to 94 ms of jitter) must be allowed on top of it.
        ConsulClient.HealthResponse response = client.health("users", null, true, index, Duration.ofMillis(1500));
        assertThat(response.index()).isEqualTo(index);
    }

    @Test
    void mapsConsulsErrorsToKindsKeepingItsPlainText() {
        assertThatThrownBy(() -> client.passTtl("service:nope", null))
                .isInstanceOfSatisfying(ConsulException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ConsulException.Kind.NOT_FOUND);
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.body()).startsWith("Unknown check ID \"service:nope\"");
                    assertThat(e.getMessage()).isEqualTo("PUT /v1/agent/check/pass/service:nope: 404 " + e.body());
                });

        try (ConsulClient wrongToken = ConsulClient.builder(consul.address()).token("guess").build()) {
            assertThatThrownBy(() -> wrongToken.health("users", null, true, 0, Duration.ofSeconds(1)))
                    .isInstanceOfSatisfying(ConsulException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ConsulException.Kind.PERMISSION_DENIED);
                        assertThat(e.body()).isEqualTo("ACL not found");
                    });
        }
        try (ConsulClient noToken = ConsulClient.create(consul.address())) {
            assertThatThrownBy(() -> noToken.register(users("10.0.0.5", 8080)))
                    .isInstanceOfSatisfying(ConsulException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ConsulException.Kind.PERMISSION_DENIED);
                        assertThat(e.getMessage()).contains("lacks permission 'service:write' on \"users\"");
                    });
        }

        consul.failWith(429, "rate limit exceeded");
        assertThatThrownBy(() -> client.deregister("x")).isInstanceOfSatisfying(ConsulException.class,
                e -> assertThat(e.kind()).isEqualTo(ConsulException.Kind.RATE_LIMITED));
        consul.failWith(500, "No cluster leader");
        assertThatThrownBy(() -> client.health("users", null, true, 0, Duration.ofSeconds(1)))
                .isInstanceOfSatisfying(ConsulException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ConsulException.Kind.SERVER_ERROR);
                    assertThat(e.getMessage()).isEqualTo("GET /v1/health/service/users: 500 No cluster leader");
                });
    }

    @Test
    void aDatacenterIsSentAsDc() {
        try (ConsulClient otherDc = ConsulClient.builder(consul.address()).token("s3cret").datacenter("dc9").build()) {
            assertThatThrownBy(() -> otherDc.health("users", null, true, 0, Duration.ofSeconds(1)))
                    .isInstanceOfSatisfying(ConsulException.class, e -> assertThat(e.body()).isEqualTo("No path to datacenter"));
        }
    }

    @Test
    void anAgentThatIsNotThereIsUnreachable() throws Exception {
        int freePort;
        try (ServerSocket socket = new ServerSocket(0)) {
            freePort = socket.getLocalPort();
        }
        try (ConsulClient nobody = ConsulClient.create("127.0.0.1:" + freePort)) {
            assertThatThrownBy(() -> nobody.health("users", null, true, 0, Duration.ofSeconds(1)))
                    .isInstanceOfSatisfying(ConsulException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ConsulException.Kind.UNREACHABLE);
                        assertThat(e.status()).isZero();
                        assertThat(e.getMessage()).isEqualTo("GET /v1/health/service/users: ConnectException: cannot connect to the agent");
                    });
        }
    }

    @Test
    void aHangingAgentTimesOutAfterTheWaitItsJitterAndTheRequestTimeout() {
        long index = client.health("users", null, true, 0, Duration.ofSeconds(1)).index();
        consul.hangRequests();
        long start = System.nanoTime();
        assertThatThrownBy(() -> client.health("users", null, true, index, Duration.ofMillis(400)))
                .isInstanceOfSatisfying(ConsulException.class,
                        e -> assertThat(e.kind()).isEqualTo(ConsulException.Kind.UNREACHABLE));
        // 400 ms + 25 ms + 1 s
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(1400), Duration.ofMillis(3000));
    }

    @Test
    void acceptsTheAddressFormsOfConsulHttpAddr() {
        assertThat(ConsulClient.create("127.0.0.1:8500").baseUri()).hasToString("http://127.0.0.1:8500");
        assertThat(ConsulClient.create("http://consul.local:8500/").baseUri()).hasToString("http://consul.local:8500");
        assertThat(ConsulClient.create("https://[::1]:8501").baseUri()).hasToString("https://[::1]:8501");
        assertThatThrownBy(() -> ConsulClient.create("consul.local"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("address: 'consul.local' (expected: host:port");
    }

    @Test
    void encodesIdsInThePath() {
        assertThat(ConsulClient.pathSegment("service:users-10.0.0.5-8080")).isEqualTo("service:users-10.0.0.5-8080");
        assertThat(ConsulClient.pathSegment("a b/c?d")).isEqualTo("a%20b%2Fc%3Fd");
        assertThat(ConsulClient.goDuration(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(ConsulClient.goDuration(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(ConsulStandIn.parseGoDuration("1500ms")).isEqualTo(Duration.ofMillis(1500));
        assertThat(ConsulStandIn.parseGoDuration("1m30s")).isEqualTo(Duration.ofSeconds(90));
    }
}
