package io.javakit.example;

/** Whether an instance wants traffic: from the moment it has registered until it starts to deregister. */
public final class Readiness {
    private volatile boolean ready;

    private Readiness(boolean ready) {
        this.ready = ready;
    }

    /** Not ready until {@link Backends#announce} has registered the instance. */
    public static Readiness pending() {
        return new Readiness(false);
    }

    /** Ready whenever it is listening: for instances that nobody registers (tests, fixed addresses). */
    public static Readiness whenListening() {
        return new Readiness(true);
    }

    public boolean isReady() {
        return ready;
    }

    void set(boolean ready) {
        this.ready = ready;
    }
}
