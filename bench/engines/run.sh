#!/usr/bin/env bash
# HTTP engine bake-off for the gateway hop: builds bench/engines and measures JDK / Helidon / Jetty / Netty
# on 127.0.0.1:8000 with the peer harness (shared/bench/peers/run.sh), interleaved with nginx and "direct".
#
# Usage: ./run.sh [rounds]          (default 2)
#        ./run.sh summary            (tables from the last results in $BENCH_OUT)
# Env:   DURATION=10s  ENGINES="jdk helidon jetty netty"  BENCH_OUT=/tmp/engines-bench/out
#        JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64  JAVA_OPTS=  PEERS=<dir of the peer harness>
#        HELLO_CONNS="32 128" (the /hello reference runs, measured here with the same wrk settings)
#        FIRST_ROUND=1 (number of the first round; even rounds run in reverse order)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
PEERS="${PEERS:-$(cd "$HERE/../../.." && pwd)/shared/bench/peers}"
[[ -x "$PEERS/run.sh" ]] || PEERS=/work/shared/bench/peers
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export BENCH_OUT="${BENCH_OUT:-/tmp/engines-bench/out}"
export DURATION="${DURATION:-10s}"
ENGINES="${ENGINES:-jdk helidon jetty netty}"
HELLO_CONNS="${HELLO_CONNS:-32 128}"
JAVA_OPTS="${JAVA_OPTS:-}"
HELLO_CSV="$BENCH_OUT/hello.csv"
CLK_TCK="$(getconf CLK_TCK)"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { local i; for ((i = 0; i < $2 * 10; i++)); do port_open "$1" && return 0; sleep 0.1; done; return 1; }
wait_port_free() { local i; for ((i = 0; i < 100; i++)); do port_open "$1" || return 0; sleep 0.1; done; return 1; }
cpu_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }   # utime+stime of one JVM
to_ms() {
  awk -v v="$1" 'BEGIN{ if (v ~ /us$/) { sub(/us$/,"",v); printf "%.3f", v/1000 }
    else if (v ~ /ms$/) { sub(/ms$/,"",v); printf "%.3f", v } else if (v ~ /s$/) { sub(/s$/,"",v); printf "%.3f", v*1000 } }'
}

summary() {
  echo "## hop (peer harness, $BENCH_OUT/results.csv): medians per gateway and c"
  CSV="$BENCH_OUT/results.csv" "$PEERS/run.sh" summary
  echo
  echo "## hop ratios vs nginx-w1 (median of per-round ratios, nginx measured in the same round)"
  python3 - "$BENCH_OUT/results.csv" <<'PY'
import csv, sys, statistics as st
rows = list(csv.DictReader(open(sys.argv[1])))
# every gateway runs once per round, so the k-th row of a gateway at c belongs to round k
seen, by_round = {}, {}
for r in rows:
    k = (r["gateway"], r["conns"]); seen[k] = seen.get(k, 0) + 1
    by_round[(seen[k],) + k] = r
ratios = {}
for (rd, g, c), x in sorted(by_round.items()):
    n = by_round.get((rd, "nginx-w1", c))
    if n is None or g == "nginx-w1": continue
    ratios.setdefault((g, int(c)), []).append((float(x["rps"]) / float(n["rps"]),
                                              float(x["gw_cpu_us_per_req"]) / float(n["gw_cpu_us_per_req"])))
print("| gateway | c | rounds | req/s vs nginx | CPU/req vs nginx |")
print("|---|---|---|---|---|")
for (g, c), v in sorted(ratios.items()):
    print(f"| {g} | {c} | {len(v)} | {st.median(a for a, _ in v):.2f} | {st.median(b for _, b in v):.1f}x |")
PY
  echo
  echo "## /hello (server alone, $HELLO_CSV): medians"
  python3 - "$HELLO_CSV" <<'PY'
import csv, sys, statistics as st
rows = list(csv.DictReader(open(sys.argv[1])))
g = {}
for r in rows: g.setdefault((r["engine"], int(r["conns"])), []).append(r)
print("| engine | c | runs | req/s median (min-max) | p50 ms | p99 ms | CPU us/req | RSS MiB |")
print("|---|---|---|---|---|---|---|---|")
for (e, c), v in sorted(g.items()):
    rps = [float(x["rps"]) for x in v]
    m = lambda k: st.median(float(x[k]) for x in v)
    print(f"| {e} | {c} | {len(v)} | {st.median(rps):.0f} ({min(rps):.0f}-{max(rps):.0f}) | {m('p50_ms'):.2f} | {m('p99_ms'):.2f} | {m('cpu_us_per_req'):.1f} | {m('rss_mb'):.0f} |")
PY
}

[[ "${1:-}" == summary ]] && { summary; exit 0; }
ROUNDS="${1:-2}"

