package io.javakit.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MiddlewareTest {

    private static Middleware<String, String> tracing(String name, List<String> seen) {
        return next -> (ctx, req) -> {
            seen.add(name + ">");
            String res = next.call(ctx, req + name);
            seen.add("<" + name);
            return res;
        };
    }

    @Test
    void chainPutsTheFirstMiddlewareOutermost() throws Exception {
        List<String> seen = new ArrayList<>();
        Endpoint<String, String> echo = (ctx, req) -> req;

        Endpoint<String, String> chained = Middleware.chain(tracing("a", seen), tracing("b", seen)).wrap(echo);

        assertThat(chained.call(RequestContext.background(), "")).isEqualTo("ab");
        assertThat(seen).containsExactly("a>", "b>", "<b", "<a");
    }

    @Test
    void andThenReadsInRequestOrderLikeChain() throws Exception {
        List<String> seen = new ArrayList<>();
        Endpoint<String, String> echo = (ctx, req) -> req;

        Endpoint<String, String> chained = tracing("a", seen).andThen(tracing("b", seen)).andThen(tracing("c", seen)).wrap(echo);

        assertThat(chained.call(RequestContext.background(), "")).isEqualTo("abc");
        assertThat(seen).containsExactly("a>", "b>", "c>", "<c", "<b", "<a");
    }

    @Test
    void namedLayersDescribeTheChain() {
        Endpoint<String, String> echo = Endpoint.named("echo", (ctx, req) -> req);
        Middleware<String, String> logging = Middleware.named("logging", Middleware.identity());
        Middleware<String, String> retry = Middleware.named("retry", Middleware.identity());

        assertThat(Middleware.chain(logging, retry).wrap(echo)).hasToString("logging -> retry -> echo");
    }
}
