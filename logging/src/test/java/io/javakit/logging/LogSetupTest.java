package io.javakit.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LogSetupTest {
    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();

    @AfterEach
    void detach() {
        root.detachAppender(console);
        root.setLevel(Level.DEBUG);
    }

    @Test
    void switchesTheConsoleToJsonLinesAndSetsTheLevel() {
        console.setContext(context);
        console.setName("under-test");
        console.setEncoder(new LogfmtEncoder());
        root.addAppender(console);

        LogSetup.configure("json", "warn");

        assertThat(console.getEncoder()).isInstanceOf(JsonLinesEncoder.class);
        assertThat(root.getLevel()).isEqualTo(Level.WARN);
    }

    @Test
    void rejectsUnknownFormatsAndLevelsClearly() {
        root.addAppender(console);
        assertThatThrownBy(() -> LogSetup.configure("xml", "info")).hasMessageContaining("expected: logfmt or json");
        assertThatThrownBy(() -> LogSetup.configure("json", "loud")).hasMessageContaining("expected: trace, debug, info, warn or error");
    }
}
