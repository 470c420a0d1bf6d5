#!/usr/bin/env bash
# break52: a node R with a large log rolls back (its stopped files copied, later put back with the side file: a
# VM/disk snapshot), having added large entries (near --max-frame) that its peer P holds; after the rollback it
# adds other large entries under the same `added` numbers. P's cursor for R is past them: only reconciliation
# (want/fetch of near-limit entries, both ways) can converge them.  usage: rollback-big.sh SRC_DATA_DIR NLARGE
set -u
SRC=$1; NL=${2:-100}
T=$(cd "$(dirname "$0")" && pwd); R=${R:-$(cd "$T/../../.." && pwd)}; D=/tmp/break52/rb; rm -rf "$D"; mkdir -p "$D"; cd "$D"; cp -r "$SRC" dR
log() { echo "$(date -u +%T.%N | cut -c1-12) $*" | tee -a events; }
declare -A PID LIFE PORT=([R]=29401 [P]=29402) FD=([R]=31 [P]=32)
start() { local n=$1; shift; LIFE[$n]=$(( ${LIFE[$n]:-0} + 1 ))
  [ -p in$n ] || mkfifo in$n; eval "exec ${FD[$n]}<>in$n"
  "$R/scripts/logmesh" node --no-mdns --host 127.0.0.1 --port ${PORT[$n]} --data d$n --name $n --json "$@" \
     < in$n > out$n.${LIFE[$n]} 2> err$n.${LIFE[$n]} &
  PID[$n]=$!; for i in $(seq 150); do grep -q '"ready"' out$n.${LIFE[$n]} 2>/dev/null && break; sleep 0.2; done; log "start $n life ${LIFE[$n]} pid ${PID[$n]}"; }
stop() { kill -${2:-TERM} ${PID[$1]}; wait ${PID[$1]} 2>/dev/null; log "stopped $1 (${2:-TERM})"; }
big() { python3 -c "
import json,sys
for j in range($2): print(json.dumps({'type':'rb','phase':'$1','j':j,'p':'z'*1048000}))" >&${FD[R]}; }
events() { cat out$1.* | grep -c '"event":"add"'; }
waitev() { for i in $(seq 600); do [ "$(events $1)" -ge $2 ] && return 0; sleep 0.5; done; return 1; }
start R; start P --peer ws://127.0.0.1:29401
waitev P 100202 && log "P caught up: $(events P)"
stop R; cp -a dR snap; log "snapshot of R's stopped files"
start R; big one $NL; waitev P $((100202 + NL)) && log "P holds R's phase one: $(events P)"
sleep 2; stop R KILL; rm -rf dR; cp -a snap dR; log "R rolled back to the snapshot"
start R; big two $NL
log "R added phase two; waiting for both to hold both phases"
for i in $(seq 120); do sleep 3
  r=$(cat outR.3 | grep -c '"phase":"one"'); p=$(cat outP.* | grep -c '"phase":"two"'); log "R got phase one: $r, P got phase two: $p"
  [ "$r" -ge $NL ] && [ "$p" -ge $NL ] && break; done
sleep 5; stop R; stop P
"$R/scripts/logmesh" log --data dR > log1.txt 2> logerr1.txt; "$R/scripts/logmesh" log --data dP > log2.txt 2> logerr2.txt
python3 $T/check.py "$D" 2
