#!/usr/bin/env bash
# break42: three nodes on 127.0.0.1 (ports 7101-7103, --no-mdns) add actions; n1's data directory is copied while it
# runs, the node is stopped (SIGTERM; kill -9 in the *k modes), the copy restored, more actions added; then every
# node's log is compared (check.py: same ids in the same order, each once, each label under one id, none lost).
# MODE: cpa (cp -a during writes) | kill (the same, kill -9) | nowal (log.db and log.db.clock only) |
#   noclock (without log.db.clock) | dbfirst (log.db, 2 s of writes, then -wal and clock) | walfirst (the reverse) |
#   walgen (-wal copied, 300 more actions each, log.db 2 s later: corrupt) | backup, backupk (logmesh backup)
#   MODE=walgen scripts/dev/backup-restore/trial.sh      (run dir: /tmp/$USER-backup-restore/run-MODE)
set -u
MODE=${MODE:-cpa}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
T=/tmp/${USER:-me}-backup-restore/run-$MODE; rm -rf $T; mkdir -p $T
# helpers: nodes on loopback
LM=$ROOT/scripts/logmesh
export LOGMESH_JAVA_OPTS="-XX:+UseSerialGC -Xmx128m -XX:TieredStopAtLevel=1"
PORTS=(0 7101 7102 7103)
peers_of() { local i=$1 j out=""; for j in 1 2 3; do [ $j = $i ] || out="$out --peer ws://127.0.0.1:${PORTS[$j]}"; done; echo $out; }
nstart() { # I [extra]
  local i=$1; shift
  [ -p $T/in$i ] || mkfifo $T/in$i
  local g=0; while [ -f $T/out$i.$g ]; do g=$((g+1)); done
  $LM node --name n$i --data $T/data$i --no-mdns --host 127.0.0.1 --port ${PORTS[$i]} $(peers_of $i) --json "$@" <$T/in$i >$T/out$i.$g 2>$T/err$i.$g &
  echo $! > $T/pid$i
  eval "exec $((10+i))>$T/in$i"
}
nstop() { local i=$1 sig=${2:-TERM}; local p=$(cat $T/pid$i); kill -$sig $p; wait $p 2>/dev/null; eval "exec $((10+i))>&-"; }
nadd() { local i=$1 k=$2; echo "{\"type\":\"t/x\",\"k\":\"$k\"}" >&$((10+i)); }
waitready() { local i=$1; for _ in $(seq 600); do grep -q '"event":"ready"\|listening' $T/out$i.* 2>/dev/null && return 0; sleep 0.1; done; echo "n$i not ready"; }
for i in 1 2 3; do nstart $i; done
for i in 1 2 3; do waitready $i; done
echo "[$(date +%T)] ready"
load() { # ROUND COUNT
  local r=$1 c=$2 j i
  for ((j = 0; j < c; j++)); do for i in 1 2 3; do nadd $i "r$r-n$i-$j"; echo "$i r$r-n$i-$j" >> $T/sent; done; done
}
load a 300
( for ((j = 0; j < 400; j++)); do for i in 1 2 3; do nadd $i "rb-n$i-$j"; echo "$i rb-n$i-$j" >> $T/sent; done; sleep 0.005; done ) &
LP=$!
sleep 1
case $MODE in
  cpa|kill) cp -a $T/data1 $T/copy1 ;;
  nowal) mkdir $T/copy1; cp -a $T/data1/log.db $T/data1/log.db.clock $T/copy1/ ;;
  dbfirst) mkdir $T/copy1; cp -a $T/data1/log.db $T/copy1/; sleep 2; cp -a $T/data1/log.db-wal $T/data1/log.db.clock $T/copy1/ ;;
  walfirst) mkdir $T/copy1; cp -a $T/data1/log.db-wal $T/copy1/; sleep 2; cp -a $T/data1/log.db $T/data1/log.db.clock $T/copy1/ ;;
  walgen) wait $LP; sleep 2; mkdir $T/copy1; cp -a $T/data1/log.db-wal $T/copy1/; load g 300; sleep 2; cp -a $T/data1/log.db $T/data1/log.db.clock $T/copy1/ ;;
  backup|backupk) $LM backup --data $T/data1 --to $T/copy1 ;;
  noclock) mkdir $T/copy1; cp -a $T/data1/log.db $T/data1/log.db-wal $T/copy1/ 2>/dev/null; cp -a $T/data1/log.db-shm $T/copy1/ 2>/dev/null ;;
esac
ls -la $T/copy1
wait $LP
load c 200
sleep 3
if [ $MODE = kill ] || [ $MODE = backupk ]; then nstop 1 KILL; else nstop 1; fi
echo "[$(date +%T)] n1 stopped; restoring"
mv $T/data1 $T/data1.orig; cp -a $T/copy1 $T/data1
nstart 1; waitready 1
load d 100
sleep 20 # convergence time given (the check then reads each log)
for i in 1 2 3; do nstop $i; done
echo "[$(date +%T)] stopped"
grep -h "WARN\|ERROR" $T/err1.* | cut -c1-400 | sort | uniq -c | sort -rn | head -20
python3 "$ROOT/scripts/dev/backup-restore/check.py" $T 3 $T/sent
