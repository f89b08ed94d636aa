package io.javakit.sd;

/**
 * Asks one instance whether it is ready for traffic, typically with a {@code GET /health/ready}. Used by
 * {@link HealthCheckedInstancer}, which runs each probe on a virtual thread and interrupts it when it takes too
 * long, so a probe should honour interruption (the JDK's {@code HttpClient.send} does).
 */
@FunctionalInterface
public interface HealthProbe {

    /**
     * Whether {@code instance} is ready. {@code false} and any exception both count as a failed check; an exception
     * is logged by its message only, so it needs no stack trace.
     */
    boolean healthy(Instance instance) throws Exception;
}
