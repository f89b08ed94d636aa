package io.javakit.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.javakit.endpoint.CallLog;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.NotFoundException;
import io.javakit.endpoint.RequestContext;
import io.javakit.endpoint.UnavailableException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoggingTest {
    record ByName(String name) {}

    private final LoggerContext context = new LoggerContext();
    private final Logger logger = context.getLogger("calls");
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final LogfmtEncoder encoder = new LogfmtEncoder();

    @BeforeEach
    void capture() {
        context.setMDCAdapter(org.slf4j.MDC.getMDCAdapter());
        appender.setContext(context);
        appender.start();
        logger.addAppender(appender);
        encoder.setContext(context);
        encoder.start();
    }

    private String onlyLine() {
        assertThat(appender.list).hasSize(1);
        return new String(encoder.encode(appender.list.getFirst()), StandardCharsets.UTF_8);
    }

    private Endpoint<ByName, String> logged(Endpoint<ByName, String> endpoint) {
        return Logging.<ByName, String>middleware(logger, "localhost:8084", "ProductByName").wrap(endpoint);
    }

    @Test
    void writesOneLogfmtLinePerCallWithTheSeedsFields() throws Exception {
        logged((ctx, r) -> "ok").call(RequestContext.background(), new ByName("product1"));

        assertThat(onlyLine()).matches(
                "ts=\\S+Z level=info server=localhost:8084 method=ProductByName name=product1 took=\\d+\\.\\d{3}ms\n");
    }

    @Test
    void reportsTheInstanceAndAttemptsRecordedByInnerLayers() throws Exception {
        logged((ctx, r) -> {
            ctx.log().put(CallLog.INSTANCE, "localhost:8085");
            ctx.log().put(CallLog.ATTEMPTS, 2);
            return "ok";
        }).call(RequestContext.background(), new ByName("product1"));

        assertThat(onlyLine()).contains(" instance=localhost:8085 attempts=2");
    }

    @Test
    void logsAnExpectedFailureAtInfoWithItsMessageAndNoStackTrace() {
        assertThatThrownBy(() -> logged((ctx, r) -> { throw new NotFoundException("product not found."); })
                .call(RequestContext.background(), new ByName("nope"))).isInstanceOf(NotFoundException.class);

        String line = onlyLine();
        assertThat(line).contains("level=info").endsWith(" err=\"product not found.\"\n");
        assertThat(line.lines()).hasSize(1);
    }

    @Test
    void logsInstanceFailuresAtWarnAndBugsAtErrorWithTheirStackTrace() {
        assertThatThrownBy(() -> logged((ctx, r) -> { throw new UnavailableException("down"); })
                .call(RequestContext.background(), new ByName("x")));
        assertThatThrownBy(() -> logged((ctx, r) -> { throw new IllegalStateException("bug"); })
                .call(RequestContext.background(), new ByName("x")));

        assertThat(appender.list).extracting(ILoggingEvent::getLevel).containsExactly(Level.WARN, Level.ERROR);
        assertThat(appender.list.get(1).getThrowableProxy()).isNotNull();
    }

    @Test
    void quotesAndTruncatesHostileValues() throws Exception {
        logged((ctx, r) -> "ok").call(RequestContext.background(), new ByName("a b\"c\r\nd=" + "x".repeat(1000)));

        String line = onlyLine();
        assertThat(line.lines()).hasSize(1);
        assertThat(line).contains("name=\"a b\\\"c\\r\\nd=xxx").contains("...\"").hasSizeLessThan(600);
    }

    @Test
    void printsTheTraceIdsFromTheMdcOnEveryLine() throws Exception {
        org.slf4j.MDC.put("span_id", "00f067aa0ba902b7");
        org.slf4j.MDC.put("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");
        try {
            logged((ctx, r) -> "ok").call(RequestContext.background(), new ByName("product1"));
            // encoded while the request's MDC is in place, as a console appender does
            assertThat(onlyLine()).contains(" took=").contains(" trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7\n");
        } finally {
            org.slf4j.MDC.clear();
        }
    }

    @Test
    void writesTheSameFieldsAsOneJsonObjectPerLine() throws Exception {
        JsonLinesEncoder json = new JsonLinesEncoder();
        json.setContext(context);
        json.start();
        assertThatThrownBy(() -> logged((ctx, r) -> { throw new NotFoundException("product \"x\" not found."); })
                .call(RequestContext.background(), new ByName("a\nb"))).isInstanceOf(NotFoundException.class);

        String line = new String(json.encode(appender.list.getFirst()), StandardCharsets.UTF_8);
        assertThat(line.lines()).hasSize(1);
        var fields = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
        assertThat(fields.get("level").asText()).isEqualTo("info");
        assertThat(fields.get("server").asText()).isEqualTo("localhost:8084");
        assertThat(fields.get("name").asText()).isEqualTo("a\nb");
        assertThat(fields.get("err").asText()).isEqualTo("product \"x\" not found.");
        assertThat(fields.has("took")).isTrue();
    }

    @Test
    void formatsDurationsInMillisecondsWithMicrosecondDigits() {
        assertThat(Logging.millis(0)).isEqualTo("0.000ms");
        assertThat(Logging.millis(7_000)).isEqualTo("0.007ms");
        assertThat(Logging.millis(42_000)).isEqualTo("0.042ms");
        assertThat(Logging.millis(1_234_567)).isEqualTo("1.234ms");
        assertThat(Logging.millis(15_000_000_000L)).isEqualTo("15000.000ms");
    }

    @Test
    void logsNonRecordRequestsAsReq() throws Exception {
        Logging.<String, String>middleware(logger, "s:1", "Echo").wrap((ctx, r) -> r)
                .call(RequestContext.background(), "hello");

        assertThat(onlyLine()).contains(" method=Echo req=hello took=");
    }
}
