package io.javakit.example.badinput;

import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * What a correct server may answer to one generated request, built up part by part: whether it may serve it (a
 * well-formed request for a name), which error statuses fit if it refuses, and whether it must answer at all.
 * A request whose every part may be served must be served; a part that justifies refusing names the statuses
 * that fit it (RFC 9110/9112), or any client error when no status is more right than another.
 *
 * @param mayServe every part of the request is well-formed
 * @param errors the error statuses the parts justify
 * @param anyError some part justifies any client error
 * @param answerRequired the request is complete HTTP, so closing without a response is wrong
 */
record Acceptable(boolean mayServe, Set<Integer> errors, boolean anyError, boolean answerRequired) {
    /**
     * The statuses of a request refused for no more specific reason: client errors, and the two server errors that
     * describe the request rather than the server (501 unknown method or coding, 505 version). A 500 is never
     * right for bad input: it means the server failed.
     */
    static final Set<Integer> ANY_CLIENT_ERROR = Stream.concat(IntStream.range(400, 500).boxed(), Stream.of(501, 505))
            .collect(Collectors.toUnmodifiableSet());

    static final Acceptable SERVE = new Acceptable(true, Set.of(), false, true);
    static final Acceptable ANY_ERROR = new Acceptable(false, Set.of(), true, true);

    Acceptable {
        errors = Set.copyOf(errors);
    }

    /** Well-formed, but a server may also refuse it with one of {@code statuses}. */
    static Acceptable serveOr(Integer... statuses) {
        return new Acceptable(true, Set.of(statuses), false, true);
    }

    /** Must be refused, with one of {@code statuses}. */
    static Acceptable errorOf(Integer... statuses) {
        return new Acceptable(false, Set.of(statuses), false, true);
    }

    /** The client stopped sending mid-message: a server may answer, or just close (RFC 9112 section 8). */
    Acceptable incomplete() {
        return new Acceptable(mayServe, errors, anyError, false);
    }

    Acceptable and(Acceptable other) {
        Set<Integer> both = new TreeSet<>(errors);
        both.addAll(other.errors);
        return new Acceptable(mayServe && other.mayServe, both, anyError || other.anyError, answerRequired && other.answerRequired);
    }

    /** The error statuses that fit. */
    Set<Integer> errorStatuses() {
        if (!anyError) {
            return errors;
        }
        Set<Integer> all = new TreeSet<>(ANY_CLIENT_ERROR);
        all.addAll(errors);
        return all;
    }

    @Override
    public String toString() {
        String refusal = anyError ? "any client error" + (errors.isEmpty() ? "" : " or " + new TreeSet<>(errors))
                : new TreeSet<>(errors).toString();
        String answer = answerRequired ? "" : ", or a close without answer";
        if (!mayServe) {
            return "refused with " + refusal + answer;
        }
        return (errors.isEmpty() && !anyError ? "served" : "served, or refused with " + refusal) + answer;
    }
}
