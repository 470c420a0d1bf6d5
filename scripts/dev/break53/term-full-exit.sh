#!/usr/bin/env bash
# break53: the exit status of a node stopped by SIGTERM on a full disk (the help says 143 after SIGTERM).
# One node on a 2 MB tmpfs under /tmp/break53, port 29060; adds until the disk is full, then SIGTERM.
set -u
root=${1:-$(cd "$(dirname "$0")/../../.." && pwd)}; d=/tmp/break53/tfe; umount $d/fs 2>/dev/null; rm -rf $d; mkdir -p $d/fs
mount -t tmpfs -o size=2m tmpfs $d/fs
mkfifo $d/in
$root/scripts/logmesh node --name t --data $d/fs/t --port 29060 --no-mdns --host 127.0.0.1 --json <$d/in >$d/out 2>$d/err & p=$!
exec 3>$d/in
for i in $(seq 1 120); do grep -q '"event":"ready"' $d/out 2>/dev/null && break; sleep 0.5; done
dd if=/dev/zero of=$d/fs/filler bs=4k 2>/dev/null
pad=$(head -c 300 /dev/zero | tr '\0' x)
for i in $(seq 1 300); do echo "{\"type\":\"t/$i\",\"pad\":\"$pad\"}" >&3; done
sleep 5
kill $p; wait $p; rc=$?
echo "exit status after SIGTERM on the full disk: $rc"; grep "closing the node failed" $d/err | cut -c1-200
exec 3>&-; rm -f $d/fs/filler; umount $d/fs
