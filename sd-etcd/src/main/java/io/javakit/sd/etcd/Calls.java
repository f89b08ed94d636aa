package io.javakit.sd.etcd;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waiting on jetcd's futures with a deadline, and describing their failures for the log. */
final class Calls {
    private Calls() {}

    /**
     * Waits at most {@code timeout}: jetcd's default client waits for a connection forever, so without a deadline
     * a loop would hang instead of noticing the outage.
     *
     * @throws Exception the call's own failure (unwrapped), a {@link TimeoutException}, or an
     *                   {@link InterruptedException} when the loop is being stopped
     */
    static <T> T await(CompletableFuture<T> future, Duration timeout) throws Exception {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new TimeoutException("no answer from etcd within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        }
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
