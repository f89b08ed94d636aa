package io.javakit.transport.http;

import io.javakit.endpoint.Headers;
import java.util.List;
import java.util.Objects;

/**
 * What a client endpoint sends, relative to its base URI: path segments (each encoded on its own, never
 * concatenated raw), a query, headers and a body.
 *
 * @param pathSegments segments appended to the base URI's path, unencoded
 * @param query the query string, already encoded, without '?', empty if none
 * @param headers extra request headers
 * @param body the request body, empty if none
 */
public record OutgoingRequest(List<String> pathSegments, String query, Headers headers, byte[] body) {
    private static final byte[] EMPTY = new byte[0];

    public OutgoingRequest {
        pathSegments = List.copyOf(Objects.requireNonNull(pathSegments, "pathSegments"));
        query = query == null ? "" : query;
        headers = headers == null ? Headers.empty() : headers;
        body = body == null ? EMPTY : body;
    }

    /** A bodiless request to the base URI plus these segments: {@code OutgoingRequest.path(name)}. */
    public static OutgoingRequest path(String... segments) {
        return new OutgoingRequest(List.of(segments), "", null, null);
    }

    public OutgoingRequest withHeader(String name, String value) {
        return new OutgoingRequest(pathSegments, query, headers.toBuilder().add(name, value).build(), body);
    }
}
