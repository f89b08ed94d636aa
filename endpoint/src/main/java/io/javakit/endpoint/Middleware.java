package io.javakit.endpoint;

import java.util.Objects;

/**
 * Adds behaviour around an endpoint: maps an endpoint to an endpoint of the same types.
 *
 * <p>Composition reads in request order: in {@code chain(a, b, c).wrap(e)} (or {@code a.andThen(b).andThen(c)}),
 * {@code a} sees the request first and the result is {@code a(b(c(e)))}. This is Go kit's {@code Chain(outer,
 * others...)} and Finagle's {@code andThen}, and deliberately <em>not</em> {@link java.util.function.Function#andThen},
 * whose later function ends up outermost.
 *
 * <p>A middleware that does not care about the types (logging, breakers, limiters) is a generic method:
 * {@code static <Req, Res> Middleware<Req, Res> logging(...)}.
 *
 * @param <Req> the request type
 * @param <Res> the response type
 */
@FunctionalInterface
public interface Middleware<Req, Res> {

    /** Returns an endpoint that adds this middleware's behaviour around {@code next}. */
    Endpoint<Req, Res> wrap(Endpoint<Req, Res> next);

    /** Returns a middleware that applies this one outside {@code inner}: the request reaches this one first. */
    default Middleware<Req, Res> andThen(Middleware<Req, Res> inner) {
        Objects.requireNonNull(inner, "inner");
        return next -> wrap(inner.wrap(next));
    }

    /** The middleware that adds nothing. */
    static <Req, Res> Middleware<Req, Res> identity() {
        return next -> next;
    }

    /**
     * Composes middlewares, the first one outermost: {@code chain(a, b).wrap(e)} is {@code a.wrap(b.wrap(e))}.
     */
    @SafeVarargs
    static <Req, Res> Middleware<Req, Res> chain(Middleware<Req, Res>... middlewares) {
        Middleware<Req, Res> composed = identity();
        for (int i = middlewares.length - 1; i >= 0; i--) {
            Middleware<Req, Res> outer = Objects.requireNonNull(middlewares[i], "middlewares[" + i + "]");
            Middleware<Req, Res> inner = composed;
            composed = next -> outer.wrap(inner.wrap(next));
        }
        return composed;
    }

    /**
     * A middleware whose endpoints print as {@code name -> next}, so that a chain describes itself.
     *
     * @param name what this layer is, e.g. {@code "breaker"} or {@code "retry(3, PT1S)"}
     * @param middleware the behaviour
     */
    static <Req, Res> Middleware<Req, Res> named(String name, Middleware<Req, Res> middleware) {
        Objects.requireNonNull(name, "name");
        return next -> Endpoint.named(name + " -> " + next, middleware.wrap(next));
    }
}
