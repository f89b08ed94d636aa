package io.javakit.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.RequestContext;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class FaultInjectionTest {
    private final FaultInjection faults = new FaultInjection();
    private final Endpoint<HttpRequest, HttpResponse> serving = faults.serving(
            (ctx, req) -> HttpResponse.json(200, ("served " + req.path()).getBytes(StandardCharsets.UTF_8)));

    private HttpResponse call(String method, String path) throws Exception {
        return serving.call(RequestContext.background(), HttpRequest.of(method, path));
    }

    @Test
    void theControlAnswersUnderItsPathAndEveryOtherPathReachesTheFaultyHandler() throws Exception {
        assertThat(call("PUT", "/admin/faults/fail").bodyText()).isEqualTo("{\"fault\":\"fail\"}");

        assertThat(call("GET", "/admin/faults").bodyText()).isEqualTo("{\"fault\":\"fail\"}");
        assertThat(call("GET", "/alice").status()).as("the injected failure").isEqualTo(500);
        assertThat(call("PUT", "/admin/faults/none").status()).isEqualTo(200);
        assertThat(call("GET", "/admin").bodyText()).as("a name, not the control").isEqualTo("served /admin");
        assertThat(call("GET", "/admin/faultsx").bodyText()).isEqualTo("served /admin/faultsx");
    }
}
