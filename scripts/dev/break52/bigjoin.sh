#!/usr/bin/env bash
# break52 big join: A holds a large log (SRC data dir, copied), B joins cold from A, C joins cold from B (A-B-C);
# A and C add meanwhile; B is kill -9'd mid catch-up and restarted; C is backed up, kill -9'd later and restored
# from that backup while A keeps adding. Then converge and compare.
# usage: bigjoin.sh SRC_DATA_DIR TAG
set -u
SRC=$1; TAG=${2:-1}
T=$(cd "$(dirname "$0")" && pwd); R=${R:-$(cd "$T/../../.." && pwd)}
D=/tmp/break52/bj$TAG; rm -rf "$D"; mkdir -p "$D"; cp -r "$SRC" "$D/dA"
declare -A PID LIFE PORT=([A]=29201 [B]=29202 [C]=29203) FD=([A]=21 [B]=22 [C]=23)
log() { echo "$(date -u +%T.%N | cut -c1-12) $*" | tee -a "$D/events"; }
start() { local n=$1; shift; LIFE[$n]=$(( ${LIFE[$n]:-0} + 1 ))
  [ -p "$D/in$n" ] || mkfifo "$D/in$n"; eval "exec ${FD[$n]}<>\"$D/in$n\""
  "$R/scripts/logmesh" node --no-mdns --host 127.0.0.1 --port ${PORT[$n]} --data "$D/d$n" --name $n --json "$@" \
     < "$D/in$n" > "$D/out$n.${LIFE[$n]}" 2> "$D/err$n.${LIFE[$n]}" &
  PID[$n]=$!; log "start $n life ${LIFE[$n]} pid ${PID[$n]}"; }
count() { "$R/scripts/logmesh" log --data "$D/d$1" 2>/dev/null | wc -l; }
k=0; add() { k=$((k+1)); echo "{\"type\":\"bj\",\"k\":$k,\"at\":\"$1\"}" >&${FD[$1]}; }
start A
sleep 6
total=$(count A); log "A holds $total"
start B --peer ws://127.0.0.1:29201
start C --peer ws://127.0.0.1:29202
# timed faults (seconds after B and C start): KB kill -9 B, BC backup C, KC kill -9 C and restore the backup
KB=${KB:-3}; BC=${BC:-2}; KC=${KC:-7}; DUR=${DUR:-40}
killed=0; backed=0; t0=$(date +%s.%N)
el() { python3 -c "import time; print(int((time.time()-$t0)*10))"; }
while :; do
  add A; add C; sleep 0.1
  e=$(el)
  if (( killed == 0 && e >= KB*10 )); then log "kill -9 B ($(cat "$D"/outB.* | grep -c '"event":"add"') add events)"; kill -9 ${PID[B]}; wait ${PID[B]} 2>/dev/null; killed=1; sleep 1; start B --peer ws://127.0.0.1:29201; fi
  if (( backed == 0 && e >= BC*10 )); then log "backup C ($(cat "$D"/outC.* | grep -c '"event":"add"') add events)"; "$R/scripts/logmesh" backup --data "$D/dC" --to "$D/bakC" > "$D/backup.out" 2>&1; log "backup rc $?"; backed=1; fi
  if (( backed == 1 && e >= KC*10 )); then log "kill -9 C ($(cat "$D"/outC.* | grep -c '"event":"add"') add events), restore backup"; kill -9 ${PID[C]}; wait ${PID[C]} 2>/dev/null
    mv "$D/dC" "$D/dC.lost"; cp -r "$D/bakC" "$D/dC"; backed=2; start C --peer ws://127.0.0.1:29202; fi
  (( e >= DUR*10 )) && break
done
log "adds done: $k"
prev=""; stable=0
for ((w=0; w<120; w++)); do
  sleep 3
  cs="$(count A) $(count B) $(count C)"
  log "counts $cs"
  if [ "$cs" = "$prev" ] && [ "$(echo $cs | tr ' ' '\n' | sort -u | wc -l)" = 1 ]; then stable=$((stable+1)); [ $stable -ge 2 ] && break; else stable=0; fi
  prev=$cs
done
for n in A B C; do kill ${PID[$n]}; done; for n in A B C; do wait ${PID[$n]} 2>/dev/null; done
i=0; for n in A B C; do i=$((i+1)); "$R/scripts/logmesh" log --data "$D/d$n" > "$D/log$i.txt" 2> "$D/logerr$i.txt"; done
python3 $T/check.py "$D" 3
