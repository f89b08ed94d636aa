package io.javakit.sd.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.sun.net.httpserver.HttpServer;
import io.javakit.sd.Instance;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link ConsulRegistrar} against the {@link ConsulStandIn} (not a real agent). */
class ConsulRegistrarStandInTest {
    private static final Duration TTL = Duration.ofMillis(900);

    private final ConsulStandIn consul = ConsulStandIn.startDefault();
    private final ConsulClient client = ConsulClient.builder(consul.address()).requestTimeout(Duration.ofSeconds(1)).build();
    private final LogCapture log = LogCapture.of(ConsulRegistrar.class);

    @AfterEach
    void stop() {
        log.close();
        client.close();
        consul.close();
    }

    private List<ConsulClient.HealthEntry> passing(String service) {
        return client.health(service, null, true, 0, Duration.ofSeconds(1)).entries();
    }

    private long passes(String checkId) {
        return consul.requests().stream().filter(r -> r.path().equals("/v1/agent/check/pass/" + checkId)).count();
    }

    @Test
    void registersUnderTheConventionalIdWithATtlCheckThatStartsPassing() {
        try (ConsulRegistrar registrar = ConsulRegistrar.builder(client, "users", Instance.parse("10.0.0.5:8080"))
                .tags("v1", "eu").build()) {
            registrar.register();

            assertThat(passing("users")).singleElement().satisfies(e -> {
                assertThat(e.serviceId()).isEqualTo("users-10.0.0.5-8080");
                assertThat(e.instance()).isEqualTo(Instance.parse("10.0.0.5:8080"));
                assertThat(e.tags()).containsExactly("v1", "eu");
            });
        }
    }

    @Test
    void heartbeatsKeepTheCheckPassingPastItsTtlWithoutMovingTheIndex() throws Exception {
        try (ConsulRegistrar registrar = new ConsulRegistrar(client, "users", Instance.parse("10.0.0.5:8080"), TTL)) {
            registrar.register();
            long index = consul.index();

            Thread.sleep(TTL.multipliedBy(3).toMillis()); // what is proven here is that nothing changes for a while

            assertThat(consul.checkStatus("service:users-10.0.0.5-8080")).isEqualTo("passing");
            assertThat(passes("service:users-10.0.0.5-8080")).isBetween(6L, 12L);
            assertThat(consul.index()).isEqualTo(index);
        }
    }

    @Test
    void aKilledInstanceTurnsCriticalAfterItsTtl() {
        // The instance's process dies: its HTTP client goes with it, so no heartbeat and no deregistration arrive.
        ConsulClient dying = ConsulClient.create(consul.address());
        ConsulRegistrar registrar = new ConsulRegistrar(dying, "users", Instance.parse("10.0.0.5:8080"), TTL);
        registrar.register();
        dying.close();

        long start = System.nanoTime();
        await().atMost(TTL.plusSeconds(1)).until(() -> passing("users").isEmpty());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(TTL.dividedBy(2));
        assertThat(consul.checkStatus("service:users-10.0.0.5-8080")).isEqualTo("critical");
        registrar.deregister(); // stops its thread; the failure to deregister is logged
    }

    @Test
    void deregisterRemovesTheServiceAtOnceAndStopsTheHeartbeat() throws Exception {
        ConsulRegistrar registrar = new ConsulRegistrar(client, "users", Instance.parse("10.0.0.5:8080"), TTL);
        registrar.register();
        registrar.deregister();

        assertThat(consul.hasService("users-10.0.0.5-8080")).isFalse();
        long passes = passes("service:users-10.0.0.5-8080");
        Thread.sleep(TTL.toMillis()); // no heartbeat may follow
        assertThat(passes("service:users-10.0.0.5-8080")).isEqualTo(passes);

        registrar.deregister();
        assertThat(consul.requests().stream().filter(r -> r.path().startsWith("/v1/agent/service/deregister/")))
                .hasSize(1);
    }

    @Test
    void registersAgainWhenTheAgentForgotTheRegistration() {
        try (ConsulRegistrar registrar = new ConsulRegistrar(client, "users", Instance.parse("10.0.0.5:8080"), TTL)) {
            registrar.register();
            consul.restartForgettingEverything();

            await().atMost(TTL.plusSeconds(1)).until(() -> consul.hasService("users-10.0.0.5-8080"));
            assertThat(passing("users")).hasSize(1);
            assertThat(log.messages(Level.INFO, "id", "users-10.0.0.5-8080"))
                    .contains("the Consul agent had lost the registration; registered again");
        }
    }

