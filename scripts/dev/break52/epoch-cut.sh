#!/usr/bin/env bash
# break52: a @logux/client that stays on one SQLite node gets entries twice. The node is kill -9'd while it sends
# the client entries (its record of what the client acknowledged, R, is saved about once a second and lags); after
# the restart the client reconnects and is told a new client epoch in a `ping`; the connection dies right after
# that ping is delivered (before the client's `pong` reaches the node: tools/fwd.py "pingcut"). At its next
# connect the client's synced carries an epoch this node issued but never confirmed, so the node starts after R:
# the entries the client processed after R come again, and @logux/client's MemoryStore fires `add` for them again.
# usage: [NOCUT=1] [KILL2=1] [TERM=1] epoch-cut.sh [RATE=200 actions/s]
#   NOCUT=1: no cut after the ping (a control: none twice, before the fix too);
#   KILL2=1 (with NOCUT=1): a second kill -9 as soon as the client is back (its state synchronized), after the ping
#            reached it and before its pong's confirmation was durable (a crash loop, no network fault);
#   TERM=1: SIGTERM instead of the first kill -9 (R is saved at close: a control, none twice before the fix too);
#   RELAY=1: the entries come from a mesh peer M (its stdin), relayed by the node to the client, and go on across
#            the kill (with NOCUT=1: a control, none twice before the fix too).
set -u
RATE=${1:-200}; NOCUT=${NOCUT:-0}; KILL2=${KILL2:-0}; TERM=${TERM:-0}; RELAY=${RELAY:-0}
T=$(cd "$(dirname "$0")" && pwd); R=${R:-$(cd "$T/../../.." && pwd)}; D=/tmp/break52/ec; rm -rf "$D"; mkdir -p "$D"; cd "$D"
NP=29051; FP=29151; export FWD_CTL=$D/fwd.ctl; : > $FWD_CTL
log() { echo "$(date -u +%T.%N | cut -c1-12) $*" | tee -a events; }
PEER=; OUT=7; M=
if [ "$RELAY" = 1 ]; then
  mkfifo inM; exec 9<>inM
  "$R/scripts/logmesh" node --no-mdns --host 127.0.0.1 --port $((NP + 1)) --data dM --name m --json < inM > outM 2> errM &
  M=$!; PEER="--peer ws://127.0.0.1:$((NP + 1))"; OUT=9; sleep 3
fi
python3 $T/fwd.py 1 $FP:$NP:calm 2> fwd.log & FWD=$!
life=0
startN() { life=$((life+1)); [ -p inN ] || mkfifo inN; exec 7<>inN
  "$R/scripts/logmesh" node --no-mdns --host 127.0.0.1 --port $NP --data dN --name n --json $PEER < inN > outN.$life 2> errN.$life &
  N=$!; for i in $(seq 100); do grep -q '"ready"' outN.$life 2>/dev/null && break; sleep 0.1; done; log "node life $life ready (pid $N)"; }
startN
mkfifo inX; exec 8<>inX
(cd "$R/interop" && exec node edge/failover.mjs --url ws://127.0.0.1:$FP < "$D/inX" > "$D/outX" 2> "$D/errX") & X=$!
for i in $(seq 100); do grep -q '"synchronized"' outX 2>/dev/null && break; sleep 0.1; done; log "client synchronized"
# a steady stream of entries for the client
python3 -c "
import sys, time
i = 0
while True:
    i += 1
    sys.stdout.write('{\"type\":\"ec\",\"i\":%d}\n' % i); sys.stdout.flush()
    time.sleep(1.0 / $RATE)
" >&$OUT & GEN=$!
sleep 3
if [ "$TERM" = 1 ]; then sig=TERM; else sig=KILL; fi
log "client has $(grep -c '"action"' outX) actions; SIG$sig the node"
kill -$sig $N; wait $N 2>/dev/null
[ "$RELAY" = 1 ] || { kill $GEN; wait $GEN 2>/dev/null; }
[ "$NOCUT" = 1 ] || echo "pingcut $FP" >> $FWD_CTL
if [ "$KILL2" = 1 ]; then
  sleep 1.5
  startN
  n0=$(grep -c '"synchronized"' outX)
  python3 - "$N" "$n0" <<'PY'
import os, sys, time, signal
pid, n0 = int(sys.argv[1]), int(sys.argv[2])
while True:
    if open('outX').read().count('"synchronized"') > n0:
        os.kill(pid, signal.SIGKILL); break
    time.sleep(0.0005)
PY
  wait $N 2>/dev/null; log "second kill -9, at the client's reconnection"
fi
sleep 1.5
startN
for i in $(seq 150); do [ "$(grep -c '"synchronized"' outX)" -ge 3 ] && break; sleep 0.1; done
if [ "$RELAY" = 1 ]; then sleep 4; kill $GEN; sleep 6; else sleep 8; fi
log "client has $(grep -c '"action"' outX) action events"
grep -h pingcut fwd.log | tee -a events
python3 - <<'PY' | tee -a events
import json, collections
ev = [json.loads(l) for l in open('outX') if l.startswith('{')]
c = collections.Counter(e['id'] for e in ev if e.get('event') == 'action')
twice = sorted((i for i, n in c.items() if n > 1), key=lambda i: int(i.split()[0]))
print('client: %d distinct actions, %d fired add more than once%s' % (len(c), len(twice), (': ' + ', '.join(twice[:3]) + ' ...') if twice else ''))
print('states:', ' '.join(e['state'] for e in ev if e.get('event') == 'state'))
PY
"$R/scripts/logmesh" log --data dN 2>/dev/null | wc -l | sed 's/^/node log entries: /' | tee -a events
kill $X $FWD; kill -TERM $N $M; wait $N 2>/dev/null
grep -q "fired add more than once" events && ! grep -q ", 0 fired add more than once" events && { log "FAULT: entries fired add twice at a client that stayed on its node"; exit 1; }
log "OK"; exit 0
