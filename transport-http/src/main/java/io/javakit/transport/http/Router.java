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
    /** Longest prefix first. */
    private final List<Mount> mounts;

    private Router(List<Route> routes, List<Mount> mounts) {
        this.routes = List.copyOf(routes);
        this.mounts = mounts.stream().sorted((a, b) -> Integer.compare(b.segments.size(), a.segments.size())).toList();
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
        if (allowed == null) {
            for (Mount mount : mounts) {
                if (mount.covers(segments)) {
                    return mount.handler.call(ctx, request);
                }
            }
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

    /** A handler for every path at or under {@code segments}. */
    private record Mount(List<String> segments, Endpoint<HttpRequest, HttpResponse> handler) {
        boolean covers(List<String> path) {
            return path.size() >= segments.size() && path.subList(0, segments.size()).equals(segments);
        }
    }

    /** Collects routes; the first that matches a request serves it. */
    public static final class Builder {
        private final List<Route> routes = new ArrayList<>();
        private final List<Mount> mounts = new ArrayList<>();

        /**
         * Hands every request whose path is {@code prefix} or lies under it, segment by segment ({@code /admin} covers
         * {@code /admin} and {@code /admin/faults}, not {@code /administrator}), to {@code handler}, path unchanged.
         * Routes come first; among mounts the longest prefix wins; {@code /} covers everything.
         */
        public Builder mount(String prefix, Endpoint<HttpRequest, HttpResponse> handler) {
            Objects.requireNonNull(handler, "handler");
            if (!Objects.requireNonNull(prefix, "prefix").startsWith("/")) {
                throw new IllegalArgumentException("prefix: '" + prefix + "' (expected: a path, e.g. /admin)");
            }
            mounts.add(new Mount(PathSegments.split(prefix).stream().filter(s -> !s.isEmpty()).toList(), handler));
            return this;
        }

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
            return new Router(routes, mounts);
        }
    }
}
