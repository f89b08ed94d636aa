package io.javakit.example;

import io.javakit.sd.ServiceRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.javakit.sd.Instancer;
import io.javakit.transport.http.RawHttp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What every registry must do for the gateway, proven end to end: real service processes register themselves, an
 * in-process gateway discovers them through the registry, and a steady load counts every error a client would see.
 */
abstract class DiscoveryContract {
    private final List<ServiceProcess> services = new ArrayList<>();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private RegistryFixture registry;
    private AutoCloseable registryConnection;
    private Gateway gateway;

    abstract RegistryFixture startRegistry() throws Exception;

    @BeforeEach
    void startRegistryAndGateway() throws Exception {
        registry = startRegistry();
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        ServiceRegistry access = ServiceRegistry.connect(registry.url());
        registryConnection = access;
        Instancer users = access.instancer("users");
        Instancer products = access.instancer("products");
        gateway = new Gateway(users, products, SeedSystem.unlimited(), new SimpleMeterRegistry(), "127.0.0.1", 0);
    }

    @AfterEach
    void stopEverything() throws Exception {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        for (ServiceProcess s : services) {
            s.close();
        }
        gateway.close();
        registryConnection.close();
        registry.close();
    }

    private String debug(Load load) {
        return "gateway sees " + SeedSystemViews.instances(gateway, "users") + "; load errors " + load.errors.stream().limit(3).toList()
                + "; service logs:\n" + services.stream().map(s -> String.join("\n", s.lines())).reduce("", String::concat);
    }

    /** Starts a users process and waits until the gateway lists it, so that load starts only once there is somewhere to go. */
    private ServiceProcess startUsers() throws Exception {
        ServiceProcess service = ServiceProcess.startUsers(SeedSystem.freePort(), registry.url(), registry.registeredMessage());
        services.add(service);
        await().atMost(Duration.ofSeconds(30)).until(() -> SeedSystemViews.instances(gateway, "users").stream().anyMatch(i -> i.port() == service.port));
        return service;
    }

    @Test
    void aNewInstanceGetsTrafficWithinASecondOfRegistering() throws Exception {
        ServiceProcess first = startUsers();
        try (Load load = new Load(gateway.port())) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(first.served()).as(() -> debug(load)).isPositive());
            ServiceProcess second = startUsers();
            await().atMost(Duration.ofSeconds(5)).until(() -> second.served() > 0);

            Instant registered = ServiceProcess.timestamp(second.firstLine(registry.registeredMessage()).orElseThrow());
            Instant firstCall = ServiceProcess.timestamp(second.firstLine("method=UserByName").orElseThrow());
            Duration toFirstCall = Duration.between(registered, firstCall);
            System.out.printf("discovery: %s registration to first routed request: %d ms%n", registry.url(), toFirstCall.toMillis());
            assertThat(toFirstCall).isLessThan(Duration.ofSeconds(1));
            assertThat(load.errors).isEmpty();
        }
    }

    @Test
    void anInstanceThatShutsDownGracefullyGetsNoFurtherCallsAndNoClientSeesAnError() throws Exception {
        ServiceProcess staying = startUsers();
        ServiceProcess leaving = startUsers();
        try (Load load = new Load(gateway.port())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> staying.served() > 0 && leaving.served() > 0);
            leaving.terminate();
            long servedWhenGone = leaving.served();
            int okBefore = load.ok.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > okBefore + 100);

            assertThat(load.errors).isEmpty();
            assertThat(leaving.served()).isEqualTo(servedWhenGone);
        }
    }

    @Test
    void aStoppingInstanceDeregistersFirstAndKeepsAnsweringThroughItsGrace() throws Exception {
        ServiceProcess leaving = startUsers();

        leaving.signalTerminate();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> leaving.firstLine("deregistered").isPresent());

        assertThat(RawHttp.status(leaving.port, "GET /user1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                .as("still answering during the grace after deregistering").isEqualTo(200);
    }

    @Test
    void aKilledInstanceDropsOutWhenItsRegistrationExpiresWhileRetryHidesIt() throws Exception {
        ServiceProcess staying = startUsers();
        ServiceProcess killed = startUsers();
        try (Load load = new Load(gateway.port())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> staying.served() > 0 && killed.served() > 0);
            killed.kill();
            Instant killedAt = Instant.now();
            long stayingBefore = staying.served();
            await().atMost(registry.killedInstanceDropsOutWithin()).until(() -> SeedSystemViews.instances(gateway, "users").size() == 1);
            assertThat(Duration.between(killedAt, Instant.now())).isLessThan(registry.killedInstanceDropsOutWithin());
            assertThat(staying.served()).isGreaterThan(stayingBefore);
            assertThat(load.errors).isEmpty();
        }
    }

    @Test
    void theGatewayRidesOutARegistryOutageAndPicksUpChangesAfterIt() throws Exception {
        ServiceProcess first = startUsers();
        try (Load load = new Load(gateway.port())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> first.served() > 0);
            registry.stop();
            long servedBefore = first.served();
            Thread.sleep(3_000);
            long warningsEarly = outageWarnings();
            Thread.sleep(7_000);
            assertThat(first.served()).as("kept serving from the last known set").isGreaterThan(servedBefore + 100);
            assertThat(warningsEarly).as("the outage is logged").isPositive();
            assertThat(outageWarnings()).as(() -> "logged when it starts, not again on every retry: " + logs.list.stream()
                    .filter(e -> e.getLoggerName().startsWith("io.javakit") && e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN))
                    .map(e -> e.getTimeStamp() % 100_000 + " " + e.getLoggerName() + " " + e.getFormattedMessage() + " " + e.getKeyValuePairs()).toList())
                    .isEqualTo(warningsEarly);
            registry.start();

            ServiceProcess second = startUsers();
            await().atMost(Duration.ofSeconds(30)).until(() -> second.served() > 0);
            assertThat(load.errors).isEmpty();
        }
    }

    /** Warnings from javakit's own components (the registry clients' chatter is silenced in production). */
    private long outageWarnings() {
        return logs.list.stream().filter(e -> e.getLoggerName().startsWith("io.javakit")
                && e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN)).count();
    }
}
