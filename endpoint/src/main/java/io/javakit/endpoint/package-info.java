/**
 * The core of javakit: a service call is an {@link io.javakit.endpoint.Endpoint}, a typed function from a request
 * to a response, and everything else (transports, load balancing, retries, breakers, logging) is a
 * {@link io.javakit.endpoint.Middleware} around it.
 *
 * <p>Starting points: {@link io.javakit.endpoint.Endpoint}, {@link io.javakit.endpoint.Middleware},
 * {@link io.javakit.endpoint.RequestContext} and the typed errors rooted at
 * {@link io.javakit.endpoint.EndpointException}, which transports map to status codes and which retry and circuit
 * breakers use to decide what is worth another attempt.
 *
 * <p>This package has no dependencies so that every other module, and every user's service, can depend on it.
 */
package io.javakit.endpoint;
