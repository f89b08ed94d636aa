package io.javakit.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.javakit.console.ConsoleModel.Fault;
import io.javakit.example.SeedSystem.Backend;
import io.javakit.example.users.UserService;
import io.javakit.sd.Lifecycle;
import io.javakit.transport.http.HttpServer;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The seed's fixed-list layout restarted under load, and graceful drains with a request really in flight. */
@Timeout(120)
class RestartsAndDrainTest {
    private final HttpClient client = HttpClient.newHttpClient();

    @Test
    void restartingFixedInstancesOneAtATimeUnderConcurrentLoadLosesNoCall() throws Exception {
        // closed-loop load far above the seed's 100 requests/s per instance: without the limiter, which would answer 429 by design
        try (SeedSystem system = new SeedSystem(SeedSystem.unlimited()); Load load = new Load(system.gateway.port(), 8, Duration.ZERO)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > 200);
            for (Backend instance : system.users) {
                instance.stop();
                Thread.sleep(1500); // down a while, as a process restarting would be
                instance.start();
                int before = instance.paths.size();
                await(instance.instance() + " back in rotation").atMost(Duration.ofSeconds(10))
                        .until(() -> instance.paths.size() > before + 20);
            }
            int served = load.ok.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > served + 200);
            load.close();
            assertThat(load.errors).as("what clients saw go wrong; the gateway saw %s", system.view("users").recentErrors()).isEmpty();
            assertThat(system.view("users").instances()).allSatisfy(i -> assertThat(i.pickable()).isTrue());
        }
    }

    @Test
    void aServiceClosingWithARequestInFlightFinishesItThenRefusesNewConnections() throws Exception {
        Lifecycle lifecycle = Lifecycle.builder().grace(Duration.ofMillis(300)).build();
        Backend service = new Backend(Backends.users(UserService.inMemory(), "users-draining", true, lifecycle::isReady));
        HttpServer server = service.server();
        lifecycle.started(server);
        service.faults.set(Fault.SLOW); // each answer takes 200 ms: one is surely in flight when close begins
        CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port + "/user1")).build(), BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(2)).until(() -> !service.paths.isEmpty()); // it reached the service

        Thread closing = Thread.ofVirtual().start(lifecycle::close);
        await().atMost(Duration.ofSeconds(1)).until(() -> !lifecycle.isReady());
        assertThat(inFlight.get().statusCode()).isEqualTo(200);
        assertThat(inFlight.get().body()).isEqualTo("{\"id\":1,\"name\":\"user1\"}");
        closing.join();
        assertThat(server.isRunning()).isFalse();
        assertThat(CompletableFuture.supplyAsync(() -> {
            try {
                return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port + "/user1")).build(),
                        BodyHandlers.ofString()).statusCode();
            } catch (Exception e) {
                return e;
            }
        }).get()).isInstanceOf(ConnectException.class);
    }
}
