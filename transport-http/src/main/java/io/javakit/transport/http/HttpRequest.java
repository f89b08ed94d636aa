package io.javakit.transport.http;

import io.javakit.endpoint.BadRequestException;
import io.javakit.endpoint.Headers;
import java.util.Map;
import java.util.Objects;

/**
 * An HTTP request as a server received it.
 *
 * @param method the method, upper case
 * @param path the path as sent (still percent-encoded)
 * @param query the query string as sent, without '?', empty if none
 * @param headers the request headers
 * @param body the request body, empty if none (bounded by the server's body limit)
 * @param pathVariables the path variables matched by the router, already decoded
 * @param remoteAddress the peer's address ({@code host:port})
 */
public record HttpRequest(String method, String path, String query, Headers headers, byte[] body,
                          Map<String, String> pathVariables, String remoteAddress) {
    private static final byte[] EMPTY = new byte[0];

    public HttpRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        query = query == null ? "" : query;
        headers = headers == null ? Headers.empty() : headers;
        body = body == null ? EMPTY : body;
        pathVariables = pathVariables == null ? Map.of() : Map.copyOf(pathVariables);
        remoteAddress = remoteAddress == null ? "" : remoteAddress;
    }

    /** A bodiless request, for tests and in-process calls. */
    public static HttpRequest of(String method, String path) {
        int q = path.indexOf('?');
        return q < 0 ? new HttpRequest(method, path, "", null, null, null, null)
                : new HttpRequest(method, path.substring(0, q), path.substring(q + 1), null, null, null, null);
    }

    /**
     * The decoded value of a path variable the route declared.
     *
     * @throws BadRequestException if the route has no such variable
     */
    public String pathVariable(String name) {
        String value = pathVariables.get(name);
        if (value == null) {
            throw new BadRequestException("missing path variable '" + name + "'");
        }
        return value;
    }

    HttpRequest withPathVariables(Map<String, String> variables) {
        return new HttpRequest(method, path, query, headers, body, variables, remoteAddress);
    }
}
