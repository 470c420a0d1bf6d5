import sys, json, hashlib
# sametext.py LOG... : the action text (as printed by logmesh log) and meta (less added) are the same per id on every node
def rows(f):
    out = {}
    for line in open(f, encoding='utf-8', errors='surrogateescape'):
        line = line.rstrip('\n')
        if not line: continue
        arr = json.loads(line)
        m = dict(arr[1]); m.pop('added', None); m.pop('time', None)
        # the action as text: the first element of the printed array, cut from the line (json.loads would normalize)
        dec = json.JSONDecoder()
        assert line[0] == '['
        a, end = dec.raw_decode(line, 1)
        text = line[1:end]
        out[arr[1]['id']] = (hashlib.sha1(text.encode('utf-8', 'surrogateescape')).hexdigest(), json.dumps(m, sort_keys=True))
    return out
logs = [rows(f) for f in sys.argv[1:]]
diff = 0
for i in logs[0]:
    vals = set(l.get(i) for l in logs)
    if len(vals) > 1:
        diff += 1
        if diff <= 3: print('differs', i, vals)
print(len(logs[0]), 'ids;', diff, 'differ in action text or meta')
