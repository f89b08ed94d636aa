package io.javakit.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RequestContextTest {
    private static final Attribute<String> TENANT = Attribute.of("tenant", String.class);

    @Test
    void backgroundHasNoDeadlineAndNeverExpires() {
        RequestContext ctx = RequestContext.background();
        assertThat(ctx.deadline()).isEmpty();
        assertThat(ctx.isExpired()).isFalse();
    }

    @Test
    void narrowingKeepsTheEarlierDeadline() {
        RequestContext tight = RequestContext.withTimeout(Duration.ofMillis(100));
        RequestContext loosened = tight.narrowTimeout(Duration.ofHours(1));
        RequestContext tightened = tight.narrowTimeout(Duration.ofMillis(1));

        assertThat(loosened.deadline()).isEqualTo(tight.deadline());
        assertThat(tightened.deadline().orElseThrow()).isLessThan(tight.deadline().orElseThrow());
    }

    @Test
    void anExpiredDeadlineFailsTheCheckWithDeadlineExceeded() {
        RequestContext ctx = RequestContext.withTimeout(Duration.ZERO);
        assertThat(ctx.isExpired()).isTrue();
        assertThat(ctx.remaining()).contains(Duration.ZERO);
        assertThatThrownBy(ctx::checkDeadline).isInstanceOf(DeadlineExceededException.class);
    }

    @Test
    void attributesAreTypedAndDerivedContextsDoNotLeakIntoTheirParent() {
        RequestContext parent = RequestContext.background();
        RequestContext child = parent.with(TENANT, "acme");

        assertThat(child.get(TENANT)).contains("acme");
        assertThat(parent.get(TENANT)).isEmpty();
    }

    @Test
    void derivedContextsShareOneCallLog() {
        RequestContext parent = RequestContext.background();
        RequestContext child = parent.narrowTimeout(Duration.ofSeconds(1)).with(TENANT, "acme");

        child.log().put(CallLog.INSTANCE, "10.0.0.1:8080");

        assertThat(parent.log().get(CallLog.INSTANCE)).contains("10.0.0.1:8080");
    }

    @Test
    void headersAreCaseInsensitive() {
        Headers headers = Headers.of("X-Request-Id", "1", "x-request-id", "2");
        assertThat(headers.all("X-REQUEST-ID")).containsExactly("1", "2");
        assertThat(headers.first("x-request-id")).contains("1");
    }
}
