package io.javakit.benchmarks.faults;

import io.javakit.benchmarks.faults.ChildProcess.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * A rolling restart of the users instances under load: SIGTERM one, wait for it to exit, leave it down a while,
 * start it again on the same port, wait until it is ready, then the next once the gap since the last SIGTERM has
 * passed. Nobody should notice. The load runs until the roll is done and one gap (or pause) more, even when that
 * is longer than the set duration. After each restart the details tell how soon the gateway sent the instance
 * its share again.
 */
final class RollingScenario implements Scenario {
    /** A baseline before the first restart, and the least time between one instance ready and the next SIGTERM. */
    private static final Duration PAUSE = Duration.ofSeconds(2);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    private final Cluster.Discovery discovery;
    private final Function<SuiteSettings, Duration> down;
    private final Function<SuiteSettings, Duration> gap;

    private RollingScenario(String name, Cluster.Discovery discovery, Function<SuiteSettings, Duration> down,
                            Function<SuiteSettings, Duration> gap) {
        this.name = name;
        this.discovery = discovery;
        this.down = down;
        this.gap = gap;
    }

    /**
     * Through the registry, as a deployment tool restarts: each instance deregisters on SIGTERM, keeps serving a
     * second and drains; it is started again as soon as it exited, the next goes {@link #PAUSE} after it is ready.
     */
    static RollingScenario onRegistry() {
        return new RollingScenario("rolling", Cluster.Discovery.REGISTRY, settings -> Duration.ZERO, settings -> Duration.ZERO);
    }

    /**
     * With fixed instance lists, shaped like a rolling deploy by hand: each instance SIGTERMed, down for
     * {@link SuiteSettings#restartDown} after it exited, the next SIGTERM {@link SuiteSettings#restartGap} after
     * this one. Nothing tells the gateway an instance goes or comes back but its calls.
     */
    static RollingScenario onFixedLists() {
        return new RollingScenario("fixed-rolling", Cluster.Discovery.FIXED_LISTS, SuiteSettings::restartDown, SuiteSettings::restartGap);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ScenarioResult run(SuiteSettings settings) throws Exception {
        Duration downFor = down.apply(settings);
        Duration apart = gap.apply(settings);
        try (Trial trial = Trial.start(settings, name, Cluster.Balancer.P2C, discovery)) {
            trial.warmUp(settings.warmup());
            trial.sleepUntil(PAUSE);
            List<String> details = new ArrayList<>();
            details.add(trial.cluster().registry() + "; each users instance in turn: SIGTERM, exit, "
                    + (downFor.isZero() ? "started again at once" : "down " + Report.seconds(downFor) + ", started again")
                    + ", ready; the next SIGTERM " + (apart.isZero() ? Report.seconds(PAUSE) + " after it is ready"
                    : Report.seconds(apart) + " after this one (at least " + Report.seconds(PAUSE) + " after it is ready)"));
            int instances = settings.ports().users().size();
            List<Duration> sentAt = new ArrayList<>();
            List<Duration> readyAt = new ArrayList<>();
            Duration next = trial.elapsed();
            for (int index = 0; index < instances; index++) {
                trial.sleepUntil(next);
                ChildProcess instance = trial.cluster().user(index);
                Duration sent = trial.elapsed();
                trial.step("SIGTERM users #" + (index + 1));
                instance.signal(Signal.TERM);
                Duration exited = instance.awaitExit(EXIT_TIMEOUT);
                Thread.sleep(downFor);
                Duration started = trial.elapsed();
                instance.start();
                Duration ready = instance.awaitReady(READY_TIMEOUT);
                trial.step("users #" + (index + 1) + " ready again");
                sentAt.add(sent);
                readyAt.add(started.plus(ready));
                details.add("users #" + (index + 1) + ": SIGTERM at " + Report.seconds(sent) + ", exited after " + Report.seconds(exited)
                        + ", started at " + Report.seconds(started) + ", ready after " + Report.seconds(ready)
                        + " (at " + Report.seconds(started.plus(ready)) + ")");
                next = max(sent.plus(apart), trial.elapsed().plus(PAUSE));
            }
            trial.sleepUntil(max(next, settings.duration()));
            Measurement measured = trial.load().cut();
            Duration end = trial.elapsed();
            GatewayReadings readings = trial.readings();
            for (int index = 0; index < instances; index++) {
                Duration until = index + 1 < instances ? sentAt.get(index + 1) : end;
                details.add(readings.describe("users #" + (index + 1), trial.cluster().userAddress(index), sentAt.get(index), readyAt.get(index),
                        "it was ready", until));
            }
            List<String> addresses = IntStream.range(0, instances).mapToObj(trial.cluster()::userAddress).toList();
            details.add("users picks per second, share of #1/#2/#3 (%): " + readings.allShares(addresses));
            details.addAll(Report.describe(measured));
            details.addAll(trial.gatewayCounters());
            details.addAll(trial.gatewayWarnings());
            return new ScenarioResult(name, List.of(new ScenarioResult.Row(name, measured, instances + " instances restarted in turn"
                    + rotation(readings, trial.cluster(), readyAt, sentAt, end))), details, ScenarioResult.unnoticed(name, measured, settings.deadline()));
        }
    }

    /**
     * For the table: how soon after ready each instance had half an even share of the picks again, before the next
     * SIGTERM (or the end): {@code ; back in rotation after 0.8/>9.1/7.0 s}, where {@code >9.1} means not in the
     * 9.1 s it had.
     */
    private static String rotation(GatewayReadings readings, Cluster cluster, List<Duration> readyAt, List<Duration> sentAt, Duration end) {
        List<String> delays = new ArrayList<>();
        for (int index = 0; index < readyAt.size(); index++) {
            Duration until = index + 1 < readyAt.size() ? sentAt.get(index + 1) : end;
            Duration ready = readyAt.get(index);
            delays.add(readings.backInRotation(cluster.userAddress(index), ready).filter(d -> ready.plus(d).compareTo(until) <= 0)
                    .map(d -> String.format(Locale.ROOT, "%.1f", d.toMillis() / 1000.0))
                    .orElse(String.format(Locale.ROOT, ">%.1f", until.minus(ready).toMillis() / 1000.0)));
        }
        return "; back in rotation after " + String.join("/", delays) + " s";
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
