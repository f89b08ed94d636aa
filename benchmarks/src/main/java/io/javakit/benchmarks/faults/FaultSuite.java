package io.javakit.benchmarks.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The fault-injection suite: the example system as real processes (etcd, three users and three products instances,
 * the gateway), closed-loop load through the gateway, and one fault per scenario on users instance #1 (or each in
 * turn). The {@code fixed-*} scenarios give the gateway fixed instance lists, the seed's layout, whether or not
 * there is etcd. Prints a markdown table and writes it to {@code --out}; with {@code --check}, exits 1 when a goal
 * is missed.
 * Run it through {@code bench/faults.sh}, which builds what is missing.
 */
@Command(name = "faults", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs the example system as processes under load and injects faults: kill, hang, slow, fail, rolling, overload; "
                + "fixed-kill, fixed-hang, fixed-rolling with fixed instance lists.")
public final class FaultSuite implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(FaultSuite.class);
    private static final List<Scenario> SCENARIOS = List.of(FaultWindowScenario.kill(), FaultWindowScenario.hang(), new SlowScenario(),
            FaultWindowScenario.fail(), RollingScenario.onRegistry(), new OverloadScenario(), FaultWindowScenario.kill().onFixedLists(),
            FaultWindowScenario.hang().onFixedLists(), RollingScenario.onFixedLists());
    private static final List<String> SMOKE_SCENARIOS = List.of("kill", "fail", "rolling", "slow", "fixed-kill", "fixed-rolling");

    @Spec
    CommandSpec spec;
    @Option(names = "--scenarios", split = ",", description = "Which to run, in this order (default: kill,hang,slow,fail,rolling,overload,"
            + "fixed-kill,fixed-hang,fixed-rolling; smoke: kill,fail,rolling,slow,fixed-kill,fixed-rolling).")
    List<String> scenarios;
    @Option(names = "--concurrency", description = "Closed-loop clients (default: 64; smoke: 16).")
    Integer concurrency;
    @Option(names = "--duration", description = "Seconds measured per trial, after the warm-up (default: 30; smoke: 8).")
    Integer durationSeconds;
    @Option(names = "--warmup", description = "Seconds of load before each measurement, not recorded (default: 5; smoke: 2).")
    Integer warmupSeconds;
    @Option(names = "--restart-down", description = "fixed-rolling: seconds an instance stays down after it exited (default: 2).")
    Integer restartDownSeconds;
    @Option(names = "--restart-gap", description = "fixed-rolling: seconds from one instance's SIGTERM to the next's (default: 12; smoke: 8).")
    Integer restartGapSeconds;
    @Option(names = "--smoke", description = "A short run for CI (about 3 min on 2 cores): smoke defaults for the options above.")
    boolean smoke;
    @Option(names = "--check", description = "Exit 1 when a goal is missed: client errors or p99 over the deadline under kill, hang, slow, fail, rolling and the fixed-* ones; P2C not below round robin.")
    boolean check;
    @Option(names = "--work", defaultValue = "target/faults", description = "Logs (logs/<trial>/) and a copy of the system under test (sut/) (default: ${DEFAULT-VALUE}).")
    Path work;
    @Option(names = "--out", description = "The markdown report (default: <work>/results.md).")
    Path out;
    @Option(names = "--example-jar", defaultValue = "example/target/javakit-example.jar", description = "The system under test, with lib/ beside it (default: ${DEFAULT-VALUE}).")
    Path exampleJar;
    @Option(names = "--java", description = "java for the system's processes (default: the one running the suite).")
    Path java;
    @Option(names = "--etcd", description = "The etcd binary (default: etcd on the PATH, else /usr/bin/etcd).")
    Path etcd;
    @Option(names = "--no-etcd", description = "Give the gateway fixed instance lists even when etcd is there.")
    boolean noEtcd;
    @Option(names = "--deadline", defaultValue = "1000", description = "The gateway's --deadline in ms, and the p99 goal (default: ${DEFAULT-VALUE}).")
    long deadlineMillis;
    @Option(names = "--request-timeout", defaultValue = "5000", description = "The clients' timeout in ms: no answer within it is an error (default: ${DEFAULT-VALUE}).")
    long requestTimeoutMillis;
    @Option(names = "--max-concurrent-requests", description = "For a gateway that has this flag: its bound (default: twice --concurrency).")
    Integer maxConcurrentRequests;

    public static void main(String[] args) {
        System.exit(new CommandLine(new FaultSuite()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        int clients = concurrency != null ? concurrency : smoke ? 16 : 64;
        Duration duration = Duration.ofSeconds(durationSeconds != null ? durationSeconds : smoke ? 8 : 30);
        Duration warmup = Duration.ofSeconds(warmupSeconds != null ? warmupSeconds : smoke ? 2 : 5);
        Duration restartDown = Duration.ofSeconds(restartDownSeconds != null ? restartDownSeconds : 2);
        Duration restartGap = Duration.ofSeconds(restartGapSeconds != null ? restartGapSeconds : smoke ? 8 : 12);
        List<Scenario> selected = selected(scenarios != null ? scenarios : smoke ? SMOKE_SCENARIOS : SCENARIOS.stream().map(Scenario::name).toList());
        Path javaBinary = java != null ? java : Path.of(ProcessHandle.current().info().command().orElse("java"));
        Optional<Path> etcdBinary = noEtcd ? Optional.empty() : Optional.ofNullable(etcd).or(FaultSuite::etcdOnPath);
        Path aotCache = work.resolve("sut").resolve("javakit-example.aot");
        Path sut = snapshot(exampleJar, work.resolve("sut"), aotCache);
        boolean bounded = gatewayHelp(javaBinary, sut).contains("--max-concurrent-requests");
        // JDK 25 records an AOT cache in one step (-XX:AOTCacheOutput); older ones start without.
        SuiteSettings settings = new SuiteSettings(javaBinary, sut, featureVersion(javaBinary) >= 25 ? Optional.of(aotCache) : Optional.empty(), etcdBinary,
                bounded ? OptionalInt.of(maxConcurrentRequests != null ? maxConcurrentRequests : 2 * clients) : OptionalInt.empty(),
                work.resolve("logs"), clients, duration, warmup, Duration.ofMillis(requestTimeoutMillis), Duration.ofMillis(deadlineMillis),
                restartDown, restartGap, SuiteSettings.Ports.DEFAULTS);

        List<ScenarioResult> results = new ArrayList<>();
        for (Scenario scenario : selected) {
            LOG.atInfo().addKeyValue("scenario", scenario.name()).log("scenario starts");
            results.add(runOrReport(scenario, settings));
        }
        Report report = new Report(header(settings), results);
        String markdown = report.markdown();
        System.out.println();
        System.out.println(markdown);
        Path outFile = out != null ? out : work.resolve("results.md");
        Files.createDirectories(outFile.toAbsolutePath().getParent());
        Files.writeString(outFile, markdown, StandardCharsets.UTF_8);
        System.out.println("written to " + outFile);
        if (check && !report.misses().isEmpty()) {
            report.misses().forEach(miss -> System.out.println("goal missed: " + miss));
            return 1;
        }
        return 0;
    }

    /** A scenario that could not run (a process would not start) is a missed goal, and the rest still run. */
    private static ScenarioResult runOrReport(Scenario scenario, SuiteSettings settings) {
        try {
            return scenario.run(settings);
        } catch (Exception e) {
            LOG.atError().addKeyValue("scenario", scenario.name()).addKeyValue("err", e.toString()).log("scenario could not run");
            return new ScenarioResult(scenario.name(), List.of(), List.of("could not run: " + e),
                    List.of(scenario.name() + ": could not run (" + Objects.toString(e.getMessage(), e.toString()).lines().findFirst().orElse("") + ")"));
        }
    }

    private List<Scenario> selected(List<String> names) {
        Map<String, Scenario> byName = SCENARIOS.stream().collect(Collectors.toMap(Scenario::name, Function.identity()));
        return names.stream().map(name -> {
            Scenario scenario = byName.get(name.trim());
            if (scenario == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--scenarios: '" + name + "' (expected: "
                        + String.join(", ", byName.keySet().stream().sorted().toList()) + ")");
            }
            return scenario;
        }).toList();
    }

    private static Optional<Path> etcdOnPath() {
        return Stream.concat(Stream.of(System.getenv().getOrDefault("PATH", "").split(":")), Stream.of("/usr/bin"))
                .filter(dir -> !dir.isEmpty()).map(dir -> Path.of(dir, "etcd")).filter(Files::isExecutable).findFirst();
    }

    /**
     * Copies the example jar and its {@code lib/} into {@code into}, so that a rebuild while the suite runs (the jar is
     * rewritten in place) cannot change, or break, the processes it starts and restarts. Files are copied with their
     * times, and only when they changed, so that the AOT cache recorded by an earlier run stays valid until the system
     * changes; then it is deleted, and recorded again.
     */
    private static Path snapshot(Path jar, Path into, Path aotCache) throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IOException("no system under test at " + jar.toAbsolutePath() + " (build it: ./javakit users --help, or bench/faults.sh)");
        }
        Path lib = jar.toAbsolutePath().getParent().resolve("lib");
        Path libCopy = into.resolve("lib");
        Files.createDirectories(libCopy);
        boolean changed = copyIfChanged(jar, into.resolve(jar.getFileName()));
        List<Path> libs;
        try (Stream<Path> files = Files.list(lib)) {
            libs = files.toList();
        }
        for (Path file : libs) {
            changed |= copyIfChanged(file, libCopy.resolve(file.getFileName().toString()));
        }
        List<Path> gone;
        try (Stream<Path> copies = Files.list(libCopy)) {
            gone = copies.filter(copy -> !Files.exists(lib.resolve(copy.getFileName().toString()))).toList();
        }
        for (Path copy : gone) {
            Files.delete(copy);
            changed = true;
        }
        if (changed) {
            Files.deleteIfExists(aotCache);
        }
        return into.resolve(jar.getFileName());
    }

    private static boolean copyIfChanged(Path file, Path copy) throws IOException {
        if (Files.exists(copy) && Files.size(copy) == Files.size(file)
                && Files.getLastModifiedTime(copy).equals(Files.getLastModifiedTime(file))) {
            return false;
        }
        Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        return true;
    }

    /** The feature version of the JDK {@code java} belongs to, from its {@code release} file; 0 when unknown. */
    private static int featureVersion(Path java) {
        try (Stream<String> lines = Files.lines(java.toRealPath().getParent().resolveSibling("release"))) {
            return lines.filter(line -> line.startsWith("JAVA_VERSION=")).findFirst()
                    .map(line -> line.replaceAll("^JAVA_VERSION=\"?(\\d+).*", "$1")).map(Integer::parseInt).orElse(0);
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static String gatewayHelp(Path java, Path jar) throws IOException, InterruptedException {
        Process help = new ProcessBuilder(java.toString(), "-jar", jar.toString(), "gateway", "--help").redirectErrorStream(true).start();
        String text = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        help.waitFor();
        return text;
    }

    private String header(SuiteSettings settings) throws IOException {
        String registry = settings.etcd().map(path -> "etcd (" + path + ", fresh per trial)")
                .orElse(noEtcd ? "fixed instance lists (--no-etcd)" : "fixed instance lists: NO etcd binary found, registry paths not exercised");
        return String.join("\n", List.of(
                Instant.now().truncatedTo(ChronoUnit.SECONDS) + " on " + Runtime.getRuntime().availableProcessors() + " cores"
                        + (smoke ? ", smoke run" : "") + ". System under test: " + exampleJar + " (built "
                        + Files.getLastModifiedTime(exampleJar).toInstant().truncatedTo(ChronoUnit.SECONDS) + "), java " + settings.java() + ".",
                "Registry: " + registry + "; the fixed-* scenarios give the gateway fixed lists (--users, --products) in any case. "
                        + (settings.aotCache().isPresent()
                        ? "Processes start from a JDK AOT cache (recorded by the first trial's gateway when missing or stale). "
                        : "No AOT cache (needs JDK 25+). ") + "Gateway: P2C unless named, --deadline " + settings.deadline().toMillis() + " ms, "
                        + "--rate-limit 0 (its default, 100 req/s per instance, answers closed-loop load 429 by design)"
                        + settings.maxConcurrentRequests().stream().mapToObj(n -> ", --max-concurrent-requests " + n).findFirst().orElse("")
                        + ", other flags at their defaults.",
                "Load: " + settings.concurrency() + " closed-loop clients (keep-alive, GET /users/user1..9; 200 and 404 are answers, "
                        + "anything else is a client error, as is no answer within " + settings.requestTimeout().toMillis() + " ms), "
                        + settings.duration().toSeconds() + " s measured after " + settings.warmup().toSeconds() + " s of warm-up; "
                        + "faults on users #1 from " + Report.seconds(settings.faultAt()) + " to " + Report.seconds(settings.restoreAt()) + "; "
                        + "fixed-rolling: each users instance SIGTERMed, down " + Report.seconds(settings.restartDown()) + " after it exited, "
                        + Report.seconds(settings.restartGap()) + " from one SIGTERM to the next. "
                        + "Latency is client-side, every request included."));
    }
}
