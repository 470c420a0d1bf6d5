import json, sys, random
# gen.py SMALL LARGE_PER_KIND MAXFRAME > lines
small, per, mf = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]); MARGIN = int(sys.argv[4]) if len(sys.argv) > 4 else 150
r = random.Random(7)
out = sys.stdout
for i in range(small):
    out.write(json.dumps({"type": "big/s", "i": i, "pad": "x" * r.randint(0, 120)}) + "\n")
# large: the action JSON text near mf - 64 - meta; kinds: ascii, 3-byte (U+20AC), 4-byte (emoji), escapes (\n, \u0001, quote)
kinds = {"ascii": "a", "euro": "\u20ac", "emoji": "\U0001F600", "esc": "\"\n\u0001\\", "ls": "\u2028"}
for name, unit in kinds.items():
    ub = len(json.dumps(unit, ensure_ascii=False).encode()) - 2
    for j in range(per):
        target = mf - 64 - MARGIN - j * 3  # bytes of the action text, the meta's bound ~ 128 + node id + reasons
        base = json.dumps({"type": "big/l", "k": name, "j": j, "p": ""}, ensure_ascii=False).encode()
        n = max(0, (target - len(base)) // ub)
        a = {"type": "big/l", "k": name, "j": j, "p": unit * n}
        out.write(json.dumps(a, ensure_ascii=False) + "\n")
