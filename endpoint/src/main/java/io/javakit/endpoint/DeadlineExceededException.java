package io.javakit.endpoint;

/** The deadline passed before an answer came. Retried while the overall budget lasts. */
public class DeadlineExceededException extends EndpointException {

    public DeadlineExceededException(String message) {
        super(Kind.DEADLINE_EXCEEDED, message);
    }

    public DeadlineExceededException(String message, Throwable cause) {
        super(Kind.DEADLINE_EXCEEDED, message, cause);
    }
}
