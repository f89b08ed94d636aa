/**
 * The HTTP transport: how endpoints are served over HTTP and how remote endpoints are called over it.
 *
 * <p>Server side: a {@link io.javakit.transport.http.RequestDecoder}, an endpoint and a
 * {@link io.javakit.transport.http.ResponseEncoder} become an {@code Endpoint<HttpRequest, HttpResponse>} through
 * {@link io.javakit.transport.http.HttpServerTransport#serve}; a {@link io.javakit.transport.http.Router} maps
 * paths with variables to such handlers, and an {@link io.javakit.transport.http.HttpServer} serves the router with
 * deadlines against slow clients, size limits and load shedding on by default. Typed errors become status codes
 * through an {@link io.javakit.transport.http.ErrorEncoder}.
 *
 * <p>Client side: {@link io.javakit.transport.http.HttpClientTransport#endpoint} turns a method, a base URI, a
 * {@link io.javakit.transport.http.RequestEncoder} and a {@link io.javakit.transport.http.ResponseDecoder} into a
 * typed endpoint on a shared, pooled {@link io.javakit.transport.http.HttpClient}; non-2xx answers become typed
 * errors before the decoder runs. A gateway passes a request on with
 * {@link io.javakit.transport.http.ForwardedHeaders#from}: end-to-end headers plus {@code X-Forwarded-*}.
 *
 * <p>What travels in headers from hop to hop (trace context, deadline, forwarded headers) is a
 * {@link io.javakit.transport.http.Propagation}, registered once on the server and once on the client.
 *
 * <p>JSON goes through Jackson: {@link io.javakit.transport.http.Json}.
 */
package io.javakit.transport.http;
