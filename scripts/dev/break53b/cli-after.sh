#!/usr/bin/env bash
# break53b: `logmesh node --json --after N` across a catch-up and a restart: each of a's actions printed once, in order?
set -u
root=${REPO:-$(cd "$(dirname "$0")/../../.." && pwd)}; d=/tmp/break53b/cli; rm -rf $d; mkdir -p $d
L=$root/scripts/logmesh
mkfifo $d/ain
$L node --name a --data $d/a --port 29501 --no-mdns --host 127.0.0.1 --json --no-overlay <$d/ain >$d/a.out 2>$d/a.err & apid=$!
exec 3>$d/ain
for n in $(seq 1 ${N:-3000}); do echo "{\"type\":\"a/$n\"}" >&3; done
for i in $(seq 1 120); do [ "$(grep -c '"a/' $d/a.out)" -ge ${N:-3000} ] && break; sleep 0.5; done
echo "a printed $(grep -c '"a/' $d/a.out)"
$L node --name b --data $d/b --port 29502 --peer ws://127.0.0.1:29501 --no-mdns --host 127.0.0.1 --json --no-overlay --after 0 </dev/null >$d/b1.out 2>$d/b1.err & bpid=$!
for i in $(seq 1 200); do [ "$(grep -c '"a/' $d/b1.out)" -ge ${CUT:-800} ] && break; sleep 0.05; done
kill $bpid; wait $bpid
echo "b run 1 printed $(grep -c '"a/' $d/b1.out)"
last=$(grep '"a/' $d/b1.out | tail -1 | python3 -c 'import json,sys; l=json.loads(sys.stdin.read()); print(l["meta"]["added"])')
echo "last added printed: $last"
$L node --name b --data $d/b --port 29502 --peer ws://127.0.0.1:29501 --no-mdns --host 127.0.0.1 --json --no-overlay --after $last </dev/null >$d/b2.out 2>$d/b2.err & bpid=$!
for i in $(seq 1 120); do [ "$(cat $d/b1.out $d/b2.out | grep -c '"a/')" -ge ${N:-3000} ] && break; sleep 0.5; done
sleep 3
kill $bpid $apid; exec 3>&-; wait $bpid $apid 2>/dev/null
python3 - $d <<'PY'
import json,sys
d=sys.argv[1]; seen=[]; added=[]
for f in ("b1.out","b2.out"):
    for line in open(f"{d}/{f}"):
        try: l=json.loads(line)
        except Exception: continue
        a=l.get("action") or {}
        if str(a.get("type","")).startswith("a/"):
            seen.append(a["type"]); added.append(l["meta"]["added"])
n=len(set(seen)); dup=len(seen)-n
print(f"printed {len(seen)}, distinct {n}, duplicates {dup}, added ascending within runs: {all(x<y for x,y in zip(added,added[1:]) )}")
order=[int(t.split('/')[1]) for t in seen]
print("created order kept:", order==sorted(order), "missing:", sorted(set(range(1,max(order)+1))-set(order))[:10])
PY
