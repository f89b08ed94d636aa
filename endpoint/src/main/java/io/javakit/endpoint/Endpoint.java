package io.javakit.endpoint;

/**
 * One remote procedure: a typed function from a request to a response.
 *
 * <p>Endpoints are synchronous and meant to run on virtual threads: a blocking call costs a parked virtual thread,
 * not a platform thread. Failures are thrown; the typed ones ({@link EndpointException} and its subclasses) tell
 * callers, transports, retries and breakers what went wrong.
 *
 * <pre>{@code
 * Endpoint<ByName, User> userByName = (ctx, req) -> users.userByName(ctx, req.name());
 * }</pre>
 *
 * @param <Req> the request type
 * @param <Res> the response type
 */
@FunctionalInterface
public interface Endpoint<Req, Res> {

    /**
     * Serves one request.
     *
     * @param ctx the request's context: its deadline, headers and attributes
     * @param request the request
     * @return the response, never {@code null}
     * @throws Exception any failure; throw an {@link EndpointException} subclass to say what kind
     */
    Res call(RequestContext ctx, Req request) throws Exception;

    /**
     * Gives an endpoint a name, shown by {@link #toString()} so that a composed chain describes itself
     * (for example {@code logging -> retry(3, PT1S) -> round-robin}).
     */
    static <Req, Res> Endpoint<Req, Res> named(String name, Endpoint<Req, Res> endpoint) {
        return new NamedEndpoint<>(name, endpoint);
    }
}
