package io.javakit.benchmarks.faults;

import io.javakit.benchmarks.faults.ChildProcess.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A fault on users instance #1 from a third into the measurement to two thirds (10 s to 20 s of 30), then the
 * repair, under P2C: the gateway should hide it (no client error, p99 within its deadline) and send #1 its share
 * again once it is back. Each runs through the registry, and as {@code fixed-<name>} with fixed instance lists.
 */
final class FaultWindowScenario implements Scenario {
    /** Does something to the trial's cluster; what came of it is told after the measurement, for the details. */
    @FunctionalInterface
    interface Action {
        Supplier<String> apply(Trial trial) throws Exception;
    }

    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    private final String fault;
    private final Action inject;
    private final Action repair;
    private final Cluster.Discovery discovery;

    private FaultWindowScenario(String name, String fault, Action inject, Action repair, Cluster.Discovery discovery) {
        this.name = name;
        this.fault = fault;
        this.inject = inject;
        this.repair = repair;
        this.discovery = discovery;
    }

    private FaultWindowScenario(String name, String fault, Action inject, Action repair) {
        this(name, fault, inject, repair, Cluster.Discovery.REGISTRY);
    }

    /** The same fault with the gateway on fixed instance lists, named {@code fixed-<name>}. */
    FaultWindowScenario onFixedLists() {
        return new FaultWindowScenario("fixed-" + name, fault, inject, repair, Cluster.Discovery.FIXED_LISTS);
    }

    /**
     * A crash: SIGKILL, then a restart on the same port (a registration runs out with its lease). The load goes on
     * while the new process starts; when it got ready is told at the end.
     */
    static FaultWindowScenario kill() {
        return new FaultWindowScenario("kill", "SIGKILL, restart on the same port", trial -> {
            ChildProcess first = trial.cluster().user(0);
            first.signal(Signal.KILL);
            first.awaitExit(EXIT_TIMEOUT);
            return () -> "killed";
        }, trial -> {
            ChildProcess first = trial.cluster().user(0);
            first.start();
            CompletableFuture<Duration> ready = new CompletableFuture<>();
            Thread.ofVirtual().name("await-restart").start(() -> {
                try {
                    ready.complete(first.awaitReady(READY_TIMEOUT));
                } catch (Exception | Error e) {
                    ready.completeExceptionally(e);
                }
            });
            return () -> ready.isDone() && !ready.isCompletedExceptionally()
                    ? "restarted, ready " + Report.seconds(ready.join()) + " later"
                    : "restarted, not ready by the end of the measurement";
        });
    }

    /** A hang: SIGSTOP (the kernel still accepts connections, nothing answers), then SIGCONT. */
    static FaultWindowScenario hang() {
        return new FaultWindowScenario("hang", "SIGSTOP, then SIGCONT", trial -> {
            trial.cluster().user(0).signal(Signal.STOP);
            return () -> "stopped";
        }, trial -> {
            trial.cluster().user(0).signal(Signal.CONT);
            return () -> "continued";
        });
    }

    /** Every answer a 500 ({@code PUT /admin/faults/fail}), then healthy again. */
    static FaultWindowScenario fail() {
        return new FaultWindowScenario("fail", "answers 500, then healthy", trial -> {
            trial.cluster().injectFault(0, "fail");
            return () -> "failing";
        }, trial -> {
            trial.cluster().injectFault(0, "none");
            return () -> "healthy";
        });
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ScenarioResult run(SuiteSettings settings) throws Exception {
        try (Trial trial = Trial.start(settings, name, Cluster.Balancer.P2C, discovery)) {
            trial.warmUp(settings.warmup());
            Cluster cluster = trial.cluster();
            Picks start = cluster.userPicks();

            trial.sleepUntil(settings.faultAt());
            Picks faulted = cluster.userPicks();
            Supplier<String> injected = inject.apply(trial);
            trial.step("#1 " + injected.get());

            trial.sleepUntil(settings.restoreAt());
            Picks repaired = cluster.userPicks();
            Supplier<String> restored = repair.apply(trial);
            trial.step("#1 repaired");

            trial.sleepUntil(settings.duration());
            Measurement measured = trial.load().cut();
            Picks end = cluster.userPicks();

            String first = cluster.userAddress(0);
            GatewayReadings readings = trial.readings();
            String shares = "#1 share " + Report.percent(faulted.since(start).share(first)) + " → "
                    + Report.percent(repaired.since(faulted).share(first)) + " → " + Report.percent(end.since(repaired).share(first))
                    + readings.backInRotation(first, settings.restoreAt()).filter(d -> settings.restoreAt().plus(d).compareTo(measured.elapsed()) <= 0)
                            .map(d -> "; back in rotation " + Report.seconds(d) + " after the repair").orElse("; not back in rotation by the end");
            List<String> details = new ArrayList<>();
            details.add(cluster.registry() + "; users #1 (" + first + "): " + fault + "; " + injected.get() + " at " + Report.seconds(settings.faultAt())
                    + ", " + restored.get() + " (from " + Report.seconds(settings.restoreAt()) + ")");
            details.add("share of users picks on #1 before, during and after the fault: " + shares + " (the gateway's picks, retries included)");
            details.add(readings.describe("#1", first, settings.faultAt(), settings.restoreAt(), "the repair", settings.duration()));
            details.addAll(Report.describe(measured));
            details.addAll(trial.gatewayCounters());
            details.addAll(trial.gatewayWarnings());
            return new ScenarioResult(name, List.of(new ScenarioResult.Row(name, measured, shares)), details,
                    ScenarioResult.unnoticed(name, measured, settings.deadline()));
        }
    }
}
