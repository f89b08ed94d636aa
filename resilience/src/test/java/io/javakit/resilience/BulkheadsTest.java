package io.javakit.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javakit.endpoint.OverloadedException;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BulkheadsTest {
    private final AtomicInteger calls = new AtomicInteger();
    private final CountDownLatch twoEntered = new CountDownLatch(2);
    private final CountDownLatch release = new CountDownLatch(1);

    /** Holds every call until {@code release} opens, after counting it. */
    private final Endpoint<String, String> slowBackend = (ctx, r) -> {
        calls.incrementAndGet();
        twoEntered.countDown();
        release.await();
        return "ok";
    };

    @Test
    void aCallOverTheLimitFailsAtOnceAsOverloadedWithoutReachingTheEndpoint() throws Exception {
        Endpoint<String, String> limited = Bulkheads.<String, String>middleware(
                Bulkheads.concurrencyLimit("instance-a", 2)).wrap(slowBackend);
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> inFlight = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                inFlight.add(callers.submit(() -> limited.call(RequestContext.background(), "x")));
            }
            assertThat(twoEntered.await(5, TimeUnit.SECONDS)).isTrue();

            assertThatThrownBy(() -> limited.call(RequestContext.background(), "x"))
                    .isInstanceOf(OverloadedException.class).satisfies(e -> assertThat(EndpointException.kindOf(e)).isEqualTo(EndpointException.Kind.UNAVAILABLE))
                    .hasMessageContaining("instance-a")
                    .satisfies(e -> assertThat(EndpointException.isRetryable(e)).isTrue());
            assertThat(calls).hasValue(2);

            release.countDown();
            for (Future<String> call : inFlight) {
                assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("ok");
            }
        }
        assertThat(limited.call(RequestContext.background(), "x")).isEqualTo("ok");
    }

    @Test
    void aFailedCallGivesItsSlotBack() throws Exception {
        AtomicInteger attempt = new AtomicInteger();
        Endpoint<String, String> failingOnce = Bulkheads.<String, String>middleware(
                Bulkheads.concurrencyLimit("instance-a", 1)).wrap((ctx, r) -> {
                    if (attempt.incrementAndGet() == 1) {
                        throw new IllegalStateException("boom");
                    }
                    return "ok";
                });

        assertThatThrownBy(() -> failingOnce.call(RequestContext.background(), "x")).isInstanceOf(IllegalStateException.class);
        assertThat(failingOnce.call(RequestContext.background(), "x")).isEqualTo("ok");
    }

    @Test
    void aLimitBelowOneIsRefused() {
        assertThatThrownBy(() -> Bulkheads.concurrencyLimit("instance-a", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConcurrentCalls: 0");
    }
}
