#!/usr/bin/env bash
# gossip42: 5 real CLI nodes on 127.0.0.1 (--memory --no-mdns --no-overlay), a full mesh by --peer; 50,000 actions
# written to node 1's stdin at once; then each node's received (new), duplicates and sent from its --metrics.
# Usage: scripts/dev/burst-loopback.sh ROOT OUTDIR (env N, A, BASE: ports BASE+1.. and BASE+101..). Stops its nodes.
set -uo pipefail
ROOT=$1; OUT=$2; N=${N:-5}; A=${A:-50000}; BASE=${BASE:-7140}
mkdir -p "$OUT"; rm -f "$OUT"/in[0-9]* "$OUT"/out[0-9]* "$OUT"/err[0-9]* "$OUT"/actions "$OUT"/pids # its own files only
export LOGMESH_JAVA_OPTS="-XX:+UseSerialGC -Xmx512m -XX:TieredStopAtLevel=1"
pids=()
for ((i = 1; i <= N; i++)); do
  peers=(); for ((j = 1; j < i; j++)); do peers+=(--peer "ws://127.0.0.1:$((BASE + j))"); done
  mkfifo "$OUT/in$i"
  "$ROOT/scripts/logmesh" node --name "b$i" --mesh g42 --memory --no-mdns --no-overlay --host 127.0.0.1 \
    --port $((BASE + i)) --metrics 127.0.0.1:$((BASE + 100 + i)) "${peers[@]}" <"$OUT/in$i" >"$OUT/out$i" 2>"$OUT/err$i" &
  pids+=($!); eval "exec {fd$i}>\"$OUT/in$i\""
done
echo "pids ${pids[*]}" | tee "$OUT/pids"
metric() { curl -s -m 2 "http://127.0.0.1:$((BASE + 100 + $1))/metrics" | awk -v m="$2" '$1 == m || index($1, m "{") == 1 { s += $2; f = 1 } END { if (f) printf "%d\n", s; else print 0 }'; }
for t in $(seq 1 600); do
  ok=1; for ((i = 1; i <= N; i++)); do s=$(metric $i logmesh_sessions); [ "${s%.*}" = $((N - 1)) ] || ok=0; done
  [ $ok = 1 ] && break; sleep 1
done
echo "sessions up: $ok after ${t}s"
if [ $ok != 1 ]; then for p in "${pids[@]}"; do kill "$p"; done; wait; exit 1; fi
python3 -c "
import sys
for k in range($A): print('{\"type\":\"g42/b\",\"k\":%d}' % k)" >"$OUT/actions"
t0=$(date +%s%N)
cat "$OUT/actions" >&$fd1
for t in $(seq 1 600); do
  ok=1; for ((i = 2; i <= N; i++)); do r=$(metric $i logmesh_actions_received_total); [ "${r%.*}" -ge $A ] 2>/dev/null || ok=0; done
  [ $ok = 1 ] && break; sleep 0.2
done
t1=$(date +%s%N)
echo "all $((N - 1)) others hold $A after $(( (t1 - t0) / 1000000 )) ms (polled every 0.2 s)"
sleep 3
for ((i = 1; i <= N; i++)); do
  echo "b$i received=$(metric $i logmesh_actions_received_total) duplicates=$(metric $i logmesh_actions_duplicates_total) sent=$(metric $i logmesh_actions_sent_total)"
done
for p in "${pids[@]}"; do kill "$p"; done
wait
