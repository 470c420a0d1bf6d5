#!/usr/bin/env bash
# break52: two SQLite nodes (n2 --peer n1), a stock @logux/client on each, each client through a hostile byte-level
# forwarder (fwd.py: delays, stalls, one-way-dead connections, resets mid-frame); both nodes add (stdin, RATE/s each);
# kill -9 of the nodes at random; then calm links, and check that each client got every action of the mesh, each once.
# usage: two-clients.sh [SEED=1] [SECONDS=40] [RATE=100]
set -u
SEED=${1:-1}; DUR=${2:-40}; RATE=${3:-100}
T=$(cd "$(dirname "$0")" && pwd); R=${R:-$(cd "$T/../../.." && pwd)}
D=/tmp/break52/tc$SEED; rm -rf "$D"; mkdir -p "$D"; cd "$D"; RANDOM=$SEED
export FWD_CTL=$D/fwd.ctl; : > $FWD_CTL
log() { echo "$(date -u +%T.%N | cut -c1-12) $*" | tee -a events; }
python3 $T/fwd.py $SEED 29171:29071:hostile 29172:29072:hostile 2> fwd.log & FWD=$!
declare -A PID LIFE
start() { local i=$1; LIFE[$i]=$(( ${LIFE[$i]:-0} + 1 )); [ -p in$i ] || mkfifo in$i; eval "exec $((40+i))<>in$i"
  local peer=(); [ $i = 2 ] && peer=(--peer ws://127.0.0.1:29071)
  "$R/scripts/logmesh" node --no-mdns --host 127.0.0.1 --port $((29070+i)) --data d$i --name n$i --json "${peer[@]}" < in$i > out$i.${LIFE[$i]} 2> err$i.${LIFE[$i]} &
  PID[$i]=$!; for k in $(seq 100); do grep -q '"ready"' out$i.${LIFE[$i]} 2>/dev/null && break; sleep 0.1; done; log "n$i life ${LIFE[$i]} ready"; }
start 1; start 2
for i in 1 2; do mkfifo inX$i; eval "exec $((50+i))<>inX$i"
  (cd "$R/interop" && exec node edge/failover.mjs --url ws://127.0.0.1:$((29170+i)) < "$D/inX$i" > "$D/outX$i" 2> "$D/errX$i") &
  eval "X$i=\$!"; done
for i in 1 2; do python3 -c "
import sys, time
i = 0
while True:
    i += 1
    sys.stdout.write('{\"type\":\"tc\",\"at\":$i,\"i\":%d}\n' % i); sys.stdout.flush()
    time.sleep(1.0 / $RATE)
" >&$((40+i)) & eval "G$i=\$!"; done
t0=$SECONDS; next=$((SECONDS + 3 + RANDOM % 6))
while (( SECONDS - t0 < DUR )); do
  sleep 0.5
  if (( SECONDS >= next )); then v=$((1 + RANDOM % 2)); log "kill -9 n$v"; kill -9 ${PID[$v]}; wait ${PID[$v]} 2>/dev/null; sleep 1; start $v; next=$((SECONDS + 3 + RANDOM % 8)); fi
done
kill $G1 $G2; log "adds stopped; links calm"
echo "calm 29171" >> $FWD_CTL; echo "calm 29172" >> $FWD_CTL
sleep 40
for i in 1 2; do kill -TERM ${PID[$i]}; wait ${PID[$i]} 2>/dev/null; "$R/scripts/logmesh" log --data d$i > log$i.txt 2>/dev/null; done
kill $X1 $X2 $FWD
python3 - <<'PY' | tee -a events
import json, collections
ids = [set(json.loads(l)[1]['id'] for l in open(f'log{i}.txt')) for i in (1, 2)]
print('node logs:', len(ids[0]), len(ids[1]), 'same' if ids[0] == ids[1] else 'DIFFER')
bad = 0
for i in (1, 2):
    c = collections.Counter(json.loads(l)['id'] for l in open(f'outX{i}') if '"event":"action"' in l)
    twice = [k for k, n in c.items() if n > 1]; missing = ids[0] - set(c)
    bad += len(twice) + len(missing)
    print(f'client on n{i}: {len(c)} distinct, {len(twice)} fired add more than once, {len(missing)} missing')
print('OK' if bad == 0 and ids[0] == ids[1] else 'FAULT')
PY
