#!/usr/bin/env bash
# break53: wall clocks that JUMP while nodes run (libfaketime, offset re-read from a file; monotonic clock left real,
# as an NTP step or `date -s` leaves it). Chain a - b - c (no overlay, no mDNS, 127.0.0.1, ports 29011-29013):
# a adds 5/s with a jumping clock, b only relays with a jumping clock, c adds 5/s with a right clock.
#   scripts/clock-jump.sh [REPO] [TAG] [extra node options...]
# OVERLAY=" " runs with the overlay (a and c may then meet directly); KEYFILE=FILE a keyed mesh; A_STEPS, B_STEPS:
# the five phases' offsets (default: a "+0 -3h +2d +0 -2h", b "+0 -1d +0 +1h +0"); P: seconds per phase.
set -u
root=${1:-$(cd "$(dirname "$0")/../../.." && pwd)}; tag=${2:-cj}; shift 2 2>/dev/null || shift $#
d=/tmp/break53/$tag; rm -rf $d; mkdir -p $d
L=$root/scripts/logmesh
FT=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
echo "+0" > $d/a.ft; echo "+0" > $d/b.ft
mkfifo $d/ain $d/cin
fake() { local f=$1; shift; exec env LD_PRELOAD=$FT FAKETIME_TIMESTAMP_FILE=$f FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 "$@"; }
fake $d/b.ft $L node --name b --data $d/b --port 29012 --no-mdns --host 127.0.0.1 --json ${OVERLAY:---no-overlay} ${KEYFILE:+--key-file $KEYFILE} "$@" </dev/null >$d/b.out 2>$d/b.err & bpid=$!
fake $d/a.ft $L node --name a --data $d/a --port 29011 --peer ws://127.0.0.1:29012 --no-mdns --host 127.0.0.1 --json ${OVERLAY:---no-overlay} ${KEYFILE:+--key-file $KEYFILE} "$@" <$d/ain >$d/a.out 2>$d/a.err & apid=$!
$L node --name c --data $d/c --port 29013 --peer ws://127.0.0.1:29012 --no-mdns --host 127.0.0.1 --json ${OVERLAY:---no-overlay} ${KEYFILE:+--key-file $KEYFILE} "$@" <$d/cin >$d/c.out 2>$d/c.err & cpid=$!
exec 3>$d/ain 4>$d/cin
for i in $(seq 1 120); do [ "$(grep -c '"state":"connected"' $d/b.out 2>/dev/null)" -ge 2 ] && break; sleep 0.5; done
echo "$(date -u +%T) connected: $(grep -c '"state":"connected"' $d/b.out)"
n=0
phase() { # seconds, then a's and b's offsets for it
  echo "$2" > $d/a.ft; echo "$3" > $d/b.ft; echo "$(date -u +%T) phase: a $2, b $3 for $1 s"
  for s in $(seq 1 $1); do for i in 1 2 3 4 5; do n=$((n+1)); echo "{\"type\":\"a/$n\"}" >&3; echo "{\"type\":\"c/$n\"}" >&4; done; sleep 1; done; }
as=(${A_STEPS:-+0 -3h +2d +0 -2h}); bs=(${B_STEPS:-+0 -1d +0 +1h +0})
for k in 0 1 2 3 4; do phase ${P:-20} ${as[$k]} ${bs[$k]}; done
total=$((n*2))
for i in $(seq 1 90); do
  c=0; for x in a b c; do [ $($L log --data $d/$x 2>/dev/null | wc -l) -ge $total ] && c=$((c+1)); done
  [ $c = 3 ] && break; sleep 1; done
sleep ${END_WAIT:-40}
for x in a b c; do echo "$x: sessions connected $(grep -c '"state":"connected"' $d/$x.out), disconnected $(grep -c '"state":"disconnected"' $d/$x.out), errors $(grep -c '"event":"error"' $d/$x.out), stderr WARN/ERROR $(grep -c -E 'WARN|ERROR' $d/$x.err)"; done
kill $apid $bpid $cpid; exec 3>&- 4>&-; wait $apid $bpid $cpid 2>/dev/null
for x in a b c; do $L log --data $d/$x > $d/$x.log 2>$d/$x.logerr; done
python3 "$(dirname "$0")"/checklogs.py $total $d/a.log $d/b.log $d/c.log
python3 "$(dirname "$0")"/checkorigin.py $d/a.log
