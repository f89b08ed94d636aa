package io.javakit.transport.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javakit.endpoint.BadRequestException;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.NotFoundException;
import io.javakit.endpoint.RequestContext;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RouterTest {
    private final Router router = Router.builder()
            .get("/users/{name}", (ctx, req) -> HttpResponse.json(200, ("user " + req.pathVariable("name")).getBytes(StandardCharsets.UTF_8)))
            .post("/users/{name}", (ctx, req) -> HttpResponse.json(201, new byte[0]))
            .get("/health", (ctx, req) -> HttpResponse.json(200, new byte[0]))
            .build();

    private HttpResponse call(String method, String path) throws Exception {
        return router.call(RequestContext.background(), HttpRequest.of(method, path));
    }

    @Test
    void matchesLiteralsAndDecodesVariables() throws Exception {
        assertThat(call("GET", "/users/J%C3%BCrgen").bodyText()).isEqualTo("user Jürgen");
        assertThat(call("POST", "/users/x").status()).isEqualTo(201);
        assertThat(call("GET", "/health").status()).isEqualTo(200);
    }

    @Test
    void unknownPathsEmptyVariablesAndExtraSegmentsAreNotFound() {
        for (String path : new String[] {"/nope", "/users/", "/users", "/users/a/b", "/health/x", "/"}) {
            assertThatThrownBy(() -> call("GET", path)).as(path).isInstanceOf(NotFoundException.class);
        }
    }

    @Test
    void aKnownPathWithAnotherMethodIs405WithAllow() throws Exception {
        HttpResponse response = call("DELETE", "/users/x");
        assertThat(response.status()).isEqualTo(405);
        assertThat(response.headers().first("allow")).contains("GET, POST");
    }

    @Test
    void hostileVariablesAreBadRequests() {
        for (String path : new String[] {"/users/a%2Fb", "/users/..", "/users/%00", "/users/a%0D%0A", "/users/%G1"}) {
            assertThatThrownBy(() -> call("GET", path)).as(path).isInstanceOf(BadRequestException.class);
        }
    }

    private static Endpoint<HttpRequest, HttpResponse> answering(String who) {
        return (ctx, req) -> HttpResponse.json(200, (who + " " + req.path()).getBytes(StandardCharsets.UTF_8));
    }

    private static String body(Router router, String method, String path) throws Exception {
        return router.call(RequestContext.background(), HttpRequest.of(method, path)).bodyText();
    }

    @Test
    void aMountCoversItsPrefixAndWhatLiesUnderItSegmentBySegment() throws Exception {
        Router mounted = Router.builder().mount("/admin", answering("admin")).build();

        assertThat(body(mounted, "GET", "/admin")).isEqualTo("admin /admin");
        assertThat(body(mounted, "DELETE", "/admin/x/y?z=1")).isEqualTo("admin /admin/x/y");
        assertThat(body(mounted, "GET", "/admin/")).isEqualTo("admin /admin/");
        for (String path : new String[] {"/administrator", "/adm", "/", "/x/admin"}) {
            assertThatThrownBy(() -> body(mounted, "GET", path)).as(path).isInstanceOf(NotFoundException.class);
        }
    }

    @Test
    void routesComeBeforeMountsAndTheLongestMountWins() throws Exception {
        Router mounted = Router.builder()
                .mount("/", answering("root"))
                .mount("/admin/faults", answering("faults"))
                .mount("/admin", answering("admin"))
                .get("/admin/status", answering("route"))
                .build();

        assertThat(body(mounted, "GET", "/admin/status")).isEqualTo("route /admin/status");
        assertThat(body(mounted, "GET", "/admin/faults/slow")).isEqualTo("faults /admin/faults/slow");
        assertThat(body(mounted, "GET", "/admin/other")).isEqualTo("admin /admin/other");
        assertThat(body(mounted, "GET", "/users/a")).isEqualTo("root /users/a");
        assertThat(body(mounted, "GET", "/")).isEqualTo("root /");
        HttpResponse otherMethod = mounted.call(RequestContext.background(), HttpRequest.of("PUT", "/admin/status"));
        assertThat(otherMethod.status()).as("a path a route knows stays the route's").isEqualTo(405);
    }

    @Test
    void aMountedRouterAnswersItsOwn404WithoutFallingThroughToAShorterMount() {
        Router mounted = Router.builder()
                .mount("/admin", Router.builder().get("/admin/faults", answering("faults")).build())
                .mount("/", answering("root"))
                .build();

        assertThatThrownBy(() -> body(mounted, "GET", "/admin/nothing-here")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aMountedRouterSeesTheWholePathAndItsOwnVariables() throws Exception {
        Router faults = Router.builder()
                .route("PUT", "/admin/faults/{fault}", (ctx, req) ->
                        HttpResponse.json(200, ("fault " + req.pathVariable("fault")).getBytes(StandardCharsets.UTF_8)))
                .build();
        Router mounted = Router.builder().mount("/admin/faults", faults).get("/{name}", answering("user")).build();

        assertThat(body(mounted, "PUT", "/admin/faults/sl%6Fw")).isEqualTo("fault slow");
        assertThat(body(mounted, "GET", "/admin")).as("outside the mount, the routes").isEqualTo("user /admin");
    }

    @Test
    void aMountPrefixIsSlashOrLiteralSegmentsMountedOnce() {
        for (String prefix : new String[] {"admin", "/admin/", "//admin", "/{tenant}", ""}) {
            assertThatThrownBy(() -> Router.builder().mount(prefix, answering("x"))).as(prefix)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("prefix: '" + prefix + "'");
        }
        assertThatThrownBy(() -> Router.builder().mount("/admin", answering("a")).mount("/admin", answering("b")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("prefix: '/admin' (expected: not mounted already)");
    }
}
