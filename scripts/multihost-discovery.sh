#!/usr/bin/env bash
# Multi-host discovery: the registry (etcd), two UserService instances, one ProductService instance and the
# gateway each run in their own network namespace, joined by veth pairs to one bridge, so every request and every
# registry call crosses real interfaces between "hosts" (10.231.0.0/24, these test hosts only). Checks that the
# gateway discovers the instances through etcd and balances across hosts.
#   scripts/multihost-discovery.sh        (root; needs iproute2 and etcd-server; builds javakit if needed)
# Where network namespaces are unavailable it says so and exits 0 with a SKIPPED line, never silently.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NET=10.231.0
BR=jkbr0
HOSTS=(reg gw u1 u2 p1)
declare -A IP=([reg]=$NET.10 [gw]=$NET.20 [u1]=$NET.31 [u2]=$NET.32 [p1]=$NET.41)
WORK="$(mktemp -d)"
PIDS=()

skip() { echo "SKIPPED multihost-discovery: $*"; exit 0; }
[[ $EUID -eq 0 ]] || skip "needs root to create network namespaces"
command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
command -v etcd >/dev/null || { echo "multihost-discovery: etcd is not installed (apt-get install etcd-server)" >&2; exit 1; }
ip netns add jk-probe 2>/dev/null || skip "cannot create network namespaces here ($(ip netns add jk-probe 2>&1 || true))"
ip netns del jk-probe

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for h in "${HOSTS[@]}"; do ip netns del "jk-$h" 2>/dev/null || true; ip link del "jkv-$h" 2>/dev/null || true; done
  ip link del "$BR" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
cleanup 2>/dev/null || true
WORK="$(mktemp -d)"

ip link add "$BR" type bridge && ip link set "$BR" up
for h in "${HOSTS[@]}"; do
  ip netns add "jk-$h"
  ip link add "jkv-$h" type veth peer name eth0 netns "jk-$h"
  ip link set "jkv-$h" master "$BR" up
  ip -n "jk-$h" addr add "${IP[$h]}/24" dev eth0
  ip -n "jk-$h" link set eth0 up
  ip -n "jk-$h" link set lo up
done

JAVA_HOME="$("$ROOT/javakit" java-home | sed -n 's/^JAVA_HOME=//p')"
"$ROOT/javakit" users --help >/dev/null   # builds if needed
run_in() { # host log command...
  local h=$1 log=$2; shift 2
  ip netns exec "jk-$h" "$@" > "$WORK/$log.log" 2>&1 &
  PIDS+=($!)
}
JAVAKIT=("$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow -jar "$ROOT/example/target/javakit-example.jar")
REGISTRY="etcd://${IP[reg]}:2379"

run_in reg etcd etcd --name reg --data-dir "$WORK/etcd" \
  --listen-client-urls "http://${IP[reg]}:2379" --advertise-client-urls "http://${IP[reg]}:2379" \
  --listen-peer-urls "http://${IP[reg]}:2380" --initial-advertise-peer-urls "http://${IP[reg]}:2380" \
  --initial-cluster "reg=http://${IP[reg]}:2380"
run_in u1 u1 "${JAVAKIT[@]}" users --host "${IP[u1]}" --port 8080 --advertise "${IP[u1]}:8080" --registry "$REGISTRY"
run_in u2 u2 "${JAVAKIT[@]}" users --host "${IP[u2]}" --port 8080 --advertise "${IP[u2]}:8080" --registry "$REGISTRY"
run_in p1 p1 "${JAVAKIT[@]}" products --host "${IP[p1]}" --port 8083 --advertise "${IP[p1]}:8083" --registry "$REGISTRY"
# round robin, so that 20 calls split evenly and prove both user hosts reachable (P2C, the default, would favour
# whichever host answered its first calls faster)
run_in gw gw "${JAVAKIT[@]}" gateway --host "${IP[gw]}" --port 8000 --registry "$REGISTRY" --balancer round-robin

client() { ip netns exec jk-gw curl -s --max-time 3 "$@"; }
for _ in $(seq 1 300); do
  [[ "$(client -o /dev/null -w '%{http_code}' "http://${IP[gw]}:8000/users/user1")" == 200 ]] \
    && grep -q "registered" "$WORK/u2.log" && break
  sleep 0.1
done
sleep 1   # both user instances registered: give the gateway's watch a moment to list the second
fails=0
for _ in $(seq 1 20); do
  [[ "$(client "http://${IP[gw]}:8000/users/user1")" == '{"id":1,"name":"user1"}' ]] || fails=$((fails + 1))
done
product="$(client "http://${IP[gw]}:8000/products/product2")"
u1=$(grep -c "method=UserByName" "$WORK/u1.log" || true)
u2=$(grep -c "method=UserByName" "$WORK/u2.log" || true)
echo "multihost: 20 calls through ${IP[gw]} -> users on ${IP[u1]}: $u1 calls, on ${IP[u2]}: $u2 calls; failures: $fails; product: $product"
if [[ $fails -ne 0 || $u1 -lt 5 || $u2 -lt 5 || "$product" != '{"id":2,"name":"product2"}' ]]; then
  echo "multihost-discovery FAILED; logs:" >&2
  for f in "$WORK"/*.log; do echo "== $f" >&2; tail -20 "$f" >&2; done
  exit 1
fi
echo "multihost-discovery passed"
