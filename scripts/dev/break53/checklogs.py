import json, sys, collections
total = int(sys.argv[1]); logs = {}
for p in sys.argv[2:]:
    ids = []; types = []
    for line in open(p):
        line = line.strip()
        if not line: continue
        a, m = json.loads(line)
        if a.get('type','').startswith('logmesh'): continue
        ids.append(m['id']); types.append(a['type'])
    dup = [k for k, v in collections.Counter(ids).items() if v > 1]
    dupt = [k for k, v in collections.Counter(types).items() if v > 1]
    logs[p] = ids
    print(f"{p}: {len(ids)} entries (expected {total}), {len(set(ids))} distinct ids, dup ids {dup[:5]}, dup types {dupt[:5]}")
ref = list(logs.values())[0]
for p, ids in logs.items():
    missing = set(ref) ^ set(ids)
    same = [i for i in ref if i in set(ids)] == [i for i in ids if i in set(ref)]
    print(f"  {p}: symmetric difference with first {len(missing)}, common ids in same order: {same}")
