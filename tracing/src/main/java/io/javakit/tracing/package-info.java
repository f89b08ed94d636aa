/**
 * Tracing, so that one request can be followed across the gateway, its retries and the services behind it: a span
 * per endpoint call through the OpenTelemetry API, the W3C trace context ({@code traceparent}) carried over the HTTP
 * transports without changing them, and the trace and span ids in the SLF4J MDC of every log line written while a
 * span is current.
 *
 * <p>The middlewares use the API only, so they cost nothing with the no-op implementation; the SDK appears only in
 * {@link io.javakit.tracing.Tracing#sdk}, which picks the exporter ({@code otlp}, {@code logging} or {@code none})
 * from configuration.
 *
 * <p>Starting points: {@link io.javakit.tracing.Tracing#server}, {@link io.javakit.tracing.Tracing#client} and
 * {@link io.javakit.tracing.Tracing#middleware} for spans, {@link io.javakit.tracing.Tracing#propagation()} to
 * register on servers and clients.
 */
package io.javakit.tracing;
