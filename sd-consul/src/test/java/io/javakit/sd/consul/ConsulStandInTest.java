package io.javakit.sd.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Holds the stand-in to Consul's documented behaviour, speaking raw HTTP to it, so that the client, registrar and
 * instancer suites test against something that behaves like Consul where it matters. (It is not a real agent; see
 * {@link ConsulStandIn}.)
 */
class ConsulStandInTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private ConsulStandIn consul = ConsulStandIn.startDefault();

    @AfterEach
    void stop() {
        consul.close();
        http.close();
    }

    private HttpResponse<String> send(String method, String pathAndQuery, String body, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + consul.address() + pathAndQuery))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("X-Consul-Token", token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return send("GET", pathAndQuery, null, null);
    }

    private void register(String json) throws Exception {
        assertThat(send("PUT", "/v1/agent/service/register", json, null).statusCode()).isEqualTo(200);
    }

    private static long index(HttpResponse<?> response) {
        return Long.parseLong(response.headers().firstValue("X-Consul-Index").orElseThrow());
    }

    private static String ttlService(String id, String name, String status) {
        return """
                {"ID":"%s","Name":"%s","Address":"10.0.0.1","Port":8080,"Tags":["v1","Blue"],
                 "Check":{"TTL":"10s","Status":"%s"}}""".formatted(id, name, status);
    }

    @Test
    void aBlockingQueryAnswersAsSoonAsTheIndexMovesPastTheOneAskedFor() throws Exception {
        long index = index(get("/v1/health/service/web"));
        CompletableFuture<HttpResponse<String>> blocked = http.sendAsync(HttpRequest.newBuilder(
                URI.create("http://" + consul.address() + "/v1/health/service/web?index=" + index + "&wait=20s")).build(),
                HttpResponse.BodyHandlers.ofString());
        Thread.sleep(200); // the query must be parked before the change for this to prove anything
        assertThat(blocked).isNotDone();

        long start = System.nanoTime();
        register(ttlService("web-1", "web", "passing"));
        HttpResponse<String> answer = blocked.get();

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(index(answer)).isGreaterThan(index);
        assertThat(JSON.readTree(answer.body())).hasSize(1);
    }

    @Test
    void aBlockingQueryWithoutChangeAnswersAfterTheWaitPlusAtMostASixteenthWithTheSameIndex() throws Exception {
        long index = index(get("/v1/health/service/web"));
        long start = System.nanoTime();
        HttpResponse<String> answer = get("/v1/health/service/web?index=" + index + "&wait=800ms");
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).isBetween(Duration.ofMillis(800), Duration.ofMillis(800 + 50 + 300));
        assertThat(index(answer)).isEqualTo(index);
        assertThat(answer.body()).isEqualTo("[]");
    }

    @Test
    void anIndexAheadOfConsulsBlocksUntilTheWaitRunsOut() throws Exception {
        // Why a client must reset to 0 when the index goes backwards: asking with the old, higher index blocks.
        long index = index(get("/v1/health/service/web"));
        long start = System.nanoTime();
        get("/v1/health/service/web?index=" + (index + 100) + "&wait=500ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
    }

    @Test
    void neverSendsIndexZeroAndAnswersEmptyAsAnEmptyArray() throws Exception {
        consul.restartForgettingEverything();
        HttpResponse<String> answer = get("/v1/health/service/nothing");
        assertThat(index(answer)).isGreaterThanOrEqualTo(1);
        assertThat(answer.body()).isEqualTo("[]");
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
    }

    @Test
    void passingDropsAnEntryWhenAnyCheckIsNotPassingNodeChecksIncluded() throws Exception {
        register(ttlService("web-1", "web", "passing"));
        register(ttlService("web-2", "web", "warning"));

        assertThat(JSON.readTree(get("/v1/health/service/web").body())).hasSize(2);
        assertThat(ids(get("/v1/health/service/web?passing=1").body())).containsExactly("web-1");

        consul.setNodeHealth("critical");
        assertThat(JSON.readTree(get("/v1/health/service/web?passing").body())).isEmpty();
        assertThat(JSON.readTree(get("/v1/health/service/web").body())).hasSize(2);
    }

    @Test
    void passingTakesAGoBoolAndRejectsAnythingElseWithConsulsText() throws Exception {
        register(ttlService("web-1", "web", "critical"));
        assertThat(JSON.readTree(get("/v1/health/service/web?passing").body())).isEmpty();
        assertThat(JSON.readTree(get("/v1/health/service/web?passing=true").body())).isEmpty();
        assertThat(JSON.readTree(get("/v1/health/service/web?passing=0").body())).hasSize(1);

        HttpResponse<String> bad = get("/v1/health/service/web?passing=maybe");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).isEqualTo("Invalid value for ?passing");
    }

    @Test
    void repeatedTagsAreAndedCaseInsensitively() throws Exception {
        register(ttlService("web-1", "web", "passing"));
        register("""
                {"ID":"web-2","Name":"web","Address":"10.0.0.2","Port":8080,"Tags":["v1"],"Check":{"TTL":"10s","Status":"passing"}}""");

        assertThat(ids(get("/v1/health/service/web?tag=v1").body())).containsExactlyInAnyOrder("web-1", "web-2");
        assertThat(ids(get("/v1/health/service/web?tag=v1&tag=blue").body())).containsExactly("web-1");
        assertThat(ids(get("/v1/health/service/web?tag=v2").body())).isEmpty();
    }

    @Test
    void badParametersAre400WithConsulsPlainText() throws Exception {
        assertThat(get("/v1/health/service/web?index=1&wait=soon")).satisfies(r -> {
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).isEqualTo("Invalid wait time");
            assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
        });
        assertThat(get("/v1/health/service/web?index=-3").body()).isEqualTo("Invalid index");
        assertThat(get("/v1/health/service/").body()).isEqualTo("Missing service name");
        assertThat(send("PUT", "/v1/agent/service/register", "{\"Port\":80}", null).body()).isEqualTo("Missing service name");
        assertThat(send("PUT", "/v1/agent/service/register", "{\"Name\":\"x\",\"Check\":{\"Interval\":\"1s\"}}", null)
                .body()).isEqualTo("Invalid check: TTL must be > 0 for TTL checks");
        assertThat(get("/v1/health/service/web?dc=dc9")).satisfies(r -> {
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.body()).isEqualTo("No path to datacenter");
        });
    }

    @Test
    void unknownChecksAre404AndNonTtlChecksAre500WithConsulsText() throws Exception {
        HttpResponse<String> unknown = send("PUT", "/v1/agent/check/pass/nope", null, null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo("Unknown check ID \"nope\". Ensure that the check ID is passed, not the check name.");

        register("""
                {"ID":"web-1","Name":"web","Port":8080,"Check":{"HTTP":"http://127.0.0.1:1/health","Interval":"10s"}}""");
        HttpResponse<String> notTtl = send("PUT", "/v1/agent/check/pass/service:web-1", null, null);
        assertThat(notTtl.statusCode()).isEqualTo(500);
        assertThat(notTtl.body()).isEqualTo("CheckID \"service:web-1\" does not have associated TTL");
    }

    @Test
    void aWrongMethodIs405WithAnAllowHeader() throws Exception {
        HttpResponse<String> response = send("GET", "/v1/agent/service/register", null, null);
        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.body()).isEqualTo("method GET not allowed");
        assertThat(response.headers().firstValue("Allow")).hasValue("OPTIONS,PUT");
    }

    @Test
    void aTtlCheckNotPassedInTimeTurnsCriticalAndTheReaperRemovesItsService() throws Exception {
        consul.close();
        consul = ConsulStandIn.builder().reaper(Duration.ofMillis(100), Duration.ofMillis(600)).start();
        register("""
                {"ID":"web-1","Name":"web","Port":8080,
                 "Check":{"TTL":"300ms","Status":"passing","DeregisterCriticalServiceAfter":"100ms"}}""");
        assertThat(send("PUT", "/v1/agent/check/pass/service:web-1", null, null).statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(1)).until(() -> "critical".equals(consul.checkStatus("service:web-1")));
        assertThat(ids(get("/v1/health/service/web?passing=1").body())).isEmpty();
        // DeregisterCriticalServiceAfter is raised to the minimum (600 ms here, one minute in Consul).
        assertThat(consul.hasService("web-1")).isTrue();
        await().atMost(Duration.ofSeconds(2)).until(() -> !consul.hasService("web-1"));
        assertThat(get("/v1/health/service/web").body()).isEqualTo("[]");
    }

    @Test
    void passingAnUnchangedCheckDoesNotMoveTheIndex() throws Exception {
        register(ttlService("web-1", "web", "passing"));
        long before = consul.index();
        send("PUT", "/v1/agent/check/pass/service:web-1", null, null);
        assertThat(consul.index()).isEqualTo(before);
        send("PUT", "/v1/agent/check/pass/service:web-1?note=busy", null, null);
        assertThat(consul.index()).isGreaterThan(before);
    }

    @Test
    void httpChecksAreProbed() throws Exception {
        AtomicInteger status = new AtomicInteger(200);
        HttpServer instance = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        instance.createContext("/health", e -> {
            e.sendResponseHeaders(status.get(), -1);
            e.close();
        });
        instance.start();
        try {
            register("""
                    {"ID":"web-1","Name":"web","Port":%d,"Check":{"HTTP":"http://127.0.0.1:%d/health","Interval":"100ms"}}"""
                    .formatted(instance.getAddress().getPort(), instance.getAddress().getPort()));

            await().atMost(Duration.ofSeconds(3)).until(() -> "passing".equals(consul.checkStatus("service:web-1")));
            status.set(429);
            await().atMost(Duration.ofSeconds(3)).until(() -> "warning".equals(consul.checkStatus("service:web-1")));
            status.set(503);
            await().atMost(Duration.ofSeconds(3)).until(() -> "critical".equals(consul.checkStatus("service:web-1")));
        } finally {
            instance.stop(0);
        }
    }

    @Test
    void aclModeRefusesUnknownTokensAndAnonymousWritesAndHidesServicesFromAnonymousReads() throws Exception {
        consul.close();
        consul = ConsulStandIn.builder().aclToken("s3cret").start();

        HttpResponse<String> anonymousWrite = send("PUT", "/v1/agent/service/register", ttlService("web-1", "web", "passing"), null);
        assertThat(anonymousWrite.statusCode()).isEqualTo(403);
        assertThat(anonymousWrite.body()).startsWith("Permission denied: anonymous token lacks permission 'service:write' on \"web\"");

        assertThat(send("PUT", "/v1/agent/service/register", ttlService("web-1", "web", "passing"), "s3cret").statusCode())
                .isEqualTo(200);

        HttpResponse<String> unknownToken = send("GET", "/v1/health/service/web", null, "guess");
        assertThat(unknownToken.statusCode()).isEqualTo(403);
        assertThat(unknownToken.body()).isEqualTo("ACL not found");

        HttpResponse<String> anonymousRead = get("/v1/health/service/web");
        assertThat(anonymousRead.statusCode()).isEqualTo(200);
        assertThat(anonymousRead.body()).isEqualTo("[]");
        assertThat(anonymousRead.headers().firstValue("X-Consul-Default-ACL-Policy")).hasValue("deny");

        assertThat(ids(send("GET", "/v1/health/service/web", null, "s3cret").body())).containsExactly("web-1");
        assertThat(ids(get("/v1/health/service/web?token=s3cret").body())).containsExactly("web-1");
        HttpResponse<String> bearer = http.send(HttpRequest.newBuilder(URI.create("http://" + consul.address()
                + "/v1/health/service/web")).header("Authorization", "Bearer s3cret").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ids(bearer.body())).containsExactly("web-1");
    }

    @Test
    void acceptsTheDocumentedRegisterPayloadAndSnakeCaseKeys() throws Exception {
        register(resource("consul-samples/docs/agent-service-register.json"));
        register("""
                {"id":"web-9","name":"web","address":"10.0.0.9","port":9090,
                 "check":{"check_id":"web-9-ttl","ttl":"10s","status":"passing","deregister_critical_service_after":"90m"}}""");

        JsonNode redis = JSON.readTree(get("/v1/health/service/redis").body()).get(0);
        assertThat(redis.at("/Service/ID").asText()).isEqualTo("redis1");
        assertThat(redis.at("/Service/Port").asInt()).isEqualTo(8000);
        assertThat(redis.at("/Checks/0/CheckID").asText()).isEqualTo("service:redis1");
        assertThat(redis.at("/Checks/0/Status").asText()).isEqualTo("critical");
        assertThat(ids(get("/v1/health/service/web?passing").body())).containsExactly("web-9");
        assertThat(consul.checkStatus("web-9-ttl")).isEqualTo("passing");
    }

    @Test
    void answersWithTheFieldNamesAndTypesOfConsulsDocumentedSample() throws Exception {
        register(ttlService("redis", "redis", "passing"));
        JsonNode ours = JSON.readTree(get("/v1/health/service/redis").body()).get(0);
        JsonNode documented = JSON.readTree(resource("consul-samples/docs/health-service.json")).get(0);

        ConsulSamplesTest.assertSameShape("", documented, ours);
    }

    static String resource(String name) throws IOException {
        try (InputStream in = ConsulStandInTest.class.getClassLoader().getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<String> ids(String body) throws IOException {
        List<String> ids = new ArrayList<>();
        JSON.readTree(body).forEach(e -> ids.add(e.at("/Service/ID").asText()));
        return ids;
    }
}
