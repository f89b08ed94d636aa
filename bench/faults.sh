#!/usr/bin/env bash
# The fault-injection suite: the example system as real processes (etcd when installed, 3 users + 3 products
# instances, the gateway) under closed-loop load, one fault per scenario (kill, hang, slow, fail, rolling, overload;
# fixed-kill, fixed-hang, fixed-rolling give the gateway fixed instance lists, the seed's layout, even with etcd).
#   bench/faults.sh                 the full suite (~9 min on 2 cores); report in benchmarks/target/faults/results.md
#   bench/faults.sh --smoke --check what CI runs (~3 min): kill, fail, rolling, slow, fixed-kill, fixed-rolling;
#                                   exits 1 if a goal is missed
#   bench/faults.sh --scenarios fixed-rolling --concurrency 32 --restart-gap 13 --restart-down 2   a rolling deploy by hand
#   bench/faults.sh --scenarios hang,overload --duration 60    other flags go to the suite (--help lists them)
# Ports: gateway 18000, admin 19000, instances 18080-18085, etcd 12379/12380. Logs of every process:
# benchmarks/target/faults/logs/<trial>/. Whatever happens, nothing it started is left running.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$ROOT/benchmarks/target/faults"

"$ROOT/javakit" users --help >/dev/null   # builds the example if it is missing or stale
if [[ ! -f "$ROOT/benchmarks/target/benchmarks.jar" ]]; then
  (cd "$ROOT" && ./mvnw -B -q -ntp -pl benchmarks -am package -DskipTests)
fi
JAVA="$("$ROOT/javakit" java-home | sed -n "s/^JAVA_HOME=//p")/bin/java"

# The suite runs in its own process group, so that stopping it reaches whatever it started, even if it cannot
# clean up after itself (its shutdown hook kills its processes on SIGTERM; SIGKILL to the group is the backstop).
set -m
GROUP=""
stop_group() {
  [[ -n "$GROUP" ]] || return 0
  kill -TERM -- "-$GROUP" 2>/dev/null || return 0   # nothing left in it
  for _ in $(seq 1 50); do kill -0 -- "-$GROUP" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$GROUP" 2>/dev/null || true
}
trap stop_group EXIT
trap 'exit 130' INT TERM

"$JAVA" -cp "$ROOT/benchmarks/target/benchmarks.jar" io.javakit.benchmarks.faults.FaultSuite \
  --example-jar "$ROOT/example/target/javakit-example.jar" --work "$WORK" "$@" &
GROUP=$!
status=0
wait "$GROUP" || status=$?
exit "$status"
