#!/usr/bin/env python3
"""Lists the pages each commit of a SQLite WAL wrote (session 46: what one SQLite rtt commit writes).

Usage: scripts/dev/wal-pages.py COPY-OF-log.db-wal [N]  (the last N commits, 12 by default). Reads the frame
headers of the frames whose salts match the WAL header (the current cycle; a copy taken while a node runs);
map the page numbers to b-trees with sqlite3 on a copy of log.db beside it:
  sqlite3 COPY/log.db "SELECT name, pageno, pagetype FROM dbstat WHERE pageno IN (...)"
"""
import struct, sys, collections
def frames(path):
    d = open(path,'rb').read()
    magic, ver, psz, ckseq, s1, s2, c1, c2 = struct.unpack('>8I', d[:32])
    off = 32; out = []
    while off + 24 + psz <= len(d):
        pg, commit, fs1, fs2 = struct.unpack('>4I', d[off:off+16])
        if (fs1, fs2) != (s1, s2) or pg == 0: break
        out.append((pg, commit)); off += 24 + psz
    return psz, out
psz, fr = frames(sys.argv[1])
commits = []; cur = []
for pg, c in fr:
    cur.append(pg)
    if c: commits.append(cur); cur = []
print("page size", psz, "frames", len(fr), "commits", len(commits))
for c in commits[-(int(sys.argv[2]) if len(sys.argv) > 2 else 12):]: print(len(c), c)
