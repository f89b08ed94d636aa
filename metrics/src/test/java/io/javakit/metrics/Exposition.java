package io.javakit.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: it fails on anything a Prometheus
 * server would refuse or misread (malformed lines, samples before or outside their family's TYPE, a family split
 * up, histogram buckets that are not cumulative or lack {@code +Inf}) and then answers queries about samples.
 */
record Exposition(Map<String, Family> families) {
    record Sample(String name, Map<String, String> labels, double value) {}

    record Family(String name, String type, List<Sample> samples) {}

    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") .*");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(.*)})? (\\S+)( -?\\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\",?");

    static Exposition parse(String text) {
        Map<String, Family> families = new LinkedHashMap<>();
        Family current = null;
        String[] lines = text.split("\n", -1);
        check(text.endsWith("\n"), 0, "the text must end with a line feed", "");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int n = i + 1;
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                Matcher type = TYPE.matcher(line);
                if (type.matches()) {
                    check(!families.containsKey(type.group(1)), n, "second TYPE for a family", line);
                    current = new Family(type.group(1), type.group(2), new ArrayList<>());
                    families.put(current.name(), current);
                } else {
                    check(!line.startsWith("# TYPE") && (!line.startsWith("# HELP") || HELP.matcher(line).matches()),
                            n, "malformed TYPE or HELP", line);
                }
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            check(sample.matches(), n, "malformed sample", line);
            check(current != null && belongs(sample.group(1), current), n, "sample outside its family's TYPE", line);
            current.samples().add(new Sample(sample.group(1), labels(sample.group(3), n, line), value(sample.group(4), n, line)));
        }
        families.values().forEach(Exposition::checkHistogram);
        return new Exposition(families);
    }

    private static boolean belongs(String sample, Family family) {
        String suffix = sample.startsWith(family.name()) ? sample.substring(family.name().length()) : null;
        if (suffix == null) {
            return false;
        }
        return switch (family.type()) {
            case "histogram" -> Set.of("_bucket", "_sum", "_count").contains(suffix);
            case "summary" -> Set.of("", "_sum", "_count").contains(suffix);
            default -> suffix.isEmpty();
        };
    }

    private static Map<String, String> labels(String text, int n, String line) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (text == null) {
            return labels;
        }
        Matcher label = LABEL.matcher(text);
        int end = 0;
        while (label.find() && label.start() == end) {
            check(labels.put(label.group(1), label.group(2)) == null, n, "repeated label", line);
            end = label.end();
        }
        check(end == text.length(), n, "malformed labels", line);
        return labels;
    }

    private static double value(String text, int n, String line) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> {
                try {
                    yield Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    throw new AssertionError("line " + n + ": malformed value: " + line);
                }
            }
        };
    }

    /** Per series (labels but {@code le}): buckets cumulative in {@code le} order, ending at +Inf = _count. */
    private static void checkHistogram(Family family) {
        if (!family.type().equals("histogram")) {
            return;
        }
        Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
        Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
        for (Sample s : family.samples()) {
            Map<String, String> series = new LinkedHashMap<>(s.labels());
            String le = series.remove("le");
            if (s.name().endsWith("_bucket")) {
                check(le != null, 0, "bucket without le", s.toString());
                buckets.computeIfAbsent(series, k -> new ArrayList<>()).add(s);
            } else if (s.name().endsWith("_count")) {
                counts.put(series, s.value());
            }
        }
        check(buckets.keySet().equals(counts.keySet()), 0, "buckets and counts of different series", family.name());
        buckets.forEach((series, list) -> {
            double previousLe = Double.NEGATIVE_INFINITY;
            double previous = 0;
            for (Sample b : list) {
                double le = value(b.labels().get("le"), 0, b.toString());
                check(le > previousLe && b.value() >= previous, 0, "buckets not cumulative", b.toString());
                previousLe = le;
                previous = b.value();
            }
            check(previousLe == Double.POSITIVE_INFINITY && previous == counts.get(series), 0,
                    "last bucket is not +Inf = _count", family.name() + series);
        });
    }

    private static void check(boolean ok, int line, String problem, String text) {
        if (!ok) {
            throw new AssertionError((line > 0 ? "line " + line + ": " : "") + problem + ": " + text);
        }
    }

    /** The family's type, or null if there is no such family. */
    String type(String family) {
        Family f = families.get(family);
        return f == null ? null : f.type();
    }

    /** The value of the one sample {@code name} whose labels include {@code labels}. */
    double value(String name, Map<String, String> labels) {
        List<Sample> matching = families.values().stream().flatMap(f -> f.samples().stream())
                .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
                .toList();
        if (matching.size() != 1) {
            throw new AssertionError(matching.size() + " samples " + name + labels + " (expected: one)");
        }
        return Objects.requireNonNull(matching.get(0)).value();
    }
}
