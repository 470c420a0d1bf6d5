#!/usr/bin/env bash
# break52: a @logux/client's actions answered logux/processed must be durable on the node: kill -9 the node while the
# client adds, restart it, check that every processed action is in the node's log.  usage: durable.sh [KILLS=3]
set -u
KILLS=${1:-3}
T=$(cd "$(dirname "$0")" && pwd); R=${R:-$(cd "$T/../../.." && pwd)}; D=/tmp/break52/dur; rm -rf "$D"; mkdir -p "$D"; cd "$D"
NP=29061
log() { echo "$(date -u +%T.%N | cut -c1-12) $*" | tee -a events; }
life=0
startN() { life=$((life+1))
  "$R/scripts/logmesh" node --no-mdns --host 127.0.0.1 --port $NP --data dN --name n --json < /dev/null > outN.$life 2> errN.$life &
  N=$!; for i in $(seq 100); do grep -q '"ready"' outN.$life 2>/dev/null && break; sleep 0.1; done; log "node life $life ready (pid $N)"; }
startN
mkfifo inX; exec 8<>inX
(cd "$R/interop" && exec node edge/break52-durable.mjs --url ws://127.0.0.1:$NP --window 50 < "$D/inX" > "$D/outX" 2> "$D/errX") & X=$!
for k in $(seq $KILLS); do
  sleep $((2 + RANDOM % 3)).$((RANDOM % 10))
  log "processed so far: $(grep -c '"processed"' outX); kill -9 the node"
  kill -9 $N; wait $N 2>/dev/null; sleep 1; startN
done
sleep 4; exec 8>&-; sleep 2; kill $X 2>/dev/null
kill -TERM $N; wait $N 2>/dev/null
"$R/scripts/logmesh" log --data dN > logN.txt 2>/dev/null
python3 - <<'PY' | tee -a events
import json, collections
proc = collections.Counter(); undone = 0
for l in open('outX'):
    e = json.loads(l)
    if e['event'] == 'processed': proc[e['i']] += 1
    if e['event'] == 'undone': undone += 1
have = collections.Counter(json.loads(l)[0].get('i') for l in open('logN.txt') if '"dur/a"' in l)
missing = sorted(i for i in proc if have[i] == 0)
twice = sorted(i for i, c in have.items() if c > 1)
print(f'processed {len(proc)}, undone {undone}, in the node log {len(have)}; processed but missing from the log: {len(missing)} {missing[:10]}; under two ids: {len(twice)} {twice[:5]}')
PY
