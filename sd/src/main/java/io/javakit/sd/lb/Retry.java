package io.javakit.sd.lb;

import io.javakit.endpoint.CallLog;
import io.javakit.endpoint.DeadlineExceededException;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.RequestContext;
import io.javakit.endpoint.RetryExhaustedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Calls the balancer's pick and, when the call fails with a retryable error, tries the next pick, within a number
 * of attempts and a total time budget. Non-retryable errors (not found, bad request, unexpected errors) return at
 * once. When every attempt fails, a {@link io.javakit.endpoint.RetryExhaustedException} carries each attempt's
 * error and takes the final one's kind.
 *
 * <p>Each attempt gets at most {@code attemptTimeout} (default: the budget divided by the attempts), so a hung
 * instance costs one slice of the budget rather than all of it. The budget narrows the request's deadline, which
 * transports honour and pass on.
 */
public final class Retry {
    /** The seed's {@code lb.Retry(3, 1s)}. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    public static final Duration DEFAULT_MAX_TIME = Duration.ofSeconds(1);

    private Retry() {}

    /**
     * Retries on the next pick, at most {@code maxAttempts} attempts within {@code maxTime} in total, each attempt
     * limited to {@code maxTime / maxAttempts}.
     */
    public static <Req, Res> Endpoint<Req, Res> retry(int maxAttempts, Duration maxTime, Balancer<Req, Res> balancer) {
        return retry(maxAttempts, maxTime, maxTime.dividedBy(Math.max(1, maxAttempts)), balancer);
    }

    /**
     * Retries on the next pick, at most {@code maxAttempts} attempts within {@code maxTime} in total, each attempt
     * limited to {@code attemptTimeout}.
     */
    public static <Req, Res> Endpoint<Req, Res> retry(int maxAttempts, Duration maxTime, Duration attemptTimeout,
                                                      Balancer<Req, Res> balancer) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: >= 1)");
        }
        requirePositive(maxTime, "maxTime");
        requirePositive(attemptTimeout, "attemptTimeout");
        Objects.requireNonNull(balancer, "balancer");
        return Endpoint.named("retry(" + maxAttempts + ", " + maxTime + ") -> " + balancer,
                (ctx, request) -> call(maxAttempts, maxTime, attemptTimeout, balancer, ctx, request));
    }

    private static <Req, Res> Res call(int maxAttempts, Duration maxTime, Duration attemptTimeout,
                                       Balancer<Req, Res> balancer, RequestContext ctx, Req request) throws Exception {
        RequestContext budget = ctx.narrowTimeout(maxTime);
        List<Throwable> errors = new ArrayList<>(maxAttempts);
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            if (budget.isExpired()) {
                errors.add(new DeadlineExceededException("retry budget of " + maxTime + " exhausted"));
                break;
            }
            ctx.log().put(CallLog.ATTEMPTS, attempt);
            try {
                return balancer.next().call(budget.narrowTimeout(attemptTimeout), request);
            } catch (NoEndpointsException e) {
                errors.add(e);
                break;
            } catch (Exception e) {
                if (!EndpointException.isRetryable(e)) {
                    errors.forEach(e::addSuppressed);
                    throw e;
                }
                errors.add(e);
            }
        }
        throw new RetryExhaustedException(errors);
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
    }
}
