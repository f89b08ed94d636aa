package io.javakit.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Go kit's request and response are {@code interface{}}, so wiring an endpoint to the wrong codec fails at run
 * time. Here the compiler refuses: each case compiles a small wiring against the real classes, once correct (to
 * prove the setup) and once wrong.
 */
class TypeSafetyTest {
    private static final String IMPORTS = """
            import io.javakit.endpoint.*;
            import io.javakit.example.*;
            import io.javakit.example.users.*;
            import io.javakit.example.products.*;
            import io.javakit.transport.http.*;
            import java.net.URI;
            """;

    @TempDir
    Path out;

    private String compile(String body) throws Exception {
        String source = IMPORTS + "class Wiring {\n" + body + "\n}\n";
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///Wiring.java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        StringWriter errors = new StringWriter();
        boolean ok = javac.getTask(errors, null, null,
                List.of("-proc:none", "-d", Files.createDirectories(out).toString(), "-cp", System.getProperty("java.class.path")),
                null, List.of(file)).call();
        return ok ? "" : errors.toString();
    }

    @Test
    void aClientEndpointDecodingTheWrongResponseTypeDoesNotCompile() throws Exception {
        String wiring = """
                Endpoint<ByName, User> users(HttpClient client) {
                    return HttpClientTransport.endpoint(client, "GET", URI.create("http://localhost:8080"),
                            (ctx, req) -> OutgoingRequest.path(req.name()), Json.decoder(%s.class));
                }""";

        assertThat(compile(wiring.formatted("User"))).isEmpty();
        assertThat(compile(wiring.formatted("Product"))).contains("incompatible");
    }

    @Test
    void aServerDecoderProducingTheWrongRequestTypeDoesNotCompile() throws Exception {
        String wiring = """
                Endpoint<HttpRequest, HttpResponse> handler(Endpoint<ByName, User> users) {
                    return HttpServerTransport.serve((ctx, req) -> %s, users, Json.encoder());
                }""";

        assertThat(compile(wiring.formatted("new ByName(req.pathVariable(\"name\"))"))).isEmpty();
        assertThat(compile(wiring.formatted("req.pathVariable(\"name\")"))).contains("incompatible");
    }

    @Test
    void aMiddlewareForOtherTypesCannotWrapAnEndpoint() throws Exception {
        String wiring = """
                Endpoint<ByName, User> logged(Endpoint<ByName, User> users, Middleware<ByName, %s> middleware) {
                    return middleware.wrap(users);
                }""";

        assertThat(compile(wiring.formatted("User"))).isEmpty();
        assertThat(compile(wiring.formatted("Product"))).contains("incompatible");
    }
}
