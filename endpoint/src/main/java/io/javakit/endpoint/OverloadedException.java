package io.javakit.endpoint;

/**
 * A bound of the caller's own on concurrent calls was reached, so the call was not made: another instance, or a
 * later attempt, may take it. It says nothing about the health of the instance it was meant for, so circuit
 * breakers and outlier detection do not count it (see {@link EndpointException#isInstanceFailure}).
 */
public final class OverloadedException extends UnavailableException {
    public OverloadedException(String message) {
        super(message);
    }
}
