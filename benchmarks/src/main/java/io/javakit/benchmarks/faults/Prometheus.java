package io.javakit.benchmarks.faults;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The samples of a Prometheus text exposition (the gateway's {@code /metrics}), summed the way a report needs them. */
record Prometheus(List<Sample> samples) {
    /** One line: {@code name{label="value",...} value}. */
    record Sample(String name, Map<String, String> labels, double value) {
        Sample {
            labels = Map.copyOf(labels);
        }
    }

    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    Prometheus {
        samples = List.copyOf(samples);
    }

    /** Every sample with labels; comments, and the samples without labels, which no report here reads, are left out. */
    static Prometheus parse(String exposition) {
        List<Sample> samples = new ArrayList<>();
        for (String line : exposition.split("\n")) {
            int labelsStart = line.indexOf('{');
            int labelsEnd = line.lastIndexOf('}');
            if (line.startsWith("#") || labelsStart < 0 || labelsEnd < labelsStart) {
                continue;
            }
            Map<String, String> labels = new HashMap<>();
            Matcher label = LABEL.matcher(line.substring(labelsStart + 1, labelsEnd));
            while (label.find()) {
                labels.put(label.group(1), label.group(2));
            }
            samples.add(new Sample(line.substring(0, labelsStart), labels, Double.parseDouble(line.substring(labelsEnd + 1).trim())));
        }
        return new Prometheus(samples);
    }

    /**
     * The values of {@code metric}'s samples that carry every label of {@code where}, summed by {@code key} of their
     * labels (samples for which it is null are left out), in key order.
     */
    Map<String, Double> sum(String metric, Map<String, String> where, Function<Map<String, String>, String> key) {
        Map<String, Double> sums = new TreeMap<>();
        for (Sample sample : samples) {
            if (sample.name().equals(metric) && sample.labels().entrySet().containsAll(where.entrySet())) {
                String k = key.apply(sample.labels());
                if (k != null) {
                    sums.merge(k, sample.value(), Double::sum);
                }
            }
        }
        return sums;
    }

    /** {@link #sum} by the {@code instance} label. */
    Map<String, Double> byInstance(String metric, Map<String, String> where) {
        return sum(metric, where, labels -> labels.get("instance"));
    }
}
