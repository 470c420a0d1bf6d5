#!/usr/bin/env bash
# break52 multi-hop: N nodes in a chain through byte-level forwarders (tools/fwd.py), --max-active MA,
# concurrent adds at several nodes, kill -9 + restart of middle nodes, then heal, converge, compare logs.
# usage: multihop.sh SEED [N=8] [SECONDS=60] [MA=2]
set -u
SEED=${1:-1}; N=${2:-8}; DUR=${3:-60}; MA=${4:-2}
T=$(cd "$(dirname "$0")" && pwd); R=${R:-$(cd "$T/../../.." && pwd)}
D=/tmp/break52/mh$SEED; rm -rf "$D"; mkdir -p "$D"; : > /tmp/break52/fwd.ctl
RANDOM=$SEED
port() { echo $((29000 + $1)); }; fport() { echo $((29100 + $1)); }
specs=(); for ((i=1;i<=N;i++)); do specs+=("$(fport $i):$(port $i)"); done
python3 $T/fwd.py "$SEED" "${specs[@]}" 2> "$D/fwd.log" & FWD=$!
declare -A PID LIFE
start() { local i=$1; LIFE[$i]=$(( ${LIFE[$i]:-0} + 1 ))
  local peers=(); [ $i -gt 1 ] && peers+=(--peer ws://127.0.0.1:$(fport $((i-1))))
  # a sparse extra link: n1 - n(N/2+1)
  [ $i -eq $((N/2+1)) ] && peers+=(--peer ws://127.0.0.1:$(fport 1))
  [ -p "$D/in$i" ] || mkfifo "$D/in$i"
  eval "exec $((10+i))<>\"$D/in$i\""
  "$R/scripts/logmesh" node --no-mdns --host 127.0.0.1 --port $(port $i) --public-url ws://127.0.0.1:$(fport $i) \
     --data "$D/d$i" --name n$i --json --max-active $MA "${peers[@]}" < "$D/in$i" > "$D/out$i.${LIFE[$i]}" 2> "$D/err$i.${LIFE[$i]}" &
  PID[$i]=$!; }
for ((i=1;i<=N;i++)); do start $i; done
sleep 8
echo "$(date -u +%T) started $N nodes"
adders=(1 $((N/2)) $N 3)
t0=$SECONDS; k=0
next_kill=$((SECONDS + 5 + RANDOM % 8))
RESTORE=${RESTORE:-0}; rv=$((N/2+1)); bak_at=$((SECONDS + 6)); res_at=$((SECONDS + DUR*2/3)); bak=0
while (( SECONDS - t0 < DUR )); do
  for a in "${adders[@]}"; do k=$((k+1)); echo "{\"type\":\"mh\",\"k\":$k,\"at\":$a}" >&$((10+a)); done
  if (( RESTORE == 1 && bak == 0 && SECONDS >= bak_at )); then
    "$R/scripts/logmesh" backup --data "$D/d$rv" --to "$D/bak$rv" > "$D/backup.out" 2>&1; echo "$(date -u +%T) backup n$rv rc $?" | tee -a "$D/events"; bak=1; fi
  if (( RESTORE == 1 && bak == 1 && SECONDS >= res_at )); then
    echo "$(date -u +%T) kill -9 n$rv and restore its old backup" | tee -a "$D/events"
    kill -9 ${PID[$rv]}; wait ${PID[$rv]} 2>/dev/null; mv "$D/d$rv" "$D/d$rv.lost"; cp -r "$D/bak$rv" "$D/d$rv"; start $rv; bak=2; fi
  if (( SECONDS >= next_kill )); then
    v=$(( 2 + RANDOM % (N-2) ))   # a middle node
    echo "$(date -u +%T) kill -9 n$v (pid ${PID[$v]})" | tee -a "$D/events"
    kill -9 ${PID[$v]}; wait ${PID[$v]} 2>/dev/null
    sleep $(( 1 + RANDOM % 4 ))
    start $v
    next_kill=$((SECONDS + 4 + RANDOM % 10))
  fi
  sleep 0.1
done
echo "$(date -u +%T) adds done ($k written); healing links" | tee -a "$D/events"
for ((i=1;i<=N;i++)); do echo "calm $(fport $i)" >> /tmp/break52/fwd.ctl; done
# converge: wait until every node's log count is equal and stable, up to 180 s
prev=""; stable=0
for ((w=0; w<90; w++)); do
  sleep 2
  cs=""; for ((i=1;i<=N;i++)); do cs+="$("$R/scripts/logmesh" log --data "$D/d$i" 2>/dev/null | wc -l) "; done
  echo "$(date -u +%T) counts: $cs" >> "$D/events"
  if [ "$cs" = "$prev" ] && [ "$(echo $cs | tr ' ' '\n' | sort -u | wc -l)" = 1 ]; then stable=$((stable+1)); [ $stable -ge 3 ] && break; else stable=0; fi
  prev=$cs
done
echo "$(date -u +%T) counts: $cs" | tee -a "$D/events"
for ((i=1;i<=N;i++)); do kill ${PID[$i]}; done
for ((i=1;i<=N;i++)); do wait ${PID[$i]} 2>/dev/null; done
kill $FWD
for ((i=1;i<=N;i++)); do "$R/scripts/logmesh" log --data "$D/d$i" > "$D/log$i.txt" 2> "$D/logerr$i.txt"; done
python3 $T/check.py "$D" $N
