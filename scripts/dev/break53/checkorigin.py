# per origin: in created order (the log's order), the numbers in the types must increase (ids increase per node
# in the order its actions were added), and ids' ms never go backwards per origin
import json, sys
last = {}; bad = 0
for line in open(sys.argv[1]):
    a, m = json.loads(line)
    t = a['type']
    if '/' not in t or t.startswith('logmesh'): continue
    o, k = t.split('/', 1); k = int(k)
    if o in last and k < last[o][0]:
        bad += 1
        if bad < 6: print(f"  origin {o}: {t} ({m['id']}) sorts after {o}/{last[o][0]} ({last[o][1]})")
    last[o] = (k, m['id'])
print(f"{sys.argv[1]}: per-origin order violations: {bad}")
