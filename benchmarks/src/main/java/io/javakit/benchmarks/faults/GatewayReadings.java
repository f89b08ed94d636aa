package io.javakit.benchmarks.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The gateway's users counters read about once a second during a measurement, to tell what it did with an instance
 * around a fault: the instance's share of the picks second by second, when it was ejected, when its breaker opened,
 * and how soon after a restart it was back in rotation.
 *
 * @param readings in time order
 */
record GatewayReadings(List<Reading> readings) {
    /**
     * One reading of the counters (totals since the gateway started).
     *
     * @param at time into the measurement
     * @param picks {@code javakit_balancer_picks_total} of the users instances
     * @param ejections {@code javakit_outlier_ejections_total} of the users instances, by instance
     * @param breakerOpenings {@code javakit_breaker_transitions_total{to="open"}}, by instance (a breaker is named after its instance)
     */
    record Reading(Duration at, Picks picks, Map<String, Double> ejections, Map<String, Double> breakerOpenings) {
        Reading {
            ejections = Map.copyOf(ejections);
            breakerOpenings = Map.copyOf(breakerOpenings);
        }

        static Reading of(Duration at, Prometheus metrics) {
            return new Reading(at, Picks.of(metrics, "users"), metrics.byInstance("javakit_outlier_ejections_total", Map.of("service", "users")),
                    metrics.byInstance("javakit_breaker_transitions_total", Map.of("to", "open")));
        }
    }

    /** What happened between two readings. */
    private record Interval(Reading from, Reading to) {
        Picks picks() {
            return to.picks().since(from.picks());
        }

        boolean rose(String instance, Function<Reading, Map<String, Double>> counter) {
            return counter.apply(to).getOrDefault(instance, 0.0) > counter.apply(from).getOrDefault(instance, 0.0);
        }
    }

    GatewayReadings {
        readings = List.copyOf(readings);
    }

    /** The intervals between readings that end after {@code from} and no later than {@code to}. */
    private List<Interval> intervals(Duration from, Duration to) {
        List<Interval> intervals = new ArrayList<>();
        for (int i = 1; i < readings.size(); i++) {
            Duration end = readings.get(i).at();
            if (end.compareTo(from) > 0 && end.compareTo(to) <= 0) {
                intervals.add(new Interval(readings.get(i - 1), readings.get(i)));
            }
        }
        return intervals;
    }

    /** {@code instance}'s share of the users picks in each interval ending after {@code from} until {@code to}: {@code 33 0 0 12 31} (%). */
    String shares(String instance, Duration from, Duration to) {
        return intervals(from, to).stream().map(i -> String.format(Locale.ROOT, "%.0f", 100 * i.picks().share(instance)))
                .collect(Collectors.joining(" "));
    }

    /**
     * Every second of the readings, the share of the users picks of each of {@code instances} in turn:
     * {@code [0s] 33/33/33 0/50/50 ...} (%), every fifth second marked.
     */
    String allShares(List<String> instances) {
        List<Interval> intervals = intervals(Duration.ofNanos(-1), Duration.ofSeconds(Long.MAX_VALUE));
        return IntStream.range(0, intervals.size()).mapToObj(k -> (k % 5 == 0 ? "[" + k + "s] " : "")
                + instances.stream().map(instance -> String.format(Locale.ROOT, "%.0f", 100 * intervals.get(k).picks().share(instance)))
                        .collect(Collectors.joining("/"))).collect(Collectors.joining(" "));
    }

    /** How long after {@code after} the first interval ended in which the gateway sent {@code instance} any call. */
    Optional<Duration> firstPicked(String instance, Duration after) {
        return firstEnd(after, i -> i.picks().byInstance().getOrDefault(instance, 0.0) > 0);
    }

    /**
     * How long after {@code after} the first interval ended in which {@code instance} had at least half an even
     * share of the picks: back in rotation, not merely probed.
     */
    Optional<Duration> backInRotation(String instance, Duration after) {
        return firstEnd(after, i -> i.picks().total() > 0 && i.picks().share(instance) >= 0.5 / Math.max(1, i.picks().byInstance().size()));
    }

    /** The ends of the intervals from {@code from} to {@code to} in which {@code instance} was ejected (once or more). */
    List<Duration> ejections(String instance, Duration from, Duration to) {
        return intervals(from, to).stream().filter(i -> i.rose(instance, Reading::ejections)).map(i -> i.to().at()).toList();
    }

    /** The ends of the intervals from {@code from} to {@code to} in which {@code instance}'s breaker opened (once or more). */
    List<Duration> breakerOpenings(String instance, Duration from, Duration to) {
        return intervals(from, to).stream().filter(i -> i.rose(instance, Reading::breakerOpenings)).map(i -> i.to().at()).toList();
    }

    /**
     * One line on {@code instance} from {@code from} to {@code to}: its share of the picks per second, when it was
     * ejected and its breaker opened, and how soon after {@code back} (named {@code backAs}: "it was ready") it was
     * picked and back in rotation.
     */
    String describe(String label, String instance, Duration from, Duration back, String backAs, Duration to) {
        return label + " share of users picks per second from " + Report.seconds(from) + " (%): " + shares(instance, from, to)
                + "; first picked " + after(firstPicked(instance, back), back, backAs, to)
                + ", back in rotation (≥ half an even share in a second) " + after(backInRotation(instance, back), back, backAs, to)
                + "; ejected in the second to " + times(ejections(instance, from, to))
                + "; breaker opened in the second to " + times(breakerOpenings(instance, from, to));
    }

    private Optional<Duration> firstEnd(Duration after, Predicate<Interval> test) {
        return intervals(after, Duration.ofSeconds(Long.MAX_VALUE)).stream().filter(test).findFirst().map(i -> i.to().at().minus(after));
    }

    private static String after(Optional<Duration> delay, Duration back, String backAs, Duration to) {
        return delay.filter(d -> back.plus(d).compareTo(to) <= 0).map(d -> "by " + Report.seconds(d) + " after " + backAs)
                .orElse("not by " + Report.seconds(to));
    }

    private static String times(List<Duration> times) {
        return times.isEmpty() ? "never" : times.stream().map(Report::seconds).collect(Collectors.joining(", "));
    }
}
