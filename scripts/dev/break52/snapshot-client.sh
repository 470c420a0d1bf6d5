#!/usr/bin/env bash
# break52: a node's disk goes back in time (a VM/filesystem snapshot restored: data dir with its side file, as a copy
# of the stopped node's files), and a @logux/client that synced on it comes back. Does the client get what the
# node adds after the rollback?  usage: snapshot-client.sh [KILL=TERM|KILL]
set -u
SIG=${1:-TERM}
T=$(cd "$(dirname "$0")" && pwd); R=${R:-$(cd "$T/../../.." && pwd)}; D=/tmp/break52/snap/run; rm -rf "$D"; mkdir -p "$D"; cd "$D"
P=29301
source "$R/scripts/dev/break52/node-b.sh"
startB; addB pre1 pre2 pre3; sleep 1
mkfifo inX; exec 8<>inX
(cd "$R/interop" && exec node edge/failover.mjs --url ws://127.0.0.1:$P < "$D/inX" > "$D/outX" 2> "$D/errX") & X=$!
for i in $(seq 50); do grep -q '"synchronized"' outX 2>/dev/null && break; sleep 0.2; done; sleep 2; log "client synchronized: $(grep -c '"action"' outX) actions"
if [ "${EARLY:-0}" = 1 ]; then echo '{"cmd":"offline"}' >&8; sleep 1; fi
kill -TERM $B; wait $B; log "B stopped cleanly"
cp -a dB snap; log "snapshot of the stopped node's files: $(ls snap)"
startB
if [ "${EARLY:-0}" = 1 ]; then echo "{\"cmd\":\"connect\",\"url\":\"ws://127.0.0.1:$P\"}" >&8; fi
for i in $(seq 50); do [ "$(grep -c '"synchronized"' outX)" -ge 2 ] && break; sleep 0.2; done; sleep 1; log "client back on B"
addB b1 b2 b3 b4 b5; sleep 3
log "client got: $(grep '"action"' outX | sed -E 's/.*"type":"([^"]*)".*/\1/' | tr '\n' ' ')"
echo '{"cmd":"offline"}' >&8; sleep 1
kill -$SIG $B; wait $B; log "B stopped ($SIG); disk rolled back to the snapshot"
rm -rf dB; cp -a snap dB
startB; addB c1 c2 c3 c4 c5; sleep 2
echo "{\"cmd\":\"connect\",\"url\":\"ws://127.0.0.1:$P\"}" >&8; sleep 5
echo '{"cmd":"summary"}' >&8; sleep 1
log "client got: $(grep '"action"' outX | sed -E 's/.*"type":"([^"]*)".*/\1/' | tr '\n' ' ')"
"$R/scripts/logmesh" log --data dB 2>/dev/null | sed -E 's/.*"type":"([^"]*)".*"added":([0-9]+).*/\1@\2/' | tr '\n' ' ' > blog; log "B's log (type@added): $(cat blog)"
grep summary outX | tail -1
kill $X; kill -TERM $B; wait $B
missing=""; for x in c1 c2 c3 c4 c5; do grep -q "\"type\":\"$x\"" outX || missing+="$x "; done
[ -z "$missing" ] && { log "OK: the client got c1..c5"; exit 0; }
log "FAULT: the client never got: $missing"; exit 1
