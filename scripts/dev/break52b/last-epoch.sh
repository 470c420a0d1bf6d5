#!/usr/bin/env bash
# break52b: a stock @logux/client whose lastReceived carries epoch 8190 (of another node) on a SQLite node: the node
# issues 8191, the last that fits; kill -9 of the node; after the restart the node tells plain numbers, which never
# move the client's tagged lastReceived; then a reconnect in the same life. Does the client get an action twice?
# usage: last-epoch.sh   (port 29611, work dir /tmp/break52b/le)
set -u
T=$(cd "$(dirname "$0")" && pwd); R=${R:-$(cd "$T/../../.." && pwd)}; D=/tmp/break52b/le; rm -rf "$D"; mkdir -p "$D"; cd "$D"
P=29611
source "$R/scripts/dev/break52/node-b.sh"
startB; addB a1 a2 a3 a4 a5; sleep 1
mkfifo inX; exec 8<>inX
(cd "$R/interop" && exec node edge/break52b-lastepoch.mjs --url ws://127.0.0.1:$P < "$D/inX" > "$D/outX" 2> "$D/errX") & X=$!
sleep 4; log "client: $(grep -c '"add"' outX) adds, $(grep state outX | tail -1)"
kill -KILL $B; wait $B; log "B killed (-9)"; startB; sleep 4; log "client: $(grep state outX | tail -1)"
addB s1 s2 s3; sleep 2; log "client: $(grep -c '"add"' outX) adds"
echo reconnect >&8; sleep 4; log "after a reconnect: $(grep state outX | tail -1)"
echo reconnect >&8; sleep 4
echo summary >&8; sleep 1; S=$(grep summary outX | tail -1); log "summary: $S"
grep '"times":2' outX | head -5 | tee -a events
kill $X; kill -TERM $B; wait $B
echo "$S" | grep -q '"twice":0' && { log "OK: each action once"; exit 0; }
log "FAULT: actions twice at the client"; exit 1
