#!/usr/bin/env bash
# Multi-hop demo on a real network: logmesh nodes in network namespaces find each other by mDNS only
# (no --peer) and relay actions to hosts they cannot hear.
#
#   scripts/demo-multihop.sh [-p PREFIX] [-k ACTIONS]     # as root; about 40 s
#
# 1. Three hosts A - B - C: A and B share one link, B and C another, so A and C cannot hear each
#    other's mDNS. Actions added at A must reach C through B, and actions added at C must reach A.
# 2. Five hosts in a line n1 - n2 - n3 - n4 - n5: n1..n4 start together, n5 joins the running mesh;
#    actions added at n1 must reach n5 (4 hops). Then n3 is killed (kill -9) and the time until its
#    neighbours report it disconnected is shown.
# Prints each node's time from start to its first session and the per-hop latency (from the "ts" of
# each node's "add" event for the same action). Exit code 0 only if the far ends got every action.
# Everything (namespaces, nodes) is removed at the end, also on failure or Ctrl-C.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/netns-nodes.sh"

prefix="dm$(( $$ % 100000 ))"
actions=5
while getopts "p:k:h" o; do
  case "$o" in
    p) prefix="$OPTARG" ;;
    k) actions="$OPTARG" ;;
    *) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
why="$(nn_unavailable)"
[ -z "$why" ] || { echo "demo-multihop: cannot run: $why" >&2; exit 2; }
nn_setup "$prefix"
ok=1

# "name: start->ready X s, start->first session Y s (ready->first session Z s)"
session_times() {
  local i="$1" name="$2" ready peer
  ready="$(nn_ts "$i" '"event":"ready"')"
  peer="$(nn_ts "$i" '"state":"connected"')"
  printf '  %-3s start->ready %6s ms   start->first session %6s ms   ready->first session %6s ms\n' "$name" \
    "$(nn_ms $(( ready - NN_START[i] )))" \
    "$( [ -n "$peer" ] && nn_ms $(( peer - NN_START[i] )) || echo never)" \
    "$( [ -n "$peer" ] && nn_ms $(( peer - ready )) || echo never)"
}

# Sends $actions actions labelled LABEL1.. at node FROM and waits until node TO has them all.
send_and_wait() {
  local label="$1" from="$2" to="$3" j
  for ((j = 1; j <= actions; j++)); do
    nn_send "$from" "{\"type\":\"demo/hop\",\"k\":\"$label$j\"}"
    sleep 0.05
  done
  if nn_wait "$to" "\"k\":\"$label[0-9]+\"" "$actions" 20; then
    echo "  received at the far end: $actions/$actions"
  else
    echo "  received at the far end: $(nn_count "$to" "\"k\":\"$label[0-9]+\"")/$actions  FAILED"
    ok=0
  fi
}

per_action() { # LABEL NAMES... (nodes 1..N in the same order)
  local label="$1"; shift
  local names=("$@") idx=() i
  for ((i = 1; i <= $#; i++)); do idx+=("$i"); done
  echo "  per-hop latency of each action (ms, from the add events' ts):"
  nn_hop_times "$label" "${idx[@]}" | awk -v hdr="${names[*]}" '
    BEGIN { n = split(hdr, nm, " "); printf "    %-6s", "action"; for (g = 2; g <= n; g++) printf " %9s", nm[g-1] "->" nm[g]; printf " %9s\n", nm[1] "->" nm[n] }
    { printf "    %-6s", $1
      for (g = 3; g <= n + 1; g++) printf " %9s", ($g == "-" || $(g-1) == "-") ? "-" : sprintf("%.2f", ($g - $(g-1)) / 1000)
      printf " %9s\n", ($(n+1) == "-" || $2 == "-") ? "-" : sprintf("%.2f", ($(n+1) - $2) / 1000) }'
}

echo "== 1. Three hosts in a chain: A(n1) --br1-- B(n2) --br2-- C(n3); A and C cannot hear each other"
nn_net up -n 3 -t chain
for i in 1 2 3; do nn_start "$i"; done
echo "  3 nodes started at once (mDNS only, no --peer); waiting for sessions A-B and B-C"
nn_wait 2 '"state":"connected"' 2 30 || { echo "  B did not connect to both A and C  FAILED"; ok=0; }
nn_wait 1 '"state":"connected"' 1 5 || true
nn_wait 3 '"state":"connected"' 1 5 || true
session_times 1 A; session_times 2 B; session_times 3 C
if grep -q '"state":"connected"' "$NN_DIR/out1" && grep -q "\"node\":\"h3:" <(grep connected "$NN_DIR/out1"); then
  echo "  A connected to C directly: A and C should not hear each other  FAILED"; ok=0
fi
echo "A -> C: $actions actions added at A"
send_and_wait a 1 3
per_action a A B C
echo "C -> A: $actions actions added at C"
send_and_wait c 3 1
nn_hop_times c 3 2 1 | awk '{ print $1, $2, $3, $4 }' >/dev/null
echo "  per-hop latency of each action (ms):"
nn_hop_times c 3 2 1 | awk '{ printf "    %-6s C->B %6.2f  B->A %6.2f  C->A %6.2f\n", $1, ($3-$2)/1000, ($4-$3)/1000, ($4-$2)/1000 }'
nn_reset

echo
echo "== 2. Five hosts in a line: n1 - n2 - n3 - n4 - n5"
nn_net up -n 5 -t chain
for i in 1 2 3 4; do nn_start "$i"; done
echo "  n1..n4 started at once; waiting until the line n1-n2-n3-n4 is connected"
nn_wait 1 '"state":"connected"' 1 30 && nn_wait 2 '"state":"connected"' 2 30 && nn_wait 3 '"state":"connected"' 2 30 \
  && nn_wait 4 '"state":"connected"' 1 30 || { echo "  the line did not connect  FAILED"; ok=0; }
for i in 1 2 3 4; do session_times "$i" "n$i"; done
sleep 2 # the mesh has been running for a while: n4 has announced itself
echo "  n5 joins the running mesh"
nn_start 5
nn_wait 5 '"state":"connected"' 1 30 || { echo "  n5 did not connect  FAILED"; ok=0; }
session_times 5 n5
big=$(( actions * 4 ))
echo "n1 -> n5: $big actions added at n1, one every 50 ms"
actions=$big send_and_wait l 1 5
nn_hop_times l 1 2 3 4 5 | nn_hop_summary n1 n2 n3 n4 n5
echo "kill -9 n3 (its kernel closes its TCP connections), then wait for n2 and n4 to report it"
n3id="$(sed -nE 's/.*"event":"ready","node":"([^"]*)".*/\1/p' "$NN_DIR/out3")"
t_kill="$(nn_now_us)"
nn_stop 3 KILL
for i in 2 4; do
  if nn_wait "$i" "\"state\":\"disconnected\",\"node\":\"$n3id\"" 1 30; then
    t="$(nn_ts "$i" "\"state\":\"disconnected\",\"node\":\"$n3id\"")"
    echo "  n$i marked n3 disconnected after $(nn_ms $(( t - t_kill ))) ms"
  else
    echo "  n$i did not mark n3 disconnected within 30 s  FAILED"; ok=0
  fi
done

echo
if [ "$ok" = 1 ]; then echo "demo-multihop: OK (every action reached the far end)"; exit 0; fi
echo "demo-multihop: FAILED"; exit 1
