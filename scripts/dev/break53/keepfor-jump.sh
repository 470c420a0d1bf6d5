#!/usr/bin/env bash
# break53: a relay with --keep-for 2h whose wall clock is stepped forward by 1 day while it runs (libfaketime offset
# re-read from a file, monotonic left real), then set right again 20 s later. a (right clock) adds 100 actions made
# a minute ago by every clock; does b clean them (early: they are 1 minute old), and do they come back? c joins
# through b afterwards: does it get them?  ports 29021-29023
#   scripts/keepfor-jump.sh [REPO] [TAG]
set -u
root=${1:-$(cd "$(dirname "$0")/../../.." && pwd)}; tag=${2:-kf}
d=/tmp/break53/$tag; rm -rf $d; mkdir -p $d
L=$root/scripts/logmesh
FT=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
echo "+0" > $d/b.ft; mkfifo $d/ain
env LD_PRELOAD=$FT FAKETIME_TIMESTAMP_FILE=$d/b.ft FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
  $L node --name b --data $d/b --port 29022 --no-mdns --host 127.0.0.1 --json --keep-for 2h --no-overlay </dev/null >$d/b.out 2>$d/b.err & bpid=$!
$L node --name a --data $d/a --port 29021 --peer ws://127.0.0.1:29022 --no-mdns --host 127.0.0.1 --json --no-overlay <$d/ain >$d/a.out 2>$d/a.err & apid=$!
exec 3>$d/ain
for i in $(seq 1 120); do grep -q '"state":"connected"' $d/b.out 2>/dev/null && break; sleep 0.5; done
t0=$(date +%s); for n in $(seq 1 100); do echo "{\"type\":\"a/$n\"}" >&3; done
sleep 5; echo "$(date -u +%T) b holds $($L log --data $d/b | wc -l), a $($L log --data $d/a | wc -l)"
echo "+1d" > $d/b.ft; echo "$(date -u +%T) b's clock +1d"
sleep 5; echo "$(date -u +%T) b holds $($L log --data $d/b | wc -l) (its status: $($L status --data $d/b 2>&1 | head -1 | cut -c1-200))"
echo "+0" > $d/b.ft; echo "$(date -u +%T) b's clock set right"
# c (right clock) joins through b only (a chain, no overlay), after b's clock is right again
$L node --name c --data $d/c --port 29023 --peer ws://127.0.0.1:29022 --no-mdns --host 127.0.0.1 --json --no-overlay </dev/null >$d/c.out 2>$d/c.err & cpid=$!
sleep ${WAIT:-40}; echo "$(date -u +%T) c holds $($L log --data $d/c | wc -l) of a's 100 (made $(( $(date +%s) - t0 )) s ago; every node keeps 2h or all)"; echo "$(date -u +%T) b holds $($L log --data $d/b | wc -l), a $($L log --data $d/a | wc -l)"
grep -E 'WARN|INFO.*clock' $d/b.err | cut -c1-300 | head -5
kill $apid $bpid $cpid; exec 3>&-; wait $apid $bpid $cpid 2>/dev/null