command -v wrk >/dev/null && command -v nginx >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk nginx; }
mkdir -p "$BENCH_OUT/logs"
log "building $HERE (JAVA_HOME=$JAVA_HOME)"
(cd "$HERE" && mvn -q -B package)

BACKENDS_PID="" ENGINE_PID=""
cleanup() {
  set +e
  [[ -n "$ENGINE_PID" ]] && { kill "$ENGINE_PID" 2>/dev/null; wait "$ENGINE_PID" 2>/dev/null; }
  [[ -n "$BACKENDS_PID" ]] && { kill "$BACKENDS_PID" 2>/dev/null; wait "$BACKENDS_PID" 2>/dev/null; }
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_open 8000 && { log "127.0.0.1:8000 is busy; stop it first"; exit 1; }
if ! port_open 8083; then   # one set of backends (the harness's nginx, 1 worker) for the whole run
  "$PEERS/run.sh" backends > "$BENCH_OUT/backends.log" 2>&1 &
  BACKENDS_PID=$!
  wait_port 8083 10 && wait_port 8085 5 || { log "backends failed, see $BENCH_OUT/backends.log"; exit 1; }
fi

hello() { # engine pid: /hello measured with the harness's wrk settings (-t1, --latency) and CPU/RSS from /proc
  local e=$1 pid=$2 c out t0 t1 reqs rps p50 p99 rss
  wrk -t1 -c64 -d3s http://127.0.0.1:8000/hello > /dev/null
  [[ -f "$HELLO_CSV" ]] || echo "time,engine,conns,rps,p50_ms,p99_ms,cpu_us_per_req,rss_mb,requests,errors" > "$HELLO_CSV"
  for c in $HELLO_CONNS; do
    t0=$(cpu_ticks "$pid")
    out=$(wrk -t1 -c"$c" -d"$DURATION" --latency http://127.0.0.1:8000/hello)
    t1=$(cpu_ticks "$pid")
    printf '%s\n' "$out" > "$BENCH_OUT/logs/$(date +%Y%m%dT%H%M%S)-hello-$e-c$c.txt"
    reqs=$(awk '/requests in/{print $1}' <<<"$out"); rps=$(awk '/^Requests\/sec:/{print $2}' <<<"$out")
    p50=$(to_ms "$(awk '$1=="50%"{print $2}' <<<"$out")"); p99=$(to_ms "$(awk '$1=="99%"{print $2}' <<<"$out")")
    rss=$(awk '/^VmRSS:/{printf "%.1f", $2/1024}' "/proc/$pid/status")
    errs=$(awk '/Socket errors|Non-2xx/{gsub(/,/,""); for (i=1;i<=NF;i++) if ($i ~ /^[0-9]+$/) s+=$i} END{print s+0}' <<<"$out")
    local us; us=$(awk -v a="$t0" -v b="$t1" -v hz="$CLK_TCK" -v n="$reqs" 'BEGIN{printf "%.1f",(b-a)/hz*1e6/n}')
    echo "$(date +%Y%m%dT%H%M%S),$e,$c,$rps,$p50,$p99,$us,$rss,$reqs,$errs" >> "$HELLO_CSV"
    log "hello $e c=$c rps=$rps p99=${p99}ms cpu=${us}us/req rss=${rss}MiB errors=$errs"
  done
}

engine() { # name
  local e=$1
  # shellcheck disable=SC2086
  "$JAVA_HOME/bin/java" $JAVA_OPTS -jar "$HERE/target/engines.jar" "$e" > "$BENCH_OUT/engine-$e.log" 2>&1 &
  ENGINE_PID=$!
  wait_port 8000 30 || { log "$e failed to start, see $BENCH_OUT/engine-$e.log"; exit 1; }
  "$PEERS/run.sh" custom "$ENGINE_PID" "$e"     # verify (body + round robin), 15 s warm-up, c=32 and c=128
  hello "$e" "$ENGINE_PID"
  kill "$ENGINE_PID"; wait "$ENGINE_PID" 2>/dev/null || true; ENGINE_PID=""
  wait_port_free 8000 || { log "port 8000 still busy"; exit 1; }
}

FIRST="${FIRST_ROUND:-1}"   # e.g. FIRST_ROUND=4 ./run.sh 1 appends a 4th (reversed-order) round to $BENCH_OUT
for ((r = FIRST; r < FIRST + ROUNDS; r++)); do
  order="nginx direct $ENGINES"
  ((r % 2)) || order="$(echo "$order" | tr ' ' '\n' | tac | tr '\n' ' ')"
  log "=== round $r: $order"
  for g in $order; do
    case "$g" in
      nginx) "$PEERS/run.sh" nginx 1 ;;
      direct) "$PEERS/run.sh" direct ;;
      *) engine "$g" ;;
    esac
  done
done
summary | tee "$BENCH_OUT/summary.md"
