package io.javakit.benchmarks.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** The suite's results as markdown: one table row per measured stretch, each scenario's details, and the goals. */
final class Report {
    private final String header;
    private final List<ScenarioResult> results;

    /** @param header what was run where, one paragraph */
    Report(String header, List<ScenarioResult> results) {
        this.header = header;
        this.results = List.copyOf(results);
    }

    List<String> misses() {
        return results.stream().flatMap(r -> r.misses().stream()).toList();
    }

    String markdown() {
        StringBuilder md = new StringBuilder("# javakit fault-injection suite\n\n").append(header).append("\n\n");
        md.append("| scenario | requests | client errors | p50 | p99 | max | notes |\n");
        md.append("|---|---:|---|---:|---:|---:|---|\n");
        for (ScenarioResult result : results) {
            for (ScenarioResult.Row row : result.rows()) {
                Measurement m = row.measurement();
                md.append("| ").append(row.label()).append(" | ").append(m.requests()).append(" | ").append(errors(m)).append(" | ")
                        .append(millis(m.all().p50Micros())).append(" | ").append(millis(m.all().p99Micros())).append(" | ")
                        .append(millis(m.all().maxMicros())).append(" | ").append(row.notes()).append(" |\n");
            }
        }
        for (ScenarioResult result : results) {
            md.append("\n## ").append(result.scenario()).append("\n\n");
            result.details().forEach(line -> md.append("- ").append(line).append('\n'));
        }
        md.append("\n## Goals\n\n");
        List<String> misses = misses();
        if (misses.isEmpty()) {
            md.append("All met: no client errors and p99 within the deadline under kill, hang, slow, fail and rolling restarts, "
                    + "on the registry and on fixed lists (those that ran); P2C moved traffic off the slow instance.\n");
        } else {
            misses.forEach(miss -> md.append("- MISSED ").append(miss).append('\n'));
        }
        return md.toString();
    }

    /** The lines every scenario's details carry: rate, errors with a sample answer each, the timeline. */
    static List<String> describe(Measurement m) {
        List<String> lines = new ArrayList<>();
        lines.add(rate(m) + " req/s over " + seconds(m.elapsed()) + "; client errors: " + errors(m));
        lines.addAll(samples(m));
        lines.add(timeline(m));
        return lines;
    }

    /** One line per error outcome: the first answer (or exception) the clients got. */
    static List<String> samples(Measurement m) {
        return m.errorSamples().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> "first " + e.getKey() + ": `" + e.getValue().replace('`', '\'').replace('\n', ' ') + "`").toList();
    }

    /** Second by second: requests/errors@p99 ms, to show when a fault bit and when it stopped biting. */
    static String timeline(Measurement m) {
        List<Measurement.Second> seconds = m.timeline();
        return "timeline, per second (requests/errors@p99 ms): " + IntStream.range(0, seconds.size())
                .mapToObj(i -> (i % 5 == 0 ? "[" + i + "s] " : "") + seconds.get(i).requests() + "/" + seconds.get(i).errors() + "@"
                        + Math.round(seconds.get(i).p99Micros() / 1000.0))
                .collect(Collectors.joining(" "));
    }

    /**
     * logfmt lines counted by message and the instances they name, in one line: {@code gateway log: "ejecting an
     * outlier instance" ×3 (127.0.0.1:18080 ×3)}; nothing when there are none.
     */
    static List<String> summarise(String source, List<String> logfmtLines) {
        if (logfmtLines.isEmpty()) {
            return List.of();
        }
        Map<String, List<String>> byMessage = logfmtLines.stream().collect(Collectors.groupingBy(
                line -> field(line, "level") + " \"" + field(line, "msg") + "\"", TreeMap::new, Collectors.mapping(line -> field(line, "instance"), Collectors.toList())));
        return List.of(source + ": " + byMessage.entrySet().stream().map(e -> {
            String instances = e.getValue().stream().filter(i -> !i.isEmpty())
                    .collect(Collectors.groupingBy(i -> i, TreeMap::new, Collectors.counting()))
                    .entrySet().stream().map(i -> i.getKey() + " ×" + i.getValue()).collect(Collectors.joining(", "));
            return e.getKey() + " ×" + e.getValue().size() + (instances.isEmpty() ? "" : " (" + instances + ")");
        }).collect(Collectors.joining("; ")));
    }

    /** A logfmt field's value, quoted or not; empty when absent. */
    private static String field(String line, String key) {
        Matcher value = Pattern.compile("(?:^| )" + Pattern.quote(key) + "=(\"((?:[^\"\\\\]|\\\\.)*)\"|[^ ]*)").matcher(line);
        if (!value.find()) {
            return "";
        }
        return value.group(2) != null ? value.group(2) : value.group(1);
    }

    /** {@code 0}, or the count with its outcomes: {@code 12 (503: 10, timeout: 2)}. */
    static String errors(Measurement m) {
        Map<String, Long> errors = m.errors();
        if (errors.isEmpty()) {
            return "0";
        }
        return m.errorCount() + " (" + errors.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining(", ")) + ")";
    }

    static String rate(Measurement m) {
        return String.format(Locale.ROOT, "%.0f", m.perSecond());
    }

    static String millis(long micros) {
        double ms = micros / 1000.0;
        return String.format(Locale.ROOT, ms < 10 ? "%.2f ms" : ms < 100 ? "%.1f ms" : "%.0f ms", ms);
    }

    static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
    }

    static String percent(double share) {
        return String.format(Locale.ROOT, "%.1f%%", share * 100);
    }
}
