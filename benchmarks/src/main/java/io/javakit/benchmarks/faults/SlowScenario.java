package io.javakit.benchmarks.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Users instance #1 slow (+200 ms per answer) for the whole run, once behind round robin and once behind P2C: round
 * robin keeps sending it a third of the calls, P2C should notice its latency and send it far fewer.
 */
final class SlowScenario implements Scenario {
    @Override
    public String name() {
        return "slow";
    }

    @Override
    public ScenarioResult run(SuiteSettings settings) throws Exception {
        List<ScenarioResult.Row> rows = new ArrayList<>();
        List<String> details = new ArrayList<>();
        List<String> misses = new ArrayList<>();
        double roundRobin = share(settings, Cluster.Balancer.ROUND_ROBIN, rows, details, misses);
        double p2c = share(settings, Cluster.Balancer.P2C, rows, details, misses);
        details.add(0, "users #1 slow (+200 ms per answer) from before the warm-up to the end; an even share is 33%");
        if (p2c >= roundRobin) {
            misses.add("slow: P2C sent the slow instance " + Report.percent(p2c) + " of users calls (expected: less than round robin's "
                    + Report.percent(roundRobin) + ")");
        }
        return new ScenarioResult(name(), rows, details, misses);
    }

    /** One trial behind {@code balancer}; returns the slow instance's share of the users picks while measured. */
    private double share(SuiteSettings settings, Cluster.Balancer balancer, List<ScenarioResult.Row> rows, List<String> details,
                         List<String> misses) throws Exception {
        String label = name() + "/" + balancer.flag;
        try (Trial trial = Trial.start(settings, label, balancer, Cluster.Discovery.REGISTRY)) {
            Cluster cluster = trial.cluster();
            cluster.injectFault(0, "slow");
            trial.warmUp(settings.warmup());
            Picks start = cluster.userPicks();
            trial.sleepUntil(settings.duration());
            Measurement measured = trial.load().cut();
            double share = cluster.userPicks().since(start).share(cluster.userAddress(0));
            rows.add(new ScenarioResult.Row(label, measured, "#1 share " + Report.percent(share)));
            details.add(label + ": the slow #1 got " + Report.percent(share) + " of users calls");
            details.addAll(Stream.concat(Report.describe(measured).stream(), trial.gatewayWarnings().stream()).map(line -> label + ": " + line).toList());
            misses.addAll(ScenarioResult.unnoticed(label, measured, settings.deadline()));
            return share;
        }
    }
}
