package io.javakit.transport.http.internal;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderValues;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.javakit.transport.http.ErrorEncoder;

/**
 * Answers requests the engine rejects before routing (malformed, oversized) with the same small JSON error body as
 * every other error and a fixed message: the engine's own text never reaches the client.
 */
public final class RejectionHandler implements DirectHandler {

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status defaultStatus,
                                    ServerResponseHeaders headers, String message) {
        int status = statusOf(request, eventType, defaultStatus);
        var body = ErrorEncoder.body(status, code(status), describe(status));
        var response = TransportResponse.builder()
                .status(Status.create(status))
                .header(HeaderValues.CONTENT_TYPE_JSON)
                .header(HeaderValues.CONNECTION_CLOSE)
                .keepAlive(false);
        // an answer to HEAD has no body (RFC 9110 section 9.3.2), however early the request was refused
        return (request.method().equals("HEAD") ? response : response.entity(body.body())).build();
    }

    /**
     * The engine reports a request line it cannot parse at all (an illegal character in the method, say) as an
     * internal error with no request attached. Those are the client's bytes, not a bug: a 400, which also spares the
     * log the stack trace the engine writes for every 500.
     */
    private static int statusOf(TransportRequest request, EventType eventType, Status defaultStatus) {
        return eventType == EventType.INTERNAL_ERROR && request.method().isEmpty() ? 400 : defaultStatus.code();
    }

    private static String code(int status) {
        return switch (status) {
            case 413 -> "payload_too_large";
            case 414 -> "uri_too_long";
            case 431 -> "headers_too_large";
            case 501 -> "not_implemented";
            case 505 -> "http_version_not_supported";
            default -> status >= 500 ? "internal" : "bad_request";
        };
    }

    private static String describe(int status) {
        return switch (status) {
            case 413 -> "request body too large";
            case 414 -> "request line too long";
            case 431 -> "request headers too large";
            case 501 -> "transfer encoding not supported";
            case 505 -> "HTTP version not supported";
            default -> status >= 500 ? "internal error" : "malformed request";
        };
    }
}
