package io.javakit.transport.http;

import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.NotFoundException;
import io.javakit.endpoint.RequestContext;
import java.util.ArrayList;
import java.util.Comparator;
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
 * <p>A {@linkplain Builder#mount mount} hands a whole subtree to another handler (an admin router, a console), with
 * the path unchanged. Routes come first: a route names its path exactly, a mount only a region, so a router
 * mounted at {@code /} can serve everything its own routes do not. A path that a route knows with another method
 * is a 405, not passed to a mount. Among mounts the longest prefix wins, and what the mount's handler answers,
 * a 404 included, is the answer: a request never falls through to a shorter mount.
 *
 * <pre>{@code
 * Router router = Router.builder()
 *         .get("/users/{name}", HttpServerTransport.serve(byName, userByName, Json.encoder()))
 *         .mount("/admin", adminRouter) // /admin and /admin/..., not /administrator
 *         .build();
 * }</pre>
 */
public final class Router implements Endpoint<HttpRequest, HttpResponse> {
    private final List<Route> routes;
    /** Longest prefix first, so the first that covers a path is the one to use. */
    private final List<Mount> mounts;

    private Router(List<Route> routes, List<Mount> mounts) {
        this.routes = List.copyOf(routes);
        this.mounts = mounts.stream().sorted(Comparator.comparingInt((Mount m) -> m.prefix.size()).reversed()).toList();
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
        for (Mount mount : mounts) {
            if (mount.covers(segments)) {
                return mount.handler.call(ctx, request);
            }
        }
        throw new NotFoundException("no route for this path");
    }

    /** A subtree: the paths whose first segments are {@code prefix} (none for {@code /}, which covers all). */
    private record Mount(List<String> prefix, Endpoint<HttpRequest, HttpResponse> handler) {
        boolean covers(List<String> segments) {
            return segments.size() >= prefix.size() && segments.subList(0, prefix.size()).equals(prefix);
        }
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

    /** Collects routes, the first that matches a request serves it, and mounts. */
    public static final class Builder {
        private final List<Route> routes = new ArrayList<>();
        private final List<Mount> mounts = new ArrayList<>();

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

        /**
         * Sends the requests whose path is {@code prefix} or lies under it to {@code handler}, path unchanged, when no
         * route knows the path (see {@link Router} for precedence). Segment by segment: {@code /admin} covers
         * {@code /admin} and {@code /admin/x}, not {@code /administrator}; {@code /} covers every path.
         *
         * @param prefix {@code /} or literal segments, e.g. {@code /admin/faults}, without a trailing {@code /}
         * @throws IllegalArgumentException if the prefix has an empty or {@code {variable}} segment, or is mounted already
         */
        public Builder mount(String prefix, Endpoint<HttpRequest, HttpResponse> handler) {
            Objects.requireNonNull(prefix, "prefix");
            Objects.requireNonNull(handler, "handler");
            boolean literal = prefix.startsWith("/");
            List<String> parts = !literal || prefix.equals("/") ? List.of() : PathSegments.split(prefix);
            for (String part : parts) {
                literal &= !part.isEmpty() && !(part.startsWith("{") && part.endsWith("}"));
            }
            if (!literal) {
                throw new IllegalArgumentException("prefix: '" + prefix
                        + "' (expected: '/' or '/' and literal segments, none empty, no trailing '/')");
            }
            if (mounts.stream().anyMatch(m -> m.prefix.equals(parts))) {
                throw new IllegalArgumentException("prefix: '" + prefix + "' (expected: not mounted already)");
            }
            mounts.add(new Mount(List.copyOf(parts), handler));
            return this;
        }

        public Router build() {
            return new Router(routes, mounts);
        }
    }
}
