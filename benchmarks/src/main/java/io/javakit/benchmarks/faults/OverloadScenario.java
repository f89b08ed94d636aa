package io.javakit.benchmarks.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Four times the load for a while: first the capacity at the set concurrency, then that concurrency, four times
 * it, and it again, each for a third of the duration. A gateway that bounds its concurrency should shed the
 * excess fast (quick 503s) and keep the 200s' latency; one that does not queues, and every request slows down.
 * Either way the last phase should look like the first at once. Reported, not checked: there is no single right
 * number for an overloaded system.
 */
final class OverloadScenario implements Scenario {
    private static final int OVERLOAD_FACTOR = 4;

    @Override
    public String name() {
        return "overload";
    }

    @Override
    public ScenarioResult run(SuiteSettings settings) throws Exception {
        Duration phase = settings.duration().dividedBy(3);
        int normal = settings.concurrency();
        int overloaded = normal * OVERLOAD_FACTOR;
        try (Trial trial = Trial.start(settings, name(), Cluster.Balancer.P2C, Cluster.Discovery.REGISTRY)) {
            trial.warmUp(settings.warmup());
            LoadDriver load = trial.load();
            Thread.sleep(phase);
            Measurement capacity = load.cut();
            trial.step("capacity measured; phase 1");
            Thread.sleep(phase);
            Measurement before = load.cut();
            load.concurrency(overloaded);
            trial.step("phase 2: c=" + overloaded);
            Thread.sleep(phase);
            Measurement during = load.cut();
            load.concurrency(normal);
            trial.step("phase 3: c=" + normal);
            Thread.sleep(phase);
            Measurement after = load.cut();

            List<ScenarioResult.Row> rows = List.of(
                    new ScenarioResult.Row(name() + "/capacity", capacity, "c=" + normal + ": " + Report.rate(capacity) + " req/s"),
                    new ScenarioResult.Row(name() + "/1", before, "c=" + normal + ": " + Report.rate(before) + " req/s"),
                    new ScenarioResult.Row(name() + "/2", during, "c=" + overloaded + ": " + Report.rate(during) + " req/s, " + shedding(during)),
                    new ScenarioResult.Row(name() + "/3", after, "c=" + normal + ": " + Report.rate(after) + " req/s, " + recovery(before, after)));
            List<String> details = new ArrayList<>();
            details.add(settings.maxConcurrentRequests().isPresent()
                    ? "gateway started with --max-concurrent-requests " + settings.maxConcurrentRequests().getAsInt()
                    : "the gateway has no --max-concurrent-requests: nothing bounds what it takes on, so overload shows as queueing");
            for (ScenarioResult.Row row : rows) {
                Measurement m = row.measurement();
                details.add(row.label() + " (" + row.notes() + "): 200s p50/p99 " + Report.millis(m.latency("200").p50Micros()) + "/"
                        + Report.millis(m.latency("200").p99Micros()) + ", 503s " + m.latency("503").count() + " p50/p99 "
                        + Report.millis(m.latency("503").p50Micros()) + "/" + Report.millis(m.latency("503").p99Micros())
                        + ", errors " + Report.errors(m));
                details.add(row.label() + " " + Report.timeline(m));
                details.addAll(Report.samples(m).stream().map(line -> row.label() + " " + line).toList());
            }
            details.addAll(trial.gatewayWarnings());
            return new ScenarioResult(name(), rows, details, List.of());
        }
    }

    /** Whether the overload was shed (errors answered faster than successes) or queued. */
    private static String shedding(Measurement during) {
        Measurement.Latency shed = during.latency("503");
        if (shed.count() == 0) {
            return "no 503s (queued: 200s p99 " + Report.millis(during.latency("200").p99Micros()) + ")";
        }
        return shed.count() + " shed as 503 in p99 " + Report.millis(shed.p99Micros()) + " vs 200s' "
                + Report.millis(during.latency("200").p99Micros());
    }

    /**
     * Whether the last phase looks like the first from its second second on (its first second also completes what
     * the surplus clients sent during the overload): no errors, p99 no more than half as high again.
     */
    private static String recovery(Measurement before, Measurement after) {
        List<Measurement.Second> settled = after.timeline().subList(Math.min(1, after.timeline().size()), after.timeline().size());
        long settledErrors = settled.stream().mapToLong(Measurement.Second::errors).sum();
        long firstSecondErrors = after.errorCount() - settledErrors;
        boolean recovered = settledErrors <= before.errorCount() && after.all().p99Micros() <= before.all().p99Micros() * 3 / 2;
        return (recovered ? "recovered" : "NOT recovered") + " (p99 " + Report.millis(after.all().p99Micros()) + " vs "
                + Report.millis(before.all().p99Micros()) + "; errors after its first second " + settledErrors + " vs " + before.errorCount()
                + (firstSecondErrors > 0 ? ", " + firstSecondErrors + " in its first second" : "") + ")";
    }
}
