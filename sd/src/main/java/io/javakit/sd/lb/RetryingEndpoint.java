package io.javakit.sd.lb;

import io.javakit.endpoint.CallLog;
import io.javakit.endpoint.DeadlineExceededException;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.NotSentException;
import io.javakit.endpoint.RequestContext;
import io.javakit.endpoint.RetryExhaustedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/** The endpoint {@link Retry.Builder#build()} returns. A call that succeeds at once allocates one context. */
final class RetryingEndpoint<Req, Res> implements Endpoint<Req, Res> {
    /** How often a retry asks the balancer again for an endpoint it has not failed on yet. */
    private static final int REPICKS = 3;
    /**
     * How many refusals ({@link NotSentException}) one call moves past: 8. Each costs next to nothing, as the call
     * never left; a bound still makes a set whose guards all refuse fail at once, and the refusals are the error.
     * Most calls stop earlier, when the balancer offers only instances that refused already.
     */
    private static final int MAX_REFUSALS = 8;

    private final Balancer<Req, Res> balancer;
    private final int maxAttempts;
    private final Duration maxTime;
    private final long maxTimeNanos;
    private final long attemptTimeoutNanos;
    /** Zero when there is no backoff. */
    private final long backoffInitialNanos;
    private final long backoffMaxNanos;
    private final RetryBudget budget;
    private final Predicate<? super Throwable> retryIf;
    private final Predicate<? super Req> idempotent;
    private final Retry.Timer timer;

    RetryingEndpoint(Balancer<Req, Res> balancer, int maxAttempts, Duration maxTime, Duration attemptTimeout,
                     Duration backoffInitial, Duration backoffMax, RetryBudget budget,
                     Predicate<? super Throwable> retryIf, Predicate<? super Req> idempotent, Retry.Timer timer) {
        this.balancer = balancer;
        this.maxAttempts = maxAttempts;
        this.maxTime = maxTime;
        this.maxTimeNanos = saturatedNanos(maxTime);
        this.attemptTimeoutNanos = saturatedNanos(attemptTimeout);
        this.backoffInitialNanos = backoffInitial == null ? 0 : saturatedNanos(backoffInitial);
        this.backoffMaxNanos = backoffMax == null ? 0 : saturatedNanos(backoffMax);
        this.budget = budget;
        this.retryIf = retryIf;
        this.idempotent = idempotent;
        this.timer = timer;
    }

    @Override
    public Res call(RequestContext ctx, Req request) throws Exception {
        budget.deposit();
        boolean mayRetry = idempotent.test(request);
        long end = timer.nanoTime() + maxTimeNanos;
        List<Throwable> errors = null;
        List<Endpoint<Req, Res>> tried = null;
        List<Endpoint<Req, Res>> refused = null;
        int attempt = 1;
        while (true) {
            long left = end - timer.nanoTime();
            if (left <= 0 || ctx.isExpired()) {
                // After a failed attempt its error says more than the deadline; only a call that could not even
                // start fails with a deadline error.
                if (errors == null) {
                    errors = add(null, new DeadlineExceededException("retry budget of " + maxTime + " exhausted"));
                }
                break;
            }
            ctx.log().put(CallLog.ATTEMPTS, attempt);
            Endpoint<Req, Res> pick = null;
            try {
                pick = pickUntried(tried, refused);
                if (refused != null && refused.contains(pick)) {
                    // The balancer offers nothing but instances whose guards refused this call already.
                    break;
                }
                if (mayRetry && attempt < maxAttempts) {
                    tried = tried == null ? new ArrayList<>(maxAttempts) : tried;
                    tried.add(pick);
                }
                return pick.call(ctx.narrowTimeout(Duration.ofNanos(Math.min(attemptTimeoutNanos, left))), request);
            } catch (NoEndpointsException e) {
                // Nothing to try on: another pick would fail the same way.
                errors = add(errors, e);
                break;
            } catch (NotSentException e) {
                // Refused before it left (breaker open, bound full): not an attempt, and safe to send elsewhere
                // even when not idempotent, so it asks for another instance at once, without backoff or budget.
                if (!retryIf.test(e)) {
                    throw withSuppressed(e, errors);
                }
                errors = add(errors, e);
                refused = refused == null ? new ArrayList<>(MAX_REFUSALS) : refused;
                refused.add(pick);
                if (refused.size() == MAX_REFUSALS) {
                    break;
                }
            } catch (Exception e) {
                if (!mayRetry || !retryIf.test(e)) {
                    throw withSuppressed(e, errors);
                }
                errors = add(errors, e);
                if (attempt == maxAttempts || !waitForAnotherAttempt(ctx, attempt, end)) {
                    break;
                }
                attempt++;
            }
        }
        throw new RetryExhaustedException(errors);
    }

    private static Exception withSuppressed(Exception e, List<Throwable> errors) {
        if (errors != null) {
            errors.forEach(e::addSuppressed);
        }
        return e;
    }

    /**
     * Decides whether attempt {@code failed + 1} may go ahead, and waits its backoff first: not when the backoff
     * would use up the rest of the time (or the time is up), and not when the budget is empty. Either way the
     * errors so far say why the call failed.
     */
    private boolean waitForAnotherAttempt(RequestContext ctx, int failed, long end) throws InterruptedException {
        long delay = backoff(failed);
        if (delay >= remaining(ctx, end) || !budget.tryWithdraw()) {
            return false;
        }
        if (delay > 0) {
            timer.sleep(Duration.ofNanos(delay));
        }
        return true;
    }

    /** The backoff before retry {@code n}: uniform in [ceiling / 2, ceiling], ceiling = initial * 2^(n-1) <= max. */
    private long backoff(int n) {
        if (backoffInitialNanos == 0) {
            return 0;
        }
        long ceiling = n - 1 >= Long.numberOfLeadingZeros(backoffInitialNanos) - 1
                ? backoffMaxNanos : Math.min(backoffMaxNanos, backoffInitialNanos << (n - 1));
        return ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1);
    }

    private long remaining(RequestContext ctx, long end) {
        long left = end - timer.nanoTime();
        Optional<Duration> callers = ctx.remaining();
        return callers.isPresent() ? Math.min(left, saturatedNanos(callers.get())) : left;
    }

    /**
     * The balancer's pick, asking again (a few times at most) while it names an endpoint this call already failed
     * on or was refused by: a retry should go to another instance, as Envoy's previous-hosts predicate has it. A
     * balancer may well pick a failed instance again: round robin with few instances, P2C while its estimate of a
     * just-readmitted one is still a guess. With one instance, or no luck, the pick stands.
     */
    private Endpoint<Req, Res> pickUntried(List<Endpoint<Req, Res>> tried, List<Endpoint<Req, Res>> refused) {
        Endpoint<Req, Res> pick = balancer.next();
        for (int again = 0; again < REPICKS && (contains(tried, pick) || contains(refused, pick)); again++) {
            pick = balancer.next();
        }
        return pick;
    }

    private static <T> boolean contains(List<T> list, T item) {
        return list != null && list.contains(item);
    }

    private List<Throwable> add(List<Throwable> errors, Throwable error) {
        List<Throwable> list = errors != null ? errors : new ArrayList<>(maxAttempts);
        list.add(error);
        return list;
    }

    private static long saturatedNanos(Duration d) {
        try {
            return Math.min(d.toNanos(), Long.MAX_VALUE / 4);
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE / 4;
        }
    }

    @Override
    public String toString() {
        return "retry(" + maxAttempts + ", " + maxTime + ") -> " + balancer;
    }
}
