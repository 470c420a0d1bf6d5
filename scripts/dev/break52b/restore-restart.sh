#!/usr/bin/env bash
# break52b: a node restored from a `logmesh backup` (or a disk snapshot, SNAP=1) is restarted once (SIG: TERM or KILL)
# before a stock @logux/client that synced on it before the restore comes back. Does the client get what the node
# added after the restore?  usage: restore-restart.sh [SIG]   (ports 29601, work dir /tmp/break52b/rr)
set -u
SIG=${1:-TERM}
T=$(cd "$(dirname "$0")" && pwd); R=${R:-$(cd "$T/../../.." && pwd)}; D=/tmp/break52b/rr; rm -rf "$D"; mkdir -p "$D"; cd "$D"
P=29601
source "$R/scripts/dev/break52/node-b.sh"
startB; addB pre1 pre2 pre3; sleep 1
mkfifo inX; exec 8<>inX
(cd "$R/interop" && exec node edge/failover.mjs --url ws://127.0.0.1:$P < "$D/inX" > "$D/outX" 2> "$D/errX") & X=$!
for i in $(seq 50); do grep -q '"synchronized"' outX 2>/dev/null && break; sleep 0.2; done; sleep 2; log "client synchronized: $(grep -c '"action"' outX) actions"
if [ "${SNAP:-0}" = 1 ]; then kill -TERM $B; wait $B; cp -a dB snap; log "snapshot of the stopped node's files"; startB
else "$R/scripts/logmesh" backup --data dB --to snap > backup.out 2>&1; log "backup: $(tail -1 backup.out)"; fi
addB b1 b2 b3 b4 b5; sleep 3
log "client got: $(grep '"action"' outX | sed -E 's/.*"type":"([^"]*)".*/\1/' | tr '\n' ' ')"
echo '{"cmd":"offline"}' >&8; sleep 1
kill -TERM $B; wait $B; rm -rf dB; mv snap dB; log "B stopped; restored"
startB; addB c1 c2 c3 c4 c5; sleep 2
kill -$SIG $B; wait $B; log "restored B stopped ($SIG) before the client came back"
startB
echo "{\"cmd\":\"connect\",\"url\":\"ws://127.0.0.1:$P\"}" >&8; sleep 5
echo '{"cmd":"summary"}' >&8; sleep 1
log "client got: $(grep '"action"' outX | sed -E 's/.*"type":"([^"]*)".*/\1/' | tr '\n' ' ')"
"$R/scripts/logmesh" log --data dB 2>/dev/null | sed -E 's/.*"type":"([^"]*)".*"added":([0-9]+).*/\1@\2/' | tr '\n' ' ' > blog; log "B's log (type@added): $(cat blog)"
kill $X; kill -TERM $B; wait $B
missing=""; for x in c1 c2 c3 c4 c5; do grep -q "\"type\":\"$x\"" outX || missing+="$x "; done
[ -z "$missing" ] && { log "OK: the client got c1..c5"; exit 0; }
log "FAULT: the client never got: $missing"; exit 1
