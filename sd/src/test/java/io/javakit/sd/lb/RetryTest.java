package io.javakit.sd.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javakit.endpoint.CallLog;
import io.javakit.endpoint.DeadlineExceededException;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.NotFoundException;
import io.javakit.endpoint.NotSentException;
import io.javakit.endpoint.OverloadedException;
import io.javakit.endpoint.RateLimitedException;
import io.javakit.endpoint.RequestContext;
import io.javakit.endpoint.RetryExhaustedException;
import io.javakit.endpoint.UnavailableException;
import io.javakit.sd.Endpointer;
import io.javakit.sd.FixedInstancer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
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

    /** Hands out the same endpoint every time: one instance. */
    record Always(Endpoint<String, String> endpoint) implements Balancer<String, String> {
        @Override
        public Endpoint<String, String> next() {
            return endpoint;
        }
    }

    /** A clock that moves only when told to or when a retry sleeps; it records the sleeps and when they began. */
    static final class FakeTimer implements Retry.Timer {
        long nanos = 7_000_000_000L;
        final List<Duration> sleeps = new ArrayList<>();
        final List<Long> sleptAt = new ArrayList<>();

        @Override
        public long nanoTime() {
            return nanos;
        }

        @Override
        public void sleep(Duration duration) {
            sleptAt.add(nanos);
            sleeps.add(duration);
            nanos += duration.toNanos();
        }

        void advance(Duration d) {
            nanos += d.toNanos();
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
    void aRetryGoesToAnotherInstanceWhenTheBalancerPicksTheFailedOneAgain() throws Exception {
        Endpoint<String, String> down = failing(new UnavailableException("a down"));
        Scripted balancer = new Scripted(down, down, down, (ctx, r) -> "b:" + r);
        RequestContext ctx = RequestContext.background();

        assertThat(Retry.retry(3, Duration.ofSeconds(1), balancer).call(ctx, "hi")).isEqualTo("b:hi");
        assertThat(ctx.log().get(CallLog.ATTEMPTS)).as("the repicks were not attempts").contains(2);
    }

    @Test
    void withOneInstanceARetryTriesItAgain() {
        Always only = new Always(failing(new UnavailableException("down")));

        assertThatThrownBy(() -> Retry.retry(3, Duration.ofSeconds(1), only).call(RequestContext.background(), "x"))
                .isInstanceOfSatisfying(RetryExhaustedException.class, e -> assertThat(e.attempts()).hasSize(3));
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


    @Test
    void backoffWaitsGrowAndStayWithinTheirJitterBounds() {
        for (int call = 0; call < 50; call++) {
            FakeTimer timer = new FakeTimer();
            Endpoint<String, String> retry = Retry.builder(new Always(failing(new UnavailableException("down"))))
                    .idempotent(true).maxAttempts(5).maxTime(Duration.ofSeconds(10))
                    .backoff(Duration.ofMillis(10), Duration.ofMillis(40)).budget(RetryBudget.unlimited())
                    .timer(timer).build();

            assertThatThrownBy(() -> retry.call(RequestContext.background(), "x")).isInstanceOf(RetryExhaustedException.class);

            assertThat(timer.sleeps).hasSize(4);
            assertThat(timer.sleeps.subList(0, 3)).as("growing until the ceiling reaches max").isSorted();
            assertThat(timer.sleeps.get(0)).isBetween(Duration.ofMillis(5), Duration.ofMillis(10));
            assertThat(timer.sleeps.get(1)).isBetween(Duration.ofMillis(10), Duration.ofMillis(20));
            assertThat(timer.sleeps.get(2)).isBetween(Duration.ofMillis(20), Duration.ofMillis(40));
            assertThat(timer.sleeps.get(3)).isBetween(Duration.ofMillis(20), Duration.ofMillis(40));
        }
    }

    @Test
    void neverWaitsPastTheTimeBudgetAndGivesUpWithTheRealError() {
        for (int call = 0; call < 50; call++) {
            FakeTimer timer = new FakeTimer();
            long start = timer.nanos;
            Endpoint<String, String> slowFailure = (ctx, r) -> {
                timer.advance(Duration.ofMillis(300));
                throw new UnavailableException("down");
            };
            Endpoint<String, String> retry = Retry.builder(new Always(slowFailure))
                    .idempotent(true).maxAttempts(10).maxTime(Duration.ofSeconds(1)).attemptTimeout(Duration.ofSeconds(1))
                    .backoff(Duration.ofMillis(200), Duration.ofSeconds(1)).budget(RetryBudget.unlimited())
                    .timer(timer).build();

            assertThatThrownBy(() -> retry.call(RequestContext.background(), "x"))
                    .isInstanceOfSatisfying(RetryExhaustedException.class,
                            e -> assertThat(e.kind()).isEqualTo(EndpointException.Kind.UNAVAILABLE));
            for (int i = 0; i < timer.sleeps.size(); i++) {
                assertThat(timer.sleptAt.get(i) + timer.sleeps.get(i).toNanos() - start)
                        .isLessThan(Duration.ofSeconds(1).toNanos());
            }
        }
    }

    @Test
    void capsRetriesAtTheBudgetUnderTotalFailure() {
        FakeTimer timer = new FakeTimer();
        RetryBudget budget = RetryBudget.of(20, 10, Duration.ofSeconds(10), timer::nanoTime);
        AtomicInteger calls = new AtomicInteger();
        Always down = new Always((ctx, r) -> {
            calls.incrementAndGet();
            throw new UnavailableException("down");
        });
        Endpoint<String, String> retry = Retry.builder(down).idempotent(true).maxAttempts(3).noBackoff()
                .budget(budget).timer(timer).build();

        // 1000 requests over 10 s, every attempt failing: three attempts each would be 2000 retries.
        for (int i = 0; i < 1000; i++) {
            assertThatThrownBy(() -> retry.call(RequestContext.background(), "x")).isInstanceOf(RetryExhaustedException.class);
            timer.advance(Duration.ofMillis(10));
        }

        int retries = calls.get() - 1000;
        assertThat(retries).as("20 %% of 1000 requests plus 10/s over 10 s").isBetween(280, 300);
    }

    @Test
    void failsWithTheErrorsSoFarWhenTheBudgetIsEmpty() {
        Scripted balancer = new Scripted(failing(new UnavailableException("a down")), (ctx, r) -> "never");
        Endpoint<String, String> retry = Retry.builder(balancer).idempotent(true)
                .budget(RetryBudget.of(0, 0, Duration.ofSeconds(10))).build();

        assertThatThrownBy(() -> retry.call(RequestContext.background(), "x"))
                .isInstanceOfSatisfying(RetryExhaustedException.class,
                        e -> assertThat(e.attempts()).extracting(Throwable::getMessage).containsExactly("a down"));
        assertThat(balancer.picks).isEqualTo(1);
    }

    @Test
    void neverRetriesARequestNotDeclaredIdempotent() {
        Scripted balancer = new Scripted(failing(new UnavailableException("a down")), (ctx, r) -> "never");

        assertThatThrownBy(() -> Retry.builder(balancer).build().call(RequestContext.background(), "x"))
                .isInstanceOf(UnavailableException.class).hasMessage("a down");
        assertThat(balancer.picks).isEqualTo(1);
    }

    @Test
    void retriesOnlyTheRequestsTheCallerDeclaresIdempotent() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Always down = new Always((ctx, r) -> {
            calls.incrementAndGet();
            throw new UnavailableException("down");
        });
        Endpoint<String, String> retry = Retry.builder(down).idempotentIf(r -> r.startsWith("GET ")).noBackoff().build();

        assertThatThrownBy(() -> retry.call(RequestContext.background(), "POST /orders")).isInstanceOf(UnavailableException.class);
        assertThat(calls).hasValue(1);

        assertThatThrownBy(() -> retry.call(RequestContext.background(), "GET /orders/1")).isInstanceOf(RetryExhaustedException.class);
        assertThat(calls).hasValue(1 + 3);
    }

    @Test
    void retriesOnlyTheErrorsRetryIfAccepts() {
        Scripted balancer = new Scripted(failing(new RateLimitedException("a limited")),
                failing(new UnavailableException("b down")), (ctx, r) -> "never");
        Endpoint<String, String> retry = Retry.builder(balancer).idempotent(true).noBackoff()
                .retryIf(e -> e instanceof RateLimitedException).build();

        assertThatThrownBy(() -> retry.call(RequestContext.background(), "x"))
                .isInstanceOf(UnavailableException.class).hasMessage("b down")
                .satisfies(e -> assertThat(e.getSuppressed()).extracting(Throwable::getMessage).containsExactly("a limited"));
        assertThat(balancer.picks).isEqualTo(2);
    }

    /** Counts what the calls take from it, and always allows a retry. */
    static final class CountingBudget implements RetryBudget {
        int deposits;
        int withdrawals;

        @Override
        public void deposit() {
            deposits++;
        }

        @Override
        public boolean tryWithdraw() {
            withdrawals++;
            return true;
        }

        @Override
        public long balance() {
            return Long.MAX_VALUE;
        }
    }

    /** Hands out the given endpoints in turn, over and over. */
    static final class Cycling implements Balancer<String, String> {
        final List<Endpoint<String, String>> endpoints;
        int picks;

        Cycling(List<Endpoint<String, String>> endpoints) {
            this.endpoints = endpoints;
        }

        @Override
        public Endpoint<String, String> next() {
            return endpoints.get(picks++ % endpoints.size());
        }
    }

    private static Endpoint<String, String> refusing(String message, AtomicInteger calls) {
        return (ctx, r) -> {
            calls.incrementAndGet();
            throw new NotSentException(message);
        };
    }

    @Test
    void callsRefusedBeforeTheyWereSentAreNeitherAttemptsNorRetriesFromTheBudget() throws Exception {
        Scripted balancer = new Scripted(failing(new OverloadedException("a full")), failing(new NotSentException("b open")),
                (ctx, r) -> "c:" + r);
        RequestContext ctx = RequestContext.background();
        Endpoint<String, String> retry = Retry.builder(balancer).idempotent(true).maxAttempts(1)
                .budget(RetryBudget.of(0, 0, Duration.ofSeconds(10))).build();

        assertThat(retry.call(ctx, "hi")).isEqualTo("c:hi");
        assertThat(ctx.log().get(CallLog.ATTEMPTS)).contains(1);
    }

    @Test
    void onlyRealAttemptsDrawFromTheBudgetAndWaitTheirBackoff() throws Exception {
        FakeTimer timer = new FakeTimer();
        CountingBudget budget = new CountingBudget();
        Scripted balancer = new Scripted(failing(new NotSentException("a open")), failing(new UnavailableException("b down")),
                failing(new OverloadedException("c full")), failing(new NotSentException("d open")), (ctx, r) -> "e:" + r);
        RequestContext ctx = RequestContext.background();
        Endpoint<String, String> retry = Retry.builder(balancer).idempotent(true).maxAttempts(2).budget(budget)
                .timer(timer).build();

        assertThat(retry.call(ctx, "hi")).isEqualTo("e:hi");
        assertThat(budget.withdrawals).as("one retry, after b").isEqualTo(1);
        assertThat(timer.sleeps).hasSize(1);
        assertThat(ctx.log().get(CallLog.ATTEMPTS)).contains(2);
    }

    @Test
    void aRequestNotDeclaredIdempotentMovesOnPastACallThatWasNeverSent() throws Exception {
        Scripted balancer = new Scripted(failing(new NotSentException("a open")), (ctx, r) -> "b:" + r);

        assertThat(Retry.builder(balancer).build().call(RequestContext.background(), "POST /orders")).isEqualTo("b:POST /orders");
    }

    @Test
    void aSetWhoseGuardsAllRefuseFailsAtOnceWithTheRefusals() {
        AtomicInteger calls = new AtomicInteger();
        CountingBudget budget = new CountingBudget();
        Cycling balancer = new Cycling(List.of(refusing("a open", calls), refusing("b open", calls), refusing("c full", calls)));
        Endpoint<String, String> retry = Retry.builder(balancer).idempotent(true).budget(budget).build();

        assertThatThrownBy(() -> retry.call(RequestContext.background(), "x"))
                .isInstanceOfSatisfying(RetryExhaustedException.class, e -> {
                    assertThat(e.attempts()).extracting(Throwable::getMessage).containsExactly("a open", "b open", "c full");
                    assertThat(e.kind()).isEqualTo(EndpointException.Kind.UNAVAILABLE);
                });
        assertThat(calls).as("each instance once").hasValue(3);
        assertThat(budget.withdrawals).isZero();
    }

    @Test
    void aCallMovesPastAFewRefusalsAtMost() {
        AtomicInteger calls = new AtomicInteger();
        List<Endpoint<String, String>> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            many.add(refusing("open " + i, calls));
        }
        Endpoint<String, String> retry = Retry.builder(new Cycling(many)).idempotent(true).build();

        assertThatThrownBy(() -> retry.call(RequestContext.background(), "x"))
                .isInstanceOfSatisfying(RetryExhaustedException.class,
                        e -> assertThat(e.kind()).isEqualTo(EndpointException.Kind.UNAVAILABLE));
        assertThat(calls.get()).isLessThanOrEqualTo(8);
    }

    @Test
    void aRefusalRetryIfRejectsIsThrownAsItIs() {
        Scripted balancer = new Scripted(failing(new NotSentException("a open")), (ctx, r) -> "never");
        Endpoint<String, String> retry = Retry.builder(balancer).idempotent(true)
                .retryIf(e -> e instanceof RateLimitedException).build();

        assertThatThrownBy(() -> retry.call(RequestContext.background(), "x"))
                .isInstanceOf(NotSentException.class).hasMessage("a open");
        assertThat(balancer.picks).isEqualTo(1);
    }

    @Test
    void roundRobinThroughRetrySpreadsHealthyCallsExactlyEvenly() throws Exception {
        Endpointer<String, String> three =
                Endpointer.of(FixedInstancer.of("a:1", "b:2", "c:3"), instance -> (ctx, r) -> instance.address());
        Endpoint<String, String> retry = Retry.builder(Balancers.roundRobin(three)).idempotent(true).build();
        Map<String, Integer> spread = new HashMap<>();

        for (int i = 0; i < 30; i++) {
            spread.merge(retry.call(RequestContext.background(), "x"), 1, Integer::sum);
        }

        assertThat(spread).containsExactlyInAnyOrderEntriesOf(Map.of("a:1", 10, "b:2", 10, "c:3", 10));
    }

    @Test
    void builderRejectsNonsense() {
        Retry.Builder<String, String> builder = Retry.builder(new Scripted());
        assertThatThrownBy(() -> builder.maxAttempts(0)).hasMessage("maxAttempts: 0 (expected: >= 1)");
        assertThatThrownBy(() -> builder.maxTime(Duration.ZERO)).hasMessage("maxTime: PT0S (expected: > 0)");
        assertThatThrownBy(() -> builder.backoff(Duration.ofMillis(20), Duration.ofMillis(10)))
                .hasMessage("max: PT0.01S (expected: >= initial, PT0.02S)");
    }

    @Test
    void builtRetryDescribesItselfWithItsBalancer() {
        assertThat(Retry.builder(Balancers.p2c(Endpointer.of(FixedInstancer.of("a:1"), i -> (ctx, r) -> r)))
                .maxAttempts(2).build()).hasToString("retry(2, PT1S) -> p2c");
    }
}
