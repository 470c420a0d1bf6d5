#!/usr/bin/env python3
# Arrival times of churn.sh's labels: from the driver's sent file (ns) to each node's first add line of the label
# (--timestamps "ts", us), the origin left out. Usage: arrivals.py DIR [NODE...] (the second line: only to those nodes).
import sys, os, re, json, glob
D = sys.argv[1]
sent = {}
for line in open(os.path.join(D, 'sent')):
    i, lab, ns = line.split()
    sent[lab] = (int(i), int(ns) // 1000)
first = {}  # (node, label) -> ts
for f in glob.glob(os.path.join(D, 'out*')):
    m = re.match(r'out(\d+)', os.path.basename(f))
    node = int(m.group(1))
    for line in open(f, errors='replace'):
        if '"event":"add"' not in line:
            continue
        try:
            o = json.loads(line)
        except Exception:
            continue
        k = o.get('action', {}).get('k')
        if k not in sent or 'ts' not in o:
            continue
        key = (node, k)
        if key not in first or o['ts'] < first[key]:
            first[key] = o['ts']
ds = sorted((ts - sent[k][1]) / 1000.0 for (n, k), ts in first.items() if n != sent[k][0])
def q(p): return ds[min(len(ds) - 1, int(p * len(ds)))]
print(f"arrivals {len(ds)} labels {len(sent)}: p50 {q(.5):.0f} ms p90 {q(.9):.0f} ms p99 {q(.99):.0f} ms max {ds[-1]:.0f} ms")
only = [int(x) for x in sys.argv[2:]]
if only:
    ds = sorted((ts - sent[k][1]) / 1000.0 for (n, k), ts in first.items() if n != sent[k][0] and n in only)
    print(f"to nodes {only}: arrivals {len(ds)}: p50 {q(.5):.0f} ms p90 {q(.9):.0f} ms p99 {q(.99):.0f} ms max {ds[-1]:.0f} ms")
