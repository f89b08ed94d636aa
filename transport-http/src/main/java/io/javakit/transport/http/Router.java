package io.javakit.transport.http;

import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.NotFoundException;
import io.javakit.endpoint.RequestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Routes requests by method and path pattern to handlers, in explicit code. Patterns are literal segments and
 * {@code {variable}} segments: {@code /users/{name}} matches {@code /users/alice} and nothing with more or fewer
 * segments. Variables are decoded strictly ({@link PathSegments#decode}): {@code %2F}, {@code ..}, control
 * characters and malformed encodings are a 400, so a variable never smuggles a path into the layers behind it.
 * An unknown path is a 404, a known path with another method a 405 with an {@code Allow} header.
 *
 * <pre>{@code
 * Router router = Router.builder()
 *         .get("/users/{name}", HttpServerTransport.serve(byName, userByName, Json.encoder()))
 *         .build();
 * }</pre>
 */
public final class Router implements Endpoint<HttpRequest, HttpResponse> {
    private final List<Route> routes;

    private Router(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public HttpResponse call(RequestContext ctx, HttpRequest request) throws Exception {
        List<String> segments = PathSegments.split(request.path());
        Set<String> allowed = null;
        for (Route route : routes) {
            if (!route.matches(segments)) {
                continue;
            }
            if (route.method.equals(request.method())) {
                return route.handler.call(ctx, request.withPathVariables(route.variables(segments)));
            }
            if (allowed == null) {
                allowed = new LinkedHashSet<>();
            }
            allowed.add(route.method);
        }
        if (allowed != null) {
            return ErrorEncoder.body(405, "method_not_allowed", "method " + request.method() + " is not allowed here")
                    .withHeader("allow", String.join(", ", allowed));
        }
        throw new NotFoundException("no route for this path");
    }

    /** {@code literals[i]} is the literal of segment i, or null where {@code names[i]} names a variable. */
    private record Route(String method, String[] literals, String[] names, Endpoint<HttpRequest, HttpResponse> handler) {
        boolean matches(List<String> segments) {
            if (segments.size() != literals.length) {
                return false;
            }
            for (int i = 0; i < literals.length; i++) {
                String p = literals[i];
                if (p == null ? segments.get(i).isEmpty() : !p.equals(segments.get(i))) {
                    return false;
                }
            }
            return true;
        }

        Map<String, String> variables(List<String> segments) {
            Map<String, String> vars = new HashMap<>(4);
            for (int i = 0; i < literals.length; i++) {
                if (literals[i] == null) {
                    vars.put(names[i], PathSegments.decode(segments.get(i)));
                }
            }
            return vars;
        }
    }

    /** Collects routes; the first that matches a request serves it. */
    public static final class Builder {
        private final List<Route> routes = new ArrayList<>();

        public Builder get(String pattern, Endpoint<HttpRequest, HttpResponse> handler) {
            return route("GET", pattern, handler);
        }

        public Builder post(String pattern, Endpoint<HttpRequest, HttpResponse> handler) {
            return route("POST", pattern, handler);
        }

        /**
         * Adds a route.
         *
         * @param pattern {@code /literal/{variable}/...}; a variable takes a whole segment
         */
        public Builder route(String method, String pattern, Endpoint<HttpRequest, HttpResponse> handler) {
            Objects.requireNonNull(handler, "handler");
            List<String> parts = PathSegments.split(Objects.requireNonNull(pattern, "pattern"));
            String[] literals = new String[parts.size()];
            String[] names = new String[parts.size()];
            for (int i = 0; i < parts.size(); i++) {
                String part = parts.get(i);
                if (part.startsWith("{") && part.endsWith("}") && part.length() > 2) {
                    names[i] = part.substring(1, part.length() - 1);
                } else {
                    literals[i] = part;
                }
            }
            routes.add(new Route(method.toUpperCase(Locale.ROOT), literals, names, handler));
            return this;
        }

        public Router build() {
            return new Router(routes);
        }
    }
}
