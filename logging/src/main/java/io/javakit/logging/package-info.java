/**
 * Logging the way an operator wants to read it: one logfmt line per call, with the fields that answer "who served
 * what, how long did it take, and did it fail", and no stack traces for expected failures.
 *
 * <p>Starting points: {@link io.javakit.logging.Logging#middleware}, and {@link io.javakit.logging.LogfmtEncoder}
 * for Logback, which renders SLF4J key-value pairs as {@code key=value}.
 */
package io.javakit.logging;
