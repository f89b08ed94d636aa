package io.javakit.transport.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.RequestContext;
import java.util.Locale;

/** Turns a failure into an HTTP response. */
@FunctionalInterface
public interface ErrorEncoder {

    HttpResponse encode(RequestContext ctx, Throwable error);

    /**
     * The default: typed errors become 400, 404, 429, 503 or 504 with a small JSON body
     * {@code {"error":"not_found","message":"user not found."}}; anything else becomes a 500 whose body says only
     * "internal error", so no internal detail leaks.
     */
    static ErrorEncoder json() {
        return (ctx, error) -> {
            EndpointException.Kind kind = EndpointException.kindOf(error);
            String message = kind == EndpointException.Kind.INTERNAL ? "internal error" : error.getMessage();
            return body(statusOf(kind), kind.name().toLowerCase(Locale.ROOT), message);
        };
    }

    /** The status code for a kind of failure. */
    static int statusOf(EndpointException.Kind kind) {
        return switch (kind) {
            case BAD_REQUEST -> 400;
            case NOT_FOUND -> 404;
            case RATE_LIMITED -> 429;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            case INTERNAL -> 500;
        };
    }

    /** The JSON error body every javakit server sends. */
    record ErrorBody(String error, String message) {}

    /** A JSON error response: {@code {"error": code, "message": message}}. */
    static HttpResponse body(int status, String code, String message) {
        try {
            return HttpResponse.json(status, Json.mapper().writeValueAsBytes(new ErrorBody(code, message == null ? code : message)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode an error body", e);
        }
    }
}
