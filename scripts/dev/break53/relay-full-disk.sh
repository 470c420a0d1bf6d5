#!/usr/bin/env bash
# break53: a full disk on the RELAY b of a chain a - b - c (no overlay, no mDNS, 127.0.0.1, ports 29001-29003).
# a and c add all the time; b's data dir is on a small tmpfs, filled mid-run, then freed.
# Afterwards each node's log must hold every action once, in the same created order.
# AFAKE=+30s: a's clock that far ahead (libfaketime), so b's clock follows a's ids while its disk is full.
#   sudo scripts/relay-full-disk.sh [REPO] [TAG] [extra node options...]
set -u
root=${1:-$(cd "$(dirname "$0")/../../.." && pwd)}; tag=${2:-fd}; shift 2 2>/dev/null || shift $#
d=/tmp/break53/$tag; umount $d/bfs 2>/dev/null; rm -rf $d; mkdir -p $d/bfs $d/disk
mount -t tmpfs -o size=${BSIZE:-3m} tmpfs $d/bfs
L=$root/scripts/logmesh
mkfifo $d/ain $d/cin
$L node --name b --data $d/bfs/b --port 29002 --no-mdns --host 127.0.0.1 --json --no-overlay ${BOPTS:-} "$@" </dev/null >$d/b.out 2>$d/b.err & bpid=$!
${AFAKE:+env LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 FAKETIME=$AFAKE FAKETIME_DONT_FAKE_MONOTONIC=1} $L node --name a --data $d/disk/a --port 29001 --peer ws://127.0.0.1:29002 --no-mdns --host 127.0.0.1 --json --no-overlay "$@" <$d/ain >$d/a.out 2>$d/a.err & apid=$!
$L node --name c --data $d/disk/c --port 29003 --peer ws://127.0.0.1:29002 --no-mdns --host 127.0.0.1 --json --no-overlay "$@" <$d/cin >$d/c.out 2>$d/c.err & cpid=$!
exec 3>$d/ain 4>$d/cin
echo "pids a=$apid b=$bpid c=$cpid" > $d/pids
for i in $(seq 1 120); do [ "$(grep -c '"state":"connected"' $d/b.out 2>/dev/null)" -ge 2 ] && break; sleep 0.5; done
echo "$(date -u +%T) connected: $(grep -c '"state":"connected"' $d/b.out)"
pad=$(head -c ${PAD:-300} /dev/zero | tr '\0' x)
n=0
add() { # count per node
  for i in $(seq 1 $1); do n=$((n+1)); echo "{\"type\":\"a/$n\",\"pad\":\"$pad\"}" >&3; echo "{\"type\":\"c/$n\",\"pad\":\"$pad\"}" >&4; done; }
add 50; sleep 3
echo "$(date -u +%T) filling b's disk; df: $(df -k $d/bfs | tail -1)"
dd if=/dev/zero of=$d/bfs/filler bs=4k 2>/dev/null
echo "$(date -u +%T) filled; df: $(df -k $d/bfs | tail -1)"
for r in $(seq 1 ${FULL_ROUNDS:-15}); do add 20; sleep 1; done
sleep ${FULL_WAIT:-15}
echo "$(date -u +%T) during full disk: b status:"; $L status --data $d/bfs/b 2>&1 | head -20
for x in a b c; do echo "$x health/error events: $(grep -c -E '"event":"(health|error)"' $d/$x.out)"; done
if [ -n "${KILL9:-}" ]; then kill -9 $bpid; wait $bpid 2>/dev/null; echo "$(date -u +%T) b killed -9 on the full disk"; fi
if [ -n "${TERM_FULL:-}" ]; then # SIGTERM b on the full disk, restart it there, free the room 15 s later
  kill $bpid; wait $bpid; echo "$(date -u +%T) b stopped by SIGTERM on the full disk: exit $?"
  $L node --name b --data $d/bfs/b --port 29002 --no-mdns --host 127.0.0.1 --json --no-overlay ${BOPTS:-} "$@" </dev/null >>$d/b.out 2>>$d/b.err & bpid=$!
  sleep 15; echo "$(date -u +%T) b restarted on the full disk: alive $(kill -0 $bpid 2>/dev/null && echo yes || echo no); b.err tail:"; tail -3 $d/b.err | cut -c1-300
  add 10
  if ! kill -0 $bpid 2>/dev/null; then rm -f $d/bfs/filler; $L node --name b --data $d/bfs/b --port 29002 --no-mdns --host 127.0.0.1 --json --no-overlay ${BOPTS:-} "$@" </dev/null >>$d/b.out 2>>$d/b.err & bpid=$!; echo "$(date -u +%T) b started again after freeing"; fi
fi
rm -f $d/bfs/filler
if [ -n "${KILL9:-}" ]; then $L node --name b --data $d/bfs/b --port 29002 --no-mdns --host 127.0.0.1 --json --no-overlay ${BOPTS:-} "$@" </dev/null >>$d/b.out 2>>$d/b.err & bpid=$!; echo "$(date -u +%T) b restarted"; fi
echo "$(date -u +%T) freed; df: $(df -k $d/bfs | tail -1)"
add 50
total=$((n*2))
for i in $(seq 1 120); do
  ca=$(grep -c '"event":"add"' $d/a.out); cb=$(grep -c "\"event\":\"add\"" $d/b.out); cc=$(grep -c '"event":"add"' $d/c.out)
  [ $ca -ge $total ] && [ $cb -ge $total ] && [ $cc -ge $total ] && break; sleep 1; done
sleep ${END_WAIT:-10}
echo "$(date -u +%T) add events a=$(grep -c '"event":"add"' $d/a.out) b=$(grep -c '"event":"add"' $d/b.out) c=$(grep -c '"event":"add"' $d/c.out) of $total"
echo "b status after:"; $L status --data $d/bfs/b 2>&1 | head -20
kill $apid $bpid $cpid; exec 3>&- 4>&-; wait $apid $bpid $cpid 2>/dev/null
for x in a c; do $L log --data $d/disk/$x > $d/$x.log 2>$d/$x.logerr; done
$L log --data $d/bfs/b > $d/b.log 2>$d/b.logerr
python3 "$(dirname "$0")"/checklogs.py $total $d/a.log $d/b.log $d/c.log
umount $d/bfs 2>/dev/null || echo "b's tmpfs stays mounted at $d/bfs"
