package io.javakit.endpoint;

/** A bound of the caller's own on concurrent calls was reached, so the call was not made. */
public final class OverloadedException extends NotSentException {
    public OverloadedException(String message) {
        super(message);
    }
}
