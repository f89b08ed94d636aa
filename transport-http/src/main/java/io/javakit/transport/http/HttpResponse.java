package io.javakit.transport.http;

import io.javakit.endpoint.Headers;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An HTTP response: status, headers and a fully buffered body.
 *
 * @param status the status code
 * @param headers the response headers
 * @param body the body, empty if none
 */
public record HttpResponse(int status, Headers headers, byte[] body) {
    public static final String JSON = "application/json";
    private static final Headers JSON_HEADERS = Headers.of("content-type", JSON);

    public HttpResponse {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status: " + status + " (expected: 100-599)");
        }
        headers = headers == null ? Headers.empty() : headers;
        body = Objects.requireNonNullElse(body, new byte[0]);
    }

    /** A JSON response. */
    public static HttpResponse json(int status, byte[] body) {
        return new HttpResponse(status, JSON_HEADERS, body);
    }

    /** The body as UTF-8 text. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }

    /** The same response with one more header. */
    public HttpResponse withHeader(String name, String value) {
        return new HttpResponse(status, headers.toBuilder().add(name, value).build(), body);
    }
}
