#!/usr/bin/env python3
# check.py RUN_DIR N [sentfile]: every node's log (created order) the same, each id once, each label under one id, none lost
import json, os, sys, subprocess
LM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "logmesh")
from collections import Counter, defaultdict
d, n = sys.argv[1], int(sys.argv[2])
bad = []
logs = {}
for i in range(1, n + 1):
    out = subprocess.run([LM, "log", "--data", f"{d}/data{i}"], capture_output=True, text=True)
    if out.returncode != 0:
        bad.append(f"n{i}: log failed: {out.stderr.strip()[:300]}"); continue
    ids, lab = [], {}
    for line in out.stdout.splitlines():
        a, m = json.loads(line)
        ids.append(m["id"]); lab[m["id"]] = a.get("k")
    logs[i] = (ids, lab)
ref = logs[min(logs)][0]
for i, (ids, lab) in logs.items():
    tw = [x for x, c in Counter(ids).items() if c > 1]
    if tw: bad.append(f"n{i}: {len(tw)} ids twice")
    if ids != ref:
        bad.append(f"n{i}: differs: {len(ids)} vs {len(ref)}, missing {len(set(ref)-set(ids))}, extra {len(set(ids)-set(ref))}")
    print(f"n{i}: {len(ids)} entries")
lab_ids = defaultdict(set); id_labs = defaultdict(set)
for i, (ids, lab) in logs.items():
    for x, k in lab.items(): lab_ids[k].add(x); id_labs[x].add(k)
multi = {k: v for k, v in lab_ids.items() if len(v) > 1}
if multi: bad.append(f"{len(multi)} labels under more than one id, e.g. {list(multi.items())[:2]}")
reused = {x: v for x, v in id_labs.items() if len(v) > 1}
if reused: bad.append(f"{len(reused)} ids carry different actions on different nodes (id reuse), e.g. {list(reused.items())[:3]}")
if len(sys.argv) > 3:
    sent = set(l.split()[1] for l in open(sys.argv[3]) if l.strip())
    have = set(lab_ids)
    lost = sent - have
    if lost: bad.append(f"{len(lost)} of {len(sent)} sent labels on no node, e.g. {sorted(lost)[:5]}")
    print(f"sent {len(sent)}, found {len(sent & have)}")
print("\n".join("BAD " + b for b in bad) if bad else "OK")
