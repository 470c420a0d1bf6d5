#!/usr/bin/env bash
# break40: gossip cost at 11 nodes without churn, then a cold late node: received (new) and duplicates per node.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../lib/netns-nodes.sh"
N=${N:-11} A=${A:-400} SETTLE=${SETTLE:-25}
export NN_KEEP=1 NN_DATA=${NN_DATA:-0}
export LOGMESH_JAVA_OPTS="${LOGMESH_JAVA_OPTS:--XX:+UseSerialGC -Xmx128m -XX:TieredStopAtLevel=1 -Djava.net.preferIPv4Stack=true}"
nn_setup b40
D=$NN_DIR; echo "dir $D"
t() { echo "[$(date +%T)] $*"; }
metric() {
  ip netns exec "b40-n$1" curl -s -m 2 "http://127.0.0.1:9100/metrics" 2>/dev/null \
    | awk -v m="$2" '$1 == m || index($1, m "{") == 1 { s += $2; f = 1 } END { if (f) print s; else print "-" }'
}
snap() { local i; for i in "$@"; do echo "$i $(metric $i logmesh_actions_received_total) $(metric $i logmesh_actions_duplicates_total) $(metric $i logmesh_actions_sent_total)"; done; }
delta() { # FILE1 FILE2
  awk 'NR == FNR { r[$1] = $2; d[$1] = $3; s[$1] = $4; next }
       { dr = $2 - r[$1]; dd = $3 - d[$1]; ds = $4 - s[$1]; R += dr; DD += dd; S += ds
         printf " h%s:recv=%d,dup=%d,sent=%d", $1, dr, dd, ds }
       END { printf "\n  total recv=%d dup=%d sent=%d dup/recv=%.2f sent/recv=%.2f\n", R, DD, S, (R ? DD / R : 0), (R ? S / R : 0) }' "$1" "$2"
}
nn_net up -n $((N + 1)) -t lan >/dev/null
for ((i = 1; i <= N; i++)); do nn_start "$i" --metrics 9100 ${EXTRA:-}; done
for ((i = 1; i <= N; i++)); do nn_wait "$i" '"state":"connected"' 1 120 || t "h$i no session"; done
t "all have a session; settling ${SETTLE}s"; nn_sleep "$SETTLE"
ALL=($(seq 1 $N))
snap "${ALL[@]}" >"$D/m0"
t "adding $A actions at random nodes, 16/s"
for ((j = 1; j <= A; j++)); do nn_send $(( RANDOM % N + 1 )) "{\"type\":\"b40/s\",\"k\":\"S$j\"}"; (( j % 4 )) || nn_sleep 0.25; done
for i in "${ALL[@]}"; do nn_wait "$i" '"k":"S[0-9]+"' "$A" 120 || t "h$i has $(nn_count $i '"k":"S[0-9]+"')/$A"; done
nn_sleep 3
snap "${ALL[@]}" >"$D/m1"
t "steady gossip (per node recv new / dup / sent):"; delta "$D/m0" "$D/m1"
t "cold late node h$((N + 1)) joins (log of $A)"
nn_start $((N + 1)) --metrics 9100 ${EXTRA:-}; L=$((N + 1))
t0=$(nn_now_us)
nn_wait $L '"k":"S[0-9]+"' "$A" 120 || t "h$L has $(nn_count $L '"k":"S[0-9]+"')/$A"
t "h$L caught up $(nn_ms $(( $(nn_now_us) - t0 ))) ms after its start"
nn_sleep 3
echo "  h$L: recv=$(metric $L logmesh_actions_received_total) dup=$(metric $L logmesh_actions_duplicates_total) sessions=$(metric $L logmesh_sessions)"
snap "${ALL[@]}" >"$D/m2"; t "the others meanwhile:"; delta "$D/m1" "$D/m2"
