package io.javakit.sd.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javakit.endpoint.CallLog;
import io.javakit.endpoint.DeadlineExceededException;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.NotFoundException;
import io.javakit.endpoint.RateLimitedException;
import io.javakit.endpoint.RequestContext;
import io.javakit.endpoint.RetryExhaustedException;
import io.javakit.endpoint.UnavailableException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryTest {

    /** Hands out the given endpoints in order and counts the picks. */
    static final class Scripted implements Balancer<String, String> {
        final Deque<Endpoint<String, String>> script;
        int picks;

        @SafeVarargs
        Scripted(Endpoint<String, String>... endpoints) {
            script = new ArrayDeque<>(List.of(endpoints));
        }

        @Override
        public Endpoint<String, String> next() {
            picks++;
            return script.removeFirst();
        }
    }

    private static Endpoint<String, String> failing(RuntimeException e) {
        return (ctx, r) -> { throw e; };
    }

    @Test
    void retriesARetryableFailureOnTheNextPick() throws Exception {
        Scripted balancer = new Scripted(failing(new UnavailableException("a down")), (ctx, r) -> "b:" + r);
        RequestContext ctx = RequestContext.background();

        assertThat(Retry.retry(3, Duration.ofSeconds(1), balancer).call(ctx, "hi")).isEqualTo("b:hi");
        assertThat(balancer.picks).isEqualTo(2);
        assertThat(ctx.log().get(CallLog.ATTEMPTS)).contains(2);
    }

    @Test
    void returnsNotFoundAtOnceWithoutRetrying() {
        Scripted balancer = new Scripted(failing(new NotFoundException("user not found.")), (ctx, r) -> "never");

        assertThatThrownBy(() -> Retry.retry(3, Duration.ofSeconds(1), balancer).call(RequestContext.background(), "x"))
                .isInstanceOf(NotFoundException.class);
        assertThat(balancer.picks).isEqualTo(1);
    }

    @Test
    void reportsEveryAttemptErrorWhenItGivesUp() {
        Scripted balancer = new Scripted(failing(new UnavailableException("a down")),
                failing(new UnavailableException("b down")), failing(new RateLimitedException("c limited")));

        assertThatThrownBy(() -> Retry.retry(3, Duration.ofSeconds(1), balancer).call(RequestContext.background(), "x"))
                .isInstanceOfSatisfying(RetryExhaustedException.class, e -> {
                    assertThat(e.attempts()).extracting(Throwable::getMessage).containsExactly("a down", "b down", "c limited");
                    assertThat(e.kind()).isEqualTo(EndpointException.Kind.RATE_LIMITED);
                    assertThat(e).hasMessage("c limited (previously: a down; b down)");
                });
    }

    @Test
    void givesEachAttemptASliceOfTheBudgetSoAHungInstanceCannotEatItAll() throws Exception {
        List<Duration> seen = new ArrayList<>();
        Endpoint<String, String> hung = (ctx, r) -> {
            seen.add(ctx.remaining().orElseThrow());
            throw new DeadlineExceededException("no answer");
        };
        Scripted balancer = new Scripted(hung, (ctx, r) -> "ok");

        assertThat(Retry.retry(3, Duration.ofMillis(900), balancer).call(RequestContext.background(), "x")).isEqualTo("ok");
        assertThat(seen.getFirst()).isLessThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void neverOutlivesTheCallersOwnDeadline() {
        List<Duration> seen = new ArrayList<>();
        Endpoint<String, String> recording = (ctx, r) -> {
            seen.add(ctx.remaining().orElseThrow());
            return "ok";
        };

        assertThat(Retry.retry(3, Duration.ofSeconds(30), new Scripted(recording)))
                .satisfies(e -> e.call(RequestContext.withTimeout(Duration.ofMillis(50)), "x"));
        assertThat(seen.getFirst()).isLessThanOrEqualTo(Duration.ofMillis(50));
    }

    @Test
    void stopsWhenThereIsNoInstanceToTry() {
        Balancer<String, String> empty = () -> { throw new NoEndpointsException("no instances available"); };

        assertThatThrownBy(() -> Retry.retry(3, Duration.ofSeconds(1), empty).call(RequestContext.background(), "x"))
                .isInstanceOf(RetryExhaustedException.class)
                .hasMessage("no instances available")
                .extracting(e -> ((EndpointException) e).kind()).isEqualTo(EndpointException.Kind.UNAVAILABLE);
    }

    @Test
    void describesItselfWithItsBalancer() {
        assertThat(Retry.retry(3, Duration.ofSeconds(1), new Scripted()).toString()).startsWith("retry(3, PT1S) -> ");
    }
}
