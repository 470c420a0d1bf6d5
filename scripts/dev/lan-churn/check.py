#!/usr/bin/env python3
"""Checks a churn.sh directory: every SQLite node's log (created order) the same; each id once; labels map to one id;
nothing acknowledged lost; memory nodes' final incarnation holds the same set; stdout add events never twice."""
import glob, json, os, re, sys
from collections import Counter, defaultdict

d = sys.argv[1]
mem = set(int(x) for x in (sys.argv[2] if len(sys.argv) > 2 else "2 9").split())
restored = set(int(x) for x in (sys.argv[3] if len(sys.argv) > 3 else "6").split())
bad = []

def adds(path):
    out = []
    for line in open(path, errors="replace"):
        if '"event":"add"' not in line:
            continue
        try:
            e = json.loads(line)
        except Exception:
            bad.append(f"{path}: unparsable add line {line[:80]}"); continue
        a, m = e.get("action", {}), e.get("meta", {})
        out.append((m.get("id"), a.get("k")))
    return out

hosts = sorted({int(re.match(r"out(\d+)", os.path.basename(p)).group(1)) for p in glob.glob(d + "/out*")})
logs = {}
for i in hosts:
    p = f"{d}/log{i}"
    if i in mem or not os.path.exists(p):
        continue
    ids, labels = [], {}
    for line in open(p):
        a, m = json.loads(line)
        ids.append(m["id"]); labels[m["id"]] = a.get("k")
    logs[i] = (ids, labels)

ref_host = min(logs)
ref, ref_labels = logs[ref_host]
print(f"reference h{ref_host}: {len(ref)} entries")
for i, (ids, _) in logs.items():
    c = Counter(ids)
    twice = [x for x, n in c.items() if n > 1]
    if twice:
        bad.append(f"h{i} log holds {len(twice)} ids twice, e.g. {twice[:3]}")
    if ids != ref:
        s, r = set(ids), set(ref)
        first = next((j for j, (x, y) in enumerate(zip(ids, ref)) if x != y), min(len(ids), len(ref)))
        bad.append(f"h{i} log differs from h{ref_host}: {len(ids)} vs {len(ref)} entries, missing {len(r - s)} "
                   f"(e.g. {sorted(r - s)[:3]}), extra {len(s - r)} (e.g. {sorted(s - r)[:3]}), first difference at {first}")
    else:
        print(f"h{i}: log same as h{ref_host} ({len(ids)})")

# labels -> ids
lab_ids = defaultdict(set)
for i, (ids, labels) in logs.items():
    for x, k in labels.items():
        lab_ids[k].add(x)
printed_by = defaultdict(set)   # label -> hosts whose stdout printed it
for i in hosts:
    files = sorted(glob.glob(f"{d}/out{i}.g*")) + [f"{d}/out{i}"]
    cur = f"{d}/out{i}"
    allev = []
    for f in files:
        ev = adds(f)
        for x, k in ev:
            lab_ids[k].add(x)
            if i not in mem or f == cur:
                printed_by[k].add(i)
        if i in mem:
            c = Counter(x for x, _ in ev)
            tw = [x for x, n in c.items() if n > 1]
            if tw:
                bad.append(f"h{i} ({os.path.basename(f)}) printed {len(tw)} ids twice, e.g. {tw[:3]}")
        allev += ev
        if i in mem and f == cur:
            s = set(x for x, _ in ev)
            if s != set(ref):
                bad.append(f"memory h{i} final incarnation: {len(s)} ids, missing {len(set(ref) - s)} "
                           f"(e.g. {sorted(set(ref) - s)[:3]}), extra {len(s - set(ref))}")
            else:
                print(f"h{i} (memory): same set as h{ref_host}")
    if i not in mem:
        c = Counter(x for x, _ in allev)
        tw = [x for x, n in c.items() if n > 1]
        if tw:
            msg = f"h{i} (SQLite) printed {len(tw)} ids twice across its incarnations, e.g. {tw[:3]}"
            (print if i in restored else bad.append)(("expected (restored): " if i in restored else "") + msg)
two = {k: v for k, v in lab_ids.items() if len(v) > 1}
if two:
    bad.append(f"{len(two)} labels with more than one id, e.g. {list(two.items())[:2]}")
refset = set(ref)
lost = [k for k, hs in printed_by.items() if not (lab_ids[k] & refset)]
if lost:
    bad.append(f"{len(lost)} acknowledged labels missing from the logs, e.g. {[(k, sorted(printed_by[k])) for k in lost[:5]]}")
sent = [l.split() for l in open(f"{d}/sent")]
never = [s for s in sent if s[1] not in lab_ids]
print(f"sent {len(sent)} labels; {len(never)} never added anywhere (written to a node killed before it committed): "
      f"{Counter(s[0] for s in never)}")
print("RESULT:", "OK" if not bad else "FAIL")
for b in bad:
    print("  " + b)
