package io.javakit.benchmarks.faults;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.IntStream;

/**
 * How the suite runs: what it starts, where, and how hard it drives it.
 *
 * @param java the java launcher for the system's processes
 * @param exampleJar the system under test ({@code javakit-example.jar}, its {@code lib/} beside it)
 * @param aotCache where the JDK's ahead-of-time cache for the system's processes is kept (JDK 25+), or empty
 * @param etcd the etcd binary, or empty to give the gateway fixed instance lists
 * @param maxConcurrentRequests passed to the gateway as {@code --max-concurrent-requests} when it has that flag
 * @param logs where each process's output goes, one directory per trial
 * @param concurrency closed-loop workers
 * @param duration the measured stretch of each trial, after the warm-up
 * @param warmup load before the measurement, not recorded
 * @param requestTimeout the load driver's: no answer within it is a client error
 * @param deadline the gateway's per-request deadline ({@code --deadline}); the p99 goal
 * @param restartDown in the fixed-list rolling restart, how long an instance stays down after it exited
 * @param restartGap in the fixed-list rolling restart, from one SIGTERM to the next
 * @param ports where the processes listen
 */
record SuiteSettings(Path java, Path exampleJar, Optional<Path> aotCache, Optional<Path> etcd, OptionalInt maxConcurrentRequests, Path logs,
                     int concurrency, Duration duration, Duration warmup, Duration requestTimeout, Duration deadline,
                     Duration restartDown, Duration restartGap, Ports ports) {
    /** Ports apart from the defaults of the example (8000, 8080-8085, 9000) and of a developer's etcd (2379). */
    record Ports(int gateway, int admin, List<Integer> users, List<Integer> products, int etcdClient, int etcdPeer) {
        static final Ports DEFAULTS = new Ports(18000, 19000, range(18080, 3), range(18083, 3), 12379, 12380);

        Ports {
            users = List.copyOf(users);
            products = List.copyOf(products);
        }

        private static List<Integer> range(int first, int count) {
            return IntStream.range(first, first + count).boxed().toList();
        }
    }

    /** When a fault starts in a fault-window scenario: a third into the measurement (10 s of 30). */
    Duration faultAt() {
        return duration.dividedBy(3);
    }

    /** When it ends: two thirds in (20 s of 30), leaving a third to show the recovery. */
    Duration restoreAt() {
        return duration.multipliedBy(2).dividedBy(3);
    }
}
