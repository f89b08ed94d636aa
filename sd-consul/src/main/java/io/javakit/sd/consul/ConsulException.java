package io.javakit.sd.consul;

import java.net.ConnectException;
import java.util.Objects;

/**
 * A Consul call that failed: the agent could not be reached or did not answer in time, answered with an error
 * status, or answered with a body that is not what the API documents. Consul's error bodies are plain text (for
 * example {@code ACL not found} or {@code Invalid wait time}); {@link #body()} carries that text and the message
 * repeats it, so a log line says what Consul said.
 *
 * <p>Expected failures carry no stack trace: an unreachable agent is an answer, not a bug.
 */
public final class ConsulException extends RuntimeException {

    /** What went wrong, in terms a caller can branch on. */
    public enum Kind {
        /** No HTTP answer: connection refused or reset, timeout, or the call was interrupted. */
        UNREACHABLE,
        /** 400: Consul rejected a parameter or the body ({@code Invalid wait time}, {@code Missing service name}). */
        BAD_REQUEST,
        /** 403: the ACL token is missing the permission or is unknown ({@code ACL not found}). */
        PERMISSION_DENIED,
        /** 404: an unknown check ID or path. */
        NOT_FOUND,
        /** 429: Consul's rate limit. */
        RATE_LIMITED,
        /** 5xx: the agent or the servers failed ({@code No cluster leader}). */
        SERVER_ERROR,
        /** Any other status, or a 200 whose body or headers are not what the API documents. */
        UNEXPECTED_RESPONSE
    }

    private final Kind kind;
    private final int status;
    private final String body;

    private ConsulException(Kind kind, int status, String body, String message, Throwable cause) {
        super(message, cause, true, false);
        this.kind = kind;
        this.status = status;
        this.body = body;
    }

    /** An error status, with Consul's plain-text body. */
    static ConsulException ofStatus(String call, int status, String body) {
        String text = Objects.requireNonNullElse(body, "").strip();
        return new ConsulException(kindOf(status), status, text,
                call + ": " + status + (text.isEmpty() ? "" : " " + text), null);
    }

    /** No answer at all. */
    static ConsulException unreachable(String call, Throwable cause) {
        return new ConsulException(Kind.UNREACHABLE, 0, "", call + ": " + describe(cause), cause);
    }

    /**
     * The exception's class and the first message along its causes. The JDK client's {@code ConnectException}
     * carries no message at all (nor do its causes), so it gets one.
     */
    private static String describe(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return error.getClass().getSimpleName() + ": " + t.getMessage();
            }
        }
        return error.getClass().getSimpleName()
                + (error instanceof ConnectException ? ": cannot connect to the agent" : "");
    }

    /** A 200 that cannot be read as documented. */
    static ConsulException unexpected(String call, String problem) {
        return new ConsulException(Kind.UNEXPECTED_RESPONSE, 200, "", call + ": " + problem, null);
    }

    private static Kind kindOf(int status) {
        return switch (status) {
            case 400 -> Kind.BAD_REQUEST;
            case 403 -> Kind.PERMISSION_DENIED;
            case 404 -> Kind.NOT_FOUND;
            case 429 -> Kind.RATE_LIMITED;
            default -> status >= 500 && status <= 599 ? Kind.SERVER_ERROR : Kind.UNEXPECTED_RESPONSE;
        };
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status, or 0 when Consul did not answer. */
    public int status() {
        return status;
    }

    /** Consul's plain-text error body, stripped; empty when there was none. */
    public String body() {
        return body;
    }
}