    @Test
    void heartbeatFailuresBackOffAndAreLoggedOnceAndTheRecoveryOnce() throws Exception {
        try (ConsulRegistrar registrar = new ConsulRegistrar(client, "orders", Instance.parse("10.0.0.6:8080"), TTL)) {
            registrar.register();
            consul.failWith(500, "No cluster leader");
            Thread.sleep(2000); // long enough for many heartbeats, were they not backing off

            long passes = passes("service:orders-10.0.0.6-8080");
            assertThat(passes).isBetween(3L, 12L);
            consul.heal();
            await().atMost(Duration.ofSeconds(2)).until(
                    () -> !log.messages(Level.INFO, "id", "orders-10.0.0.6-8080").stream()
                            .filter(m -> m.equals("passing the Consul TTL check again")).toList().isEmpty());

            assertThat(log.messages(Level.WARN, "id", "orders-10.0.0.6-8080"))
                    .containsExactly("cannot pass the Consul TTL check; retrying with backoff");
            assertThat(log.events(Level.WARN, "id", "orders-10.0.0.6-8080").getFirst())
                    .satisfies(e -> assertThat(LogCapture.valueOf(e, "err")).contains("500 No cluster leader"));
        }
    }

    @Test
    void anHttpCheckRoutesTheInstanceOnlyOnceTheAgentProbedItHealthy() throws Exception {
        HttpServer instance = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        instance.createContext("/health", e -> {
            e.sendResponseHeaders(200, -1);
            e.close();
        });
        instance.start();
        int port = instance.getAddress().getPort();
        try (ConsulRegistrar registrar = ConsulRegistrar.builder(client, "web", new Instance("127.0.0.1", port))
                .httpCheck(URI.create("http://127.0.0.1:" + port + "/health"), Duration.ofSeconds(1)).build()) {
            registrar.register();
            assertThat(passing("web")).isEmpty();

            await().atMost(Duration.ofSeconds(3)).until(() -> passing("web").size() == 1);
            assertThat(consul.requests()).noneMatch(r -> r.path().startsWith("/v1/agent/check/pass/"));
        } finally {
            instance.stop(0);
        }
    }

    @Test
    void aRefusedRegistrationIsThrownWithConsulsText() {
        try (ConsulStandIn acl = ConsulStandIn.builder().aclToken("s3cret").start();
             ConsulClient noToken = ConsulClient.create(acl.address())) {
            ConsulRegistrar registrar = new ConsulRegistrar(noToken, "users", Instance.parse("10.0.0.5:8080"));
            assertThatThrownBy(registrar::register).isInstanceOfSatisfying(ConsulException.class, e -> {
                assertThat(e.kind()).isEqualTo(ConsulException.Kind.PERMISSION_DENIED);
                assertThat(e.getMessage()).contains("Permission denied: anonymous token lacks permission 'service:write'");
            });
            registrar.deregister(); // nothing registered, nothing sent
            assertThat(acl.requests()).hasSize(1);
        }
    }

    @Test
    void sendsTheDeregisterAfterAndTheTtlAsGoDurations() {
        ConsulRegistrar registrar = ConsulRegistrar.builder(client, "users", Instance.parse("[::1]:8080"))
                .ttl(Duration.ofSeconds(10)).deregisterCriticalServiceAfter(Duration.ofMinutes(2)).build();
        assertThat(registrar.definition().id()).isEqualTo("users-__1-8080");
        assertThat(registrar.definition().toJson().toString()).isEqualTo("""
                {"ID":"users-__1-8080","Name":"users","Tags":[],"Address":"::1","Port":8080,\
                "Check":{"CheckID":"service:users-__1-8080","Name":"Service 'users' check","TTL":"10s",\
                "Status":"passing","DeregisterCriticalServiceAfter":"120s"}}""");
        assertThatThrownBy(() -> ConsulRegistrar.builder(client, "users", Instance.parse("[::1]:8080")).ttl(Duration.ofMillis(10)))
                .hasMessage("ttl: PT0.01S (expected: >= PT0.1S)");
    }
}
