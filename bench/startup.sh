#!/usr/bin/env bash
# Start-up: time from starting `./javakit demo --quiet` to the first 200 from the gateway, polling every 10 ms.
#   bench/startup.sh [runs]     default 6; the first run also records the AOT cache (JDK 25), and is reported apart
# Uses ports 19100 (gateway), 19180-19185 (instances) and 19109 (admin), so it does not collide with a running demo.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${1:-6}"
"$ROOT/javakit" demo --help >/dev/null   # builds if needed
URL=http://127.0.0.1:19100/products/product1
for ((r = 0; r <= RUNS; r++)); do
  start=$(date +%s%N)
  "$ROOT/javakit" demo --quiet --port 19100 --admin-port 19109 \
    --user-ports 19180,19181,19182 --product-ports 19183,19184,19185 >/dev/null 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "$URL"; do sleep 0.01; done
  took=$(( ($(date +%s%N) - start) / 1000000 ))
  kill "$pid"; wait "$pid" 2>/dev/null || true
  if [[ $r -eq 0 ]]; then echo "first run (records the start-up cache): $took ms"; else echo "run $r: $took ms"; fi
done
