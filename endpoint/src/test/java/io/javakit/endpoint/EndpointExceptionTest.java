package io.javakit.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointExceptionTest {

    @Test
    void clientErrorsAreNeitherRetriedNorCountedAgainstAnInstance() {
        for (Throwable e : List.of(new NotFoundException("x"), new BadRequestException("x"))) {
            assertThat(EndpointException.isRetryable(e)).as("%s retryable", e).isFalse();
            assertThat(EndpointException.isInstanceFailure(e)).as("%s instance failure", e).isFalse();
        }
    }

    @Test
    void unavailabilityAndTimeoutsAreRetriedAndCounted() {
        for (Throwable e : List.of(new UnavailableException("x"), new DeadlineExceededException("x"))) {
            assertThat(EndpointException.isRetryable(e)).isTrue();
            assertThat(EndpointException.isInstanceFailure(e)).isTrue();
        }
    }

    @Test
    void rateLimitsAreRetriedElsewhereButDoNotTripBreakers() {
        RateLimitedException e = new RateLimitedException("x");
        assertThat(EndpointException.isRetryable(e)).isTrue();
        assertThat(EndpointException.isInstanceFailure(e)).isFalse();
    }

    @Test
    void callsTheCallersOwnGuardNeverSentAreRetriedElsewhereButSayNothingOfTheInstance() {
        for (NotSentException e : List.of(new OverloadedException("x"), new NotSentException("breaker open"))) {
            assertThat(EndpointException.kindOf(e)).isEqualTo(EndpointException.Kind.UNAVAILABLE);
            assertThat(EndpointException.isRetryable(e)).isTrue();
            assertThat(EndpointException.isInstanceFailure(e)).isFalse();
        }
    }

    @Test
    void unknownErrorsAreInternalAndNotRetried() {
        IOException e = new IOException("boom");
        assertThat(EndpointException.kindOf(e)).isEqualTo(EndpointException.Kind.INTERNAL);
        assertThat(EndpointException.isRetryable(e)).isFalse();
        assertThat(EndpointException.isInstanceFailure(e)).isTrue();
    }

    @Test
    void retryExhaustionKeepsEveryAttemptAndTakesTheFinalKind() {
        RetryExhaustedException e = new RetryExhaustedException(List.of(
                new UnavailableException("a down"), new RateLimitedException("b limited")));

        assertThat(e).hasMessage("b limited (previously: a down)");
        assertThat(e.kind()).isEqualTo(EndpointException.Kind.RATE_LIMITED);
        assertThat(e.attempts()).hasSize(2);
        assertThat(EndpointException.isRetryable(e)).isFalse();
    }

    @Test
    void expectedFailuresCarryNoStackTrace() {
        assertThat(new NotFoundException("x").getStackTrace()).isEmpty();
        assertThat(new EndpointException(EndpointException.Kind.INTERNAL, "bug").getStackTrace()).isNotEmpty();
    }
}
