package io.javakit.transport.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javakit.endpoint.BadRequestException;
import io.javakit.endpoint.NotFoundException;
import io.javakit.endpoint.RequestContext;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

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
}
