#!/usr/bin/env python3
"""check.py DIR N: compares `logmesh log` outputs DIR/logN.txt (n1..nN) and add events DIR/out*.
Prints: per node count, dup ids in a log, order violations, ids missing vs union, ids seen in add events
but missing everywhere, add events repeated within one life of a node."""
import json, sys, glob, os, re, collections
d, n = sys.argv[1], int(sys.argv[2])
def key(i):
    ms, node, seq = i.split(' ')
    return (int(ms), node, int(seq))
logs = {}
bad = 0
for k in range(1, n + 1):
    ids = []
    for line in open(f'{d}/log{k}.txt'):
        line = line.strip()
        if not line: continue
        a, m = json.loads(line)
        ids.append(m['id'])
    logs[k] = ids
    c = collections.Counter(ids)
    dups = [i for i, x in c.items() if x > 1]
    order = sum(1 for a, b in zip(ids, ids[1:]) if key(a) >= key(b))
    print(f'n{k}: {len(ids)} entries, {len(dups)} duplicate ids, {order} order violations')
    bad += len(dups) + order
union = set().union(*[set(v) for v in logs.values()])
for k, v in logs.items():
    miss = union - set(v)
    if miss:
        bad += 1
        print(f'n{k}: missing {len(miss)} of union {len(union)}, e.g. {sorted(miss, key=key)[:3]}')
ref = sorted(union, key=key)
for k, v in logs.items():
    if v != ref and set(v) == union:
        bad += 1; print(f'n{k}: same set, different order')
# add events
evids = set()
for f in sorted(glob.glob(f'{d}/out*')):
    c = collections.Counter()
    for line in open(f, errors='replace'):
        try: e = json.loads(line)
        except Exception: continue
        if e.get('event') == 'add':
            c[e['meta']['id']] += 1
            evids.add(e['meta']['id'])
    rep = [i for i, x in c.items() if x > 1]
    if rep:
        bad += 1
        print(f'{os.path.basename(f)}: {len(rep)} ids printed as add more than once in one life, e.g. {rep[:3]}')
lost = evids - union
if lost:
    bad += 1
    print(f'LOST: {len(lost)} ids printed in add events but in no final log, e.g. {sorted(lost, key=key)[:5]}')
print(f'union {len(union)}, add-event ids {len(evids)}; ' + ('OK' if bad == 0 else f'BAD ({bad})'))
sys.exit(1 if bad else 0)
