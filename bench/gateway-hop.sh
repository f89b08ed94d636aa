#!/usr/bin/env bash
# The gateway hop benchmark: javakit's gateway against nginx (and direct), interleaved, with the shared peer harness.
#   bench/gateway-hop.sh [rounds]       default 3 rounds; results in $BENCH_OUT (default /tmp/javakit-hop/out)
#   ROUNDS=1 DURATION=3s WARMUP=3 bench/gateway-hop.sh   a short smoke run
#   OBSERVABILITY=compare bench/gateway-hop.sh 2         also a gateway without metrics and tracing, each round
#                                                         (what observability costs: docs/benchmarks.md)
# Needs wrk and nginx (apt-get install -y wrk nginx); the harness starts the three nginx backends on 8083-8085.
# Our gateway runs with --quiet (the peers log nothing) and --rate-limit 0 (the peers do not rate-limit).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PEERS="${PEERS:-$(cd "$ROOT/.." && pwd)/shared/bench/peers}"
[[ -f "$PEERS/run.sh" ]] || PEERS=/work/shared/bench/peers   # where the workplace keeps it
[[ -f "$PEERS/run.sh" ]] || { echo "peer harness not found beside the repository or at $PEERS (set PEERS=)" >&2; exit 1; }
export BENCH_OUT="${BENCH_OUT:-/tmp/javakit-hop/out}" DURATION="${DURATION:-10s}"
ROUNDS="${1:-${ROUNDS:-3}}"
mkdir -p "$BENCH_OUT"

"$ROOT/javakit" gateway --help >/dev/null   # builds if needed, once: the rounds run the jar itself
JAVA="$("$ROOT/javakit" java-home | sed -n "s/^JAVA_HOME=//p")/bin/java"
GW=""
stop_gateway() { if [[ -n "$GW" ]]; then kill "$GW" 2>/dev/null || true; wait "$GW" 2>/dev/null || true; fi; GW=""; }
trap stop_gateway EXIT

measure_gateway() { # label extra-flags...
  local label=$1; shift
  "$JAVA" -jar "$ROOT/example/target/javakit-example.jar" gateway --port 8000 --admin-port 0 --quiet --rate-limit 0 "$@" \
    --users 127.0.0.1:8083 --products 127.0.0.1:8083,127.0.0.1:8084,127.0.0.1:8085 > "$BENCH_OUT/$label-gateway.log" 2>&1 &
  GW=$!
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/8000) 2>/dev/null && break; sleep 0.1; done
  bash "$PEERS/run.sh" custom "$GW" "$label"
  stop_gateway
}

for ((r = 1; r <= ROUNDS; r++)); do
  echo "=== round $r/$ROUNDS" >&2
  bash "$PEERS/run.sh" nginx 1
  measure_gateway javakit
  if [[ "${OBSERVABILITY:-}" == compare ]]; then measure_gateway javakit-no-observability --no-metrics --tracing off; fi
  if [[ $r -eq 1 ]]; then bash "$PEERS/run.sh" direct; fi
done
bash "$PEERS/run.sh" summary
