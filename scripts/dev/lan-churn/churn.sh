#!/usr/bin/env bash
# break40: a larger LAN with churn. N hosts in namespaces NS-* (b40-* unless NS says), one bridge, mDNS only.
# Phases: A load + kill -9 loop; B silent partition of 5 nodes (their ports moved to a second bridge) 30 s;
# C heal, per-node convergence; D one node loses its link while adding; E a late cold node; F restore from an
# old copy of a data directory. End: TERM all, read every SQLite log, check once/same order/nothing lost.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../lib/netns-nodes.sh"
NS=${NS:-b40}       # the namespaces' prefix (NS-n1 ..., NS-sw)
N=${N:-11}          # nodes started at first; node N+1 joins late (phase E)
MEM=" ${MEM:-2 9} " # memory nodes
CHURN=(${CHURN:-2 5 8 10})
EXTRA=${EXTRA:-} PHASE_A=${PHASE_A:-60} PART=${PART:-30} RATE=${RATE:-4} # RATE: actions per 0.25 s tick
export NN_KEEP=1
export LOGMESH_JAVA_OPTS="${LOGMESH_JAVA_OPTS:--XX:+UseSerialGC -Xmx128m -XX:TieredStopAtLevel=1 -Djava.net.preferIPv4Stack=true}"
nn_setup "$NS"
D=$NN_DIR
echo "dir $D"
t() { echo "[$(date +%T)] $*"; }
declare -a GEN=() ALIVE=() RESTART_AT=()
seq_no=0

