package io.javakit.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.javakit.console.ConsoleModel.Fault;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.Headers;
import io.javakit.endpoint.RequestContext;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.javakit.transport.http.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsoleTest {
    private static final Instant START = Instant.parse("2026-01-01T12:00:00Z");

    private final MutableClock clock = new MutableClock(START);
    private final FakeModel model = new FakeModel(clock);
    private final Endpoint<HttpRequest, HttpResponse> console = Console.handler(model);

    private HttpResponse call(Endpoint<HttpRequest, HttpResponse> handler, HttpRequest request) throws Exception {
        return handler.call(RequestContext.background(), request);
    }

    private HttpResponse get(String path) throws Exception {
        return call(console, HttpRequest.of("GET", path));
    }

    private HttpResponse post(String path) throws Exception {
        return call(console, HttpRequest.of("POST", path));
    }

    private static JsonNode json(HttpResponse response) throws Exception {
        assertThat(response.headers().first("content-type")).contains(HttpResponse.JSON);
        return Json.mapper().readTree(response.body());
    }

    private JsonNode instance(String address) throws Exception {
        for (JsonNode service : json(get("/api/snapshot")).get("services")) {
            for (JsonNode instance : service.get("instances")) {
                if (instance.get("address").asText().equals(address)) {
                    return instance;
                }
            }
        }
        throw new AssertionError("no instance " + address);
    }

    @Test
    void servesThePageItsStyleAndItsScriptAtTheRootAndUnderConsole() throws Exception {
        for (String prefix : List.of("", "/console")) {
            HttpResponse page = get(prefix + "/");
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.headers().first("content-type")).contains("text/html; charset=utf-8");
            assertThat(page.headers().first("content-security-policy")).hasValueSatisfying(csp ->
                    assertThat(csp).contains("default-src 'self'", "frame-ancestors 'none'"));
            assertThat(page.bodyText()).contains("<script src=\"console.js\" defer></script>", "href=\"console.css\"");
            assertThat(get(prefix + "/console.css").headers().first("content-type")).contains("text/css; charset=utf-8");
            assertThat(get(prefix + "/console.js").headers().first("content-type")).contains("text/javascript; charset=utf-8");
        }
        HttpResponse redirect = get("/console");
        assertThat(redirect.status()).isEqualTo(308);
        assertThat(redirect.headers().first("location")).contains("/console/");
    }

    @Test
    void snapshotListsEveryServiceAndInstanceAsJson() throws Exception {
        HttpResponse response = get("/api/snapshot");
        assertThat(response.headers().first("cache-control")).contains("no-store");
        JsonNode snapshot = json(response);

        assertThat(snapshot.get("at").asText()).isEqualTo("2026-01-01T12:00:00Z");
        assertThat(snapshot.get("faultsEnabled").asBoolean()).isTrue();
        assertThat(snapshot.get("services").findValuesAsText("name")).containsExactly("users", "products");
        assertThat(snapshot.get("services").findValuesAsText("address")).containsExactly(
                "localhost:8080", "localhost:8081", "localhost:8082", "localhost:8083", "localhost:8084", "localhost:8085");
        JsonNode first = snapshot.get("services").get(0).get("instances").get(0);
        assertThat(first.get("health").asText()).isEqualTo("up");
        assertThat(first.get("breaker").asText()).isEqualTo("closed");
        assertThat(first.get("requestsPerSecond").asDouble()).isEqualTo(10.0);
        assertThat(first.get("p99Millis").asDouble()).isEqualTo(2.5);
        assertThat(first.get("fault").asText()).isEqualTo("none");
        assertThat(snapshot.get("recentErrors")).isEmpty();
    }

    @Test
    void snapshotNamesTheBalancerAndRetryPolicyTheModelReports() throws Exception {
        JsonNode users = json(get("/api/snapshot")).get("services").get(0);
        assertThat(users.get("balancer").asText()).isEqualTo(FakeModel.BALANCER);
        assertThat(users.get("retry").asText()).isEqualTo(FakeModel.RETRY);

        model.policy("users", "round robin", "none");
        JsonNode services = json(get("/api/snapshot")).get("services");
        assertThat(services.get(0).get("balancer").asText()).isEqualTo("round robin");
        assertThat(services.get(0).get("retry").asText()).isEqualTo("none");
        assertThat(services.get(1).get("balancer").asText()).isEqualTo(FakeModel.BALANCER);
    }

    @Test
    void snapshotCarriesEachInstancesLastMinuteOnePointASecondOldestFirst() throws Exception {
        JsonNode fresh = instance("localhost:8081");
        assertThat(fresh.get("requestsPerSecondLastMinute")).isEmpty();
        assertThat(fresh.get("p99MillisLastMinute")).isEmpty();

        clock.advance(Duration.ofSeconds(3));
        post("/api/faults/localhost:8081/slow");
        clock.advance(Duration.ofMillis(2_500));
        JsonNode slowed = instance("localhost:8081");
        assertThat(slowed.get("requestsPerSecondLastMinute").toString()).isEqualTo("[10.0,10.0,10.0,10.0,10.0]");
        assertThat(slowed.get("p99MillisLastMinute").toString()).isEqualTo("[3.0,3.0,3.0,250.0,250.0]");

        clock.advance(Duration.ofMinutes(5));
        JsonNode later = instance("localhost:8081");
        assertThat(later.get("requestsPerSecondLastMinute")).hasSize(ConsoleModel.InstanceView.LAST_MINUTE_POINTS);
        assertThat(later.get("p99MillisLastMinute")).hasSize(ConsoleModel.InstanceView.LAST_MINUTE_POINTS)
                .allSatisfy(point -> assertThat(point.asDouble()).isEqualTo(FakeModel.SLOW_P99_MILLIS));
    }

    @Test
    void stoppingAnInstanceOpensItsBreakerAndMovesItsTrafficToTheOthers() throws Exception {
        HttpResponse response = post("/api/faults/localhost%3A8081/stop");

        assertThat(response.status()).isEqualTo(200);
        assertThat(json(response).toString()).isEqualTo("{\"instance\":\"localhost:8081\",\"fault\":\"stop\"}");
        assertThat(model.active()).isEqualTo(Map.of("localhost:8081", Fault.STOP));
        JsonNode stopped = instance("localhost:8081");
        assertThat(stopped.get("breaker").asText()).isEqualTo("open");
        assertThat(stopped.get("health").asText()).isEqualTo("down");
        assertThat(stopped.get("fault").asText()).isEqualTo("stop");
        assertThat(stopped.get("requestsPerSecond").asDouble()).isZero();
        assertThat(instance("localhost:8080").get("requestsPerSecond").asDouble()).isEqualTo(15.0, within(1e-9));
        assertThat(instance("localhost:8082").get("requestsPerSecond").asDouble()).isEqualTo(15.0, within(1e-9));
        assertThat(instance("localhost:8083").get("requestsPerSecond").asDouble()).isEqualTo(10.0, within(1e-9));
        JsonNode error = json(get("/api/snapshot")).get("recentErrors").get(0);
        assertThat(error.get("instance").asText()).isEqualTo("localhost:8081");
        assertThat(error.get("kind").asText()).isEqualTo("unavailable");
        assertThat(error.get("at").asText()).isEqualTo("2026-01-01T12:00:00Z");
    }

    @Test
    void restoringAnInstanceHalfOpensItsBreakerUntilTrialCallsSucceed() throws Exception {
        post("/api/faults/localhost:8084/fail");
        assertThat(post("/api/faults/localhost:8084/NONE").status()).isEqualTo(200);

        assertThat(model.active()).isEmpty();
        assertThat(instance("localhost:8084").get("breaker").asText()).isEqualTo("half_open");
        clock.advance(FakeModel.HALF_OPEN_FOR);
        assertThat(instance("localhost:8084").get("breaker").asText()).isEqualTo("closed");
        assertThat(instance("localhost:8084").get("requestsPerSecond").asDouble()).isEqualTo(10.0, within(1e-9));
    }

    @Test
    void countersAdvanceWithTheClock() throws Exception {
        get("/api/snapshot");
        clock.advance(Duration.ofSeconds(3));
        assertThat(instance("localhost:8080").get("requests").asLong()).isEqualTo(30);
    }

    @Test
    void anUnknownFaultIsA400ThatListsTheFaults() throws Exception {
        HttpResponse response = post("/api/faults/localhost:8081/explode");

        assertThat(response.status()).isEqualTo(400);
        JsonNode body = json(response);
        assertThat(body.get("error").asText()).isEqualTo("bad_request");
        assertThat(body.get("message").asText()).isEqualTo("fault: explode (expected: none, stop, hang, slow, fail)");
        assertThat(model.active()).isEmpty();
    }

    @Test
    void anUnknownInstanceIsA404() throws Exception {
        HttpResponse response = post("/api/faults/localhost:9999/stop");

        assertThat(response.status()).isEqualTo(404);
        assertThat(json(response).get("message").asText()).isEqualTo("no instance localhost:9999");
    }

    @Test
    void malformedPathsAreJsonErrors() throws Exception {
        assertThat(json(post("/api/faults/..%2F/stop")).get("error").asText()).isEqualTo("bad_request");
        assertThat(post("/api/faults/..%2F/stop").status()).isEqualTo(400);
        assertThat(get("/api/faults/localhost:8081/stop").status()).isEqualTo(405);
        assertThat(get("/index.html").status()).isEqualTo(404);
        assertThat(json(get("/etc/passwd")).get("error").asText()).isEqualTo("not_found");
    }

    @Test
    void aPostFromAnotherOriginIsRefused() throws Exception {
        HttpResponse foreign = call(console, new HttpRequest("POST", "/api/faults/localhost:8081/stop", "",
                Headers.of("host", "127.0.0.1:9000", "origin", "http://evil.example"), null, null, null));
        assertThat(foreign.status()).isEqualTo(403);
        assertThat(json(foreign).get("error").asText()).isEqualTo("forbidden");
        assertThat(model.active()).isEmpty();

        HttpResponse own = call(console, new HttpRequest("POST", "/api/faults/localhost:8081/stop", "",
                Headers.of("host", "127.0.0.1:9000", "origin", "http://127.0.0.1:9000"), null, null, null));
        assertThat(own.status()).isEqualTo(200);
    }

    @Test
    void withoutAFaultControlThereIsNoFaultRoute() throws Exception {
        ConsoleModel readOnly = model::snapshot;
        Endpoint<HttpRequest, HttpResponse> handler = Console.handler(readOnly);

        HttpResponse response = call(handler, HttpRequest.of("POST", "/api/faults/localhost:8081/stop"));
        assertThat(response.status()).isEqualTo(404);
        assertThat(json(response).get("error").asText()).isEqualTo("not_found");
        JsonNode snapshot = json(call(handler, HttpRequest.of("GET", "/api/snapshot")));
        assertThat(snapshot.get("faultsEnabled").asBoolean()).isFalse();
        assertThat(snapshot.get("services").findValuesAsText("fault")).containsOnly("none");
    }
}
