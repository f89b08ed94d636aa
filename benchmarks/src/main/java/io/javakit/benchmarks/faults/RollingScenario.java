package io.javakit.benchmarks.faults;

import io.javakit.benchmarks.faults.ChildProcess.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A rolling restart of the users instances: SIGTERM one (it deregisters, keeps serving a second, drains), wait for
 * it to exit, start it again on the same port, wait until it is ready, pause, then the next. Nobody should notice.
 * The load runs until the roll is done and a pause more, even when that is longer than the set duration.
 */
final class RollingScenario implements Scenario {
    private static final Duration PAUSE = Duration.ofSeconds(2);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    @Override
    public String name() {
        return "rolling";
    }

    @Override
    public ScenarioResult run(SuiteSettings settings) throws Exception {
        try (Trial trial = Trial.start(settings, name(), Cluster.Balancer.P2C)) {
            trial.warmUp(settings.warmup());
            trial.sleepUntil(PAUSE); // a baseline before the first restart
            List<String> details = new ArrayList<>();
            int instances = settings.ports().users().size();
            for (int index = 0; index < instances; index++) {
                ChildProcess instance = trial.cluster().user(index);
                Duration sent = trial.elapsed();
                trial.step("SIGTERM users #" + (index + 1));
                instance.signal(Signal.TERM);
                Duration exited = instance.awaitExit(EXIT_TIMEOUT);
                instance.start();
                Duration ready = instance.awaitReady(READY_TIMEOUT);
                trial.step("users #" + (index + 1) + " ready again");
                details.add("users #" + (index + 1) + ": SIGTERM at " + Report.seconds(sent) + ", exited after " + Report.seconds(exited)
                        + ", restarted and ready after " + Report.seconds(ready));
                Thread.sleep(PAUSE);
            }
            Duration end = trial.elapsed().compareTo(settings.duration()) > 0 ? trial.elapsed() : settings.duration();
            trial.sleepUntil(end);
            Measurement measured = trial.load().cut();
            details.addAll(Report.describe(measured));
            details.addAll(trial.gatewayWarnings());
            return new ScenarioResult(name(), List.of(new ScenarioResult.Row(name(), measured, instances + " instances restarted in turn")),
                    details, ScenarioResult.unnoticed(name(), measured, settings.deadline()));
        }
    }
}