b_start() { # I: start node I (memory or SQLite), keeping earlier incarnations' stdout
  local i=$1 g=${GEN[$1]:-0}
  if [ -f "$D/out$i" ]; then mv "$D/out$i" "$D/out$i.g$g"; mv "$D/err$i" "$D/err$i.g$g" 2>/dev/null; fi
  GEN[$i]=$((g + 1))
  if [[ "$MEM" == *" $i "* ]]; then NN_DATA=0 nn_start "$i" --metrics 9100 $EXTRA; else
    # --after: what it committed but had not printed before a kill -9 (the last "added" it printed)
    local after
    after=$(cat "$D"/out$i.g* 2>/dev/null | grep -oE '"added":[0-9]+' | cut -d: -f2 | sort -n | tail -n 1)
    NN_DATA=1 nn_start "$i" --metrics 9100 $EXTRA ${after:+--after $after}; fi
  ALIVE[$i]=1
}
b_kill() { nn_stop "$1" KILL; ALIVE[$1]=0; }
live_list() { local i; for i in "${!ALIVE[@]}"; do [ "${ALIVE[$i]}" = 1 ] && echo "$i"; done; }
send_to() { # I: one action at node I
  seq_no=$((seq_no + 1))
  echo "$1 L$seq_no $(date +%s%N)" >>"$D/sent"
  nn_send "$1" "{\"type\":\"b40/x\",\"k\":\"L$seq_no\"}"
}
load_tick() { # HOSTS...: RATE actions at random live hosts of the list
  local hosts=() h j
  for h in "$@"; do [ "${ALIVE[$h]:-0}" = 1 ] && hosts+=("$h"); done
  [ ${#hosts[@]} -gt 0 ] || return 0
  for ((j = 0; j < RATE; j++)); do send_to "${hosts[RANDOM % ${#hosts[@]}]}"; done
}
churn_tick() { # kills/restarts churn nodes; at most 2 down
  local i now down=0
  now=$(date +%s%N)
  for i in "${CHURN[@]}"; do
    if [ "${ALIVE[$i]}" = 0 ]; then
      down=$((down + 1))
      if [ "$now" -ge "${RESTART_AT[$i]}" ]; then b_start "$i"; t "restart h$i (gen ${GEN[$i]})"; fi
    fi
  done
  if [ $((RANDOM % 16)) = 0 ] && [ "$down" -lt 2 ]; then
    i=${CHURN[RANDOM % ${#CHURN[@]}]}
    if [ "${ALIVE[$i]}" = 1 ]; then
      b_kill "$i"; RESTART_AT[$i]=$((now + (1000 + RANDOM % 3000) * 1000000)); t "kill -9 h$i"
    fi
  fi
}
restart_all_churn() { local i; for i in "${CHURN[@]}"; do [ "${ALIVE[$i]}" = 1 ] || { b_start "$i"; t "restart h$i"; }; done; }
metric() { # I NAME: value of a metric at node I (summed over tags)
  ip netns exec "${NS}-n$1" curl -s -m 2 "http://127.0.0.1:9100/metrics" 2>/dev/null \
    | awk -v m="$2" '$1 == m || index($1, m "{") == 1 { s += $2; f = 1 } END { if (f) print s; else print "-" }'
}
sample_overlay() { # a line per live node: active-view size (status.json) and sessions metric
  local i line="" a
  for i in $(live_list); do
    if [[ "$MEM" == *" $i "* ]]; then a=m; else
      a=$(jq -r '.overlay.active | length' "$D/data$i/status.json" 2>/dev/null || echo '?'); fi
    line="$line h$i:$a/$(metric "$i" logmesh_sessions)"
  done
  echo "$(date +%T) $line" >>"$D/overlay"
  echo "$line"
}
outs_of() { if [[ "$MEM" == *" $1 "* ]]; then echo "$D/out$1"; else ls "$D/out$1" "$D"/out$1.g* 2>/dev/null; fi; }
labels_of() { cat $(outs_of "$1") 2>/dev/null | grep '"event":"add"' | grep -oE '"k":"L[0-9]+"' | sort -u | wc -l; }

cut_ports() { # move host ports to br2 (silent partition)
  local i
  ip -n ${NS}-sw link show br2 >/dev/null 2>&1 || {
    ip -n ${NS}-sw link add br2 type bridge
    ip -n ${NS}-sw link set br2 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
    ip -n ${NS}-sw link set br2 up; }
  for i in "$@"; do ip -n ${NS}-sw link set "h${i}b1" master br2; done
}
heal_ports() { local i; for i in "$@"; do ip -n ${NS}-sw link set "h${i}b1" master br1; done; }
isolate() { ip -n ${NS}-sw link set "h$1b1" nomaster; }

converge() { # SECS HOSTS...: wait until every host printed every label acknowledged so far; per-node times
  local secs=$1; shift
  local t0 want i done_=() left line
  want=$(for i in $(seq 1 $((N + 1))); do outs_of "$i"; done | xargs cat 2>/dev/null | grep '"event":"add"' | grep -oE '"k":"L[0-9]+"' | sort -u | wc -l)
  t0=$(date +%s%N); line=""
  left=("$@")
  while [ ${#left[@]} -gt 0 ]; do
    local nl=()
    for i in "${left[@]}"; do
      if [ "$(labels_of "$i")" -ge "$want" ]; then line="$line h$i:$(( ($(date +%s%N) - t0) / 1000000 ))ms"; else nl+=("$i"); fi
    done
    left=("${nl[@]}")
    [ ${#left[@]} -gt 0 ] || break
    if [ $(( ($(date +%s%N) - t0) / 1000000000 )) -ge "$secs" ]; then
      line="$line NOT:"; for i in "${left[@]}"; do line="$line h$i=$(labels_of "$i")/$want"; done; break
    fi
    nn_sleep 0.5
  done
  t "converge ($want labels):$line"
}

# ------------------------------------------------------------------ run
nn_net up -n $((N + 1)) -t lan >/dev/null
for ((i = 1; i <= N; i++)); do b_start "$i"; done
for ((i = 1; i <= N; i++)); do nn_wait "$i" '"state":"connected"' 1 120 || t "h$i no session after 120 s"; done
t "all $N have a session"; sample_overlay
ALL=($(seq 1 $N))

t "phase A: load at all, kill loop on h${CHURN[*]}, ${PHASE_A}s"
end=$(( $(date +%s) + PHASE_A )); k=0
while [ "$(date +%s)" -lt "$end" ]; do
  load_tick "${ALL[@]}"; churn_tick; k=$((k + 1)); [ $((k % 40)) = 0 ] && sample_overlay >/dev/null
  nn_sleep 0.25
done
# old copy of h6 for phase F (stopped cleanly for the copy)
nn_stop 6 TERM; ALIVE[6]=0; cp -a "$D/data6" "$D/data6.old"; b_start 6; t "h6 copied (data6.old)"

P=(${PART_NODES:-7 8 9 10 11})
t "phase B: partition h${P[*]} for ${PART}s, load both sides, kill loop on"
cut_ports "${P[@]}"
end=$(( $(date +%s) + PART ))
while [ "$(date +%s)" -lt "$end" ]; do
  load_tick "${ALL[@]}"; churn_tick; k=$((k + 1)); [ $((k % 20)) = 0 ] && sample_overlay >/dev/null
  nn_sleep 0.25
done
restart_all_churn
t "overlay before heal:"; sample_overlay
heal_ports "${P[@]}"; t "phase C: healed"
converge 120 "${ALL[@]}"
nn_sleep 5; t "after heal+5s:"; sample_overlay

t "phase D: h3 isolated for 20 s while it and others add"
isolate 3
end=$(( $(date +%s) + 20 ))
while [ "$(date +%s)" -lt "$end" ]; do send_to 3; load_tick 1 4 6; nn_sleep 0.25; done
ip -n ${NS}-sw link set h3b1 master br1; t "h3 back"
converge 120 "${ALL[@]}"

t "phase E: late cold node h$((N + 1)) while others add"
b_start $((N + 1)); ALL+=($((N + 1)))
end=$(( $(date +%s) + 15 ))
while [ "$(date +%s)" -lt "$end" ]; do load_tick 1 2 3 4 5; nn_sleep 0.25; done
converge 120 "${ALL[@]}"

t "phase F: h6 restored from its old copy, adds at once"
nn_stop 6 TERM; ALIVE[6]=0; rm -rf "$D/data6"; mv "$D/data6.old" "$D/data6"; b_start 6
for j in $(seq 1 20); do send_to 6; done
end=$(( $(date +%s) + 10 ))
while [ "$(date +%s)" -lt "$end" ]; do load_tick 1 2 6 12; nn_sleep 0.25; done
converge 120 "${ALL[@]}"
nn_sleep 3
t "final overlay:"; sample_overlay
t "duplicates/received/sent per node:"
for i in $(live_list); do echo "  h$i dup=$(metric "$i" logmesh_actions_duplicates_total) recv=$(metric "$i" logmesh_actions_received_total) sent=$(metric "$i" logmesh_actions_sent_total) added=$(metric "$i" logmesh_actions_added_total)"; done
# memory nodes: their add events of the live incarnation, as stop loses them
for i in $(live_list); do nn_stop "$i" TERM; ALIVE[$i]=0; done
t "stopped all; reading logs"
for i in "${ALL[@]}"; do
  [[ "$MEM" == *" $i "* ]] && continue
  LOGMESH_JAVA_OPTS="-XX:+UseSerialGC -Xmx128m" "$NN_ROOT/scripts/logmesh" log --data "$D/data$i" >"$D/log$i" 2>"$D/logerr$i"
done
t "done; dir $D"
