#!/usr/bin/env python3
"""The attribution of scripts/dev/rtt-trace (see its header): python3 rtt-trace-classify.py OUT [--slow-ms 0.8]."""
import bisect
import re
import statistics
import sys
from collections import Counter, defaultdict

out = sys.argv[1]
slow_us = 800.0
if "--slow-ms" in sys.argv:
    slow_us = float(sys.argv[sys.argv.index("--slow-ms") + 1]) * 1000

SEGMENTS = ["add->A commit", "sync hop->B commit", "B writer wake", "B fdatasync", "synced hop", "A fdatasync"]

trips, jvm_tids = [], {}
with open(f"{out}/trips.csv") as f:
    next(f)
    for line in f:
        if line.startswith("# "):
            tid, name = line[2:].rstrip("\n").split(" ", 1)
            jvm_tids[int(tid)] = name
            continue
        v = [int(x) for x in line.split(",")]
        t0, total, ca, cb, bs, be, as_, ae, ak, bk = v
        if min(ca, cb, bs, be) < 0:
            continue
        seg = [ca, cb - ca, bs - cb, be - bs, total - be, (ae - as_) if ae >= 0 and as_ >= 0 else 0]
        trips.append(dict(t0=t0, t1=t0 + total * 1000, total=total, seg=seg, a_tail=ae > be, ckpt=ak + bk,
                          a_fsync=(t0 + as_ * 1000, t0 + ae * 1000) if as_ >= 0 and ae >= 0 else None,
                          b_fsync=(t0 + bs * 1000, t0 + be * 1000)))

# the JVM's events (System.nanoTime, the `tn` decorator): safepoints and handshakes end at their stamp
safepoints, compiles = [], []
stamp = re.compile(r"^\[(\d+)ns\]")
with open(f"{out}/jvm.log") as f:
    for line in f:
        m = stamp.match(line)
        if not m:
            continue
        t = int(m.group(1))
        if "Safepoint \"" in line:
            total = int(re.search(r"Total: (\d+) ns", line).group(1))
            name = re.search(r'Safepoint "([^"]+)"', line).group(1)
            safepoints.append((t - total, t, name))
        elif "Handshake \"" in line:
            total = re.search(r"completion time: (\d+) ns", line)
            if total:
                safepoints.append((t - int(total.group(1)), t, "handshake " + re.search(r'Handshake "([^"]+)"', line).group(1)))
        elif re.match(r"^\[\d+ns\]\s+\d+\s", line):
            compiles.append(t)
compiles.sort()

# the kernel's events (perf record -k mono: the same clock)
running = defaultdict(list)  # cpu -> [(start, end, tid)]
runq = []  # (woken, on cpu, tid) for the JVM's threads
blocks = []  # (time, rwbs, bytes)
have_perf = False
try:
    cur = {}  # cpu -> (since, tid)
    woken = {}
    ev = re.compile(r"^\s*(.+?)\s+(\d+)\s+\[(\d+)\]\s+(\d+\.\d+):\s+(\S+):\s*(.*)$")
    with open(f"{out}/perf.txt") as f:
        for line in f:
            m = ev.match(line)
            if not m:
                continue
            have_perf = True
            _, tid, cpu, ts, event, rest = m.groups()
            t = int(ts.replace(".", ""))
            cpu = int(cpu)
            if event == "sched:sched_switch":
                nxt = int(re.search(r"next_pid=(\d+)", rest).group(1))
                prev = int(re.search(r"prev_pid=(\d+)", rest).group(1))
                comm = re.search(r"prev_comm=(.*?) prev_pid=", rest).group(1)
                if cpu in cur:
                    running[cpu].append((cur[cpu][0], t, cur[cpu][1], comm))
                else:
                    running[cpu].append((t, t, prev, comm))
                cur[cpu] = (t, nxt)
                if nxt in woken:
                    runq.append((woken.pop(nxt), t, nxt))
            elif event == "sched:sched_wakeup":
                pid = int(re.search(r" pid=(\d+)", " " + rest).group(1))
                if pid in jvm_tids:
                    woken.setdefault(pid, t)
            elif event == "block:block_rq_issue":
                p = rest.split()
                blocks.append((t, p[1], int(p[2]) if p[2].isdigit() else 0))
except FileNotFoundError:
    pass


def overlap(spans, a, b):
    return sum(max(0, min(b, e) - max(a, s)) for s, e, *_ in spans)


def in_window(spans_sorted_starts, spans, a, b):
    return [x for x in spans if x[1] > a and x[0] < b]


med = [statistics.median(t["seg"][i] for t in trips) for i in range(len(SEGMENTS))]
perf_from = min((r[0][0] for r in running.values() if r), default=0)
perf_to = max((r[-1][1] for r in running.values() if r), default=0)
slow = [t for t in trips if t["total"] > slow_us]
print(f"{len(trips)} round trips, {len(slow)} over {slow_us / 1000:.3f} ms; p50 "
      f"{statistics.median(t['total'] for t in trips) / 1000:.3f} ms; perf {'yes' if have_perf else 'no'}")
print("segment medians (us), all trips: " + ", ".join(f"{n} {m:.0f}" for n, m in zip(SEGMENTS, med)))
print("segment medians (us), slow trips: " + ", ".join(
    f"{n} {statistics.median(t['seg'][i] for t in slow):.0f}" for i, n in enumerate(SEGMENTS)) if slow else "")

causes = Counter()
rows = []
for t in slow:
    excess = [t["seg"][i] - med[i] for i in range(5)]
    if t["a_tail"]:  # A's fdatasync ended after B's: the synced hop waited for it
        excess[4] = 0
        excess.append(t["seg"][0] + t["seg"][5] - (med[0] + med[5]) - (t["seg"][0] + t["seg"][1] + t["seg"][2] + t["seg"][3] - sum(med[:4])))
    else:
        excess.append(-1)
    dom = max(range(6), key=lambda i: excess[i])
    a, b = t["t0"], t["t1"]
    sp = [x for x in safepoints if x[1] > a and x[0] < b]
    sp_us = overlap(sp, a, b) / 1000
    comp = bisect.bisect_left(compiles, b) - bisect.bisect_left(compiles, a - 1_000_000)
    covered = have_perf and perf_from <= a and b <= perf_to
    other_us = runq_us = jit_us = 0.0
    who = Counter()
    nblk = blk_bytes = nflush = nmeta = 0
    if covered:
        for cpu, spans in running.items():
            for s, e, tid, comm in spans:
                if tid != 0 and max(0, min(b, e) - max(a, s)) > 0:
                    # the JIT's threads come and go (a C2 thread that ended is not in the list): by name
                    kind = ("JIT" if comm.startswith(("C1 Compiler", "C2 Compiler")) else
                            "GC" if comm.startswith("GC Thread") else None if tid in jvm_tids else comm)
                    if kind:
                        who[kind] += (min(b, e) - max(a, s)) / 1000
            other_us = sum(v for k, v in who.items() if k != "JIT")
            jit_us = who.get("JIT", 0)
        runq_us = sum(max(0, min(b, e) - max(a, s)) for s, e, tid in runq
                      if jvm_tids.get(tid, "").startswith(("logmesh-rtt", "logmesh-writer"))) / 1000
        for (bt, rwbs, nbytes) in blocks:
            if a <= bt <= b:
                nblk += 1
                blk_bytes += nbytes
                nflush += "F" in rwbs
                nmeta += "M" in rwbs
    also = []
    if sp_us > 0:
        also.append("safepoint")
    if t["ckpt"] > 0:
        also.append("checkpoint")
    if comp > 0:
        also.append("compile")
    if covered and jit_us > 100:
        also.append("JIT threads >100us")
    if other_us > 100:
        also.append("other processes >100us")
    if runq_us > 100:
        also.append("run-queue wait >100us")
    name = SEGMENTS[dom] if dom < 5 else "A fdatasync (the tail)"
    causes[name] += 1
    for x in also:
        causes[name + " + " + x] += 1
    rows.append((t["total"], name, [round(x) for x in t["seg"]], t["a_tail"], round(sp_us), t["ckpt"], comp,
                 round(other_us) if covered else "-", round(runq_us) if covered else "-",
                 f"{nblk}/{blk_bytes // 1024}K/F{nflush}/M{nmeta}" if covered else "-",
                 ",".join(sorted({x[2] for x in sp})),
                 " ".join(f"{k}:{v:.0f}" for k, v in who.most_common(3))))

print("\nslow round trips by the segment that grew most over its median (with what overlapped them):")
for k, v in sorted(causes.items(), key=lambda kv: (kv[0].split(" + ")[0], -kv[1])):
    print(f"  {v:4d}  {k}")
# the round trips that set the p99 (the slowest 1%), each given one cause by what overlapped it
top = sorted(rows, reverse=True)[:max(1, len(trips) // 100)]
why = Counter()
for r in top:
    total, dom, segs, a_tail, sp_us, ckpt, comp, other, runq, blk, sps, busiest = r
    jit = sum(float(x) for x in re.findall(r"JIT:(\d+)", busiest))
    nreq = int(blk.split("/")[0]) if blk != "-" else 0
    if jit >= 1000:
        k = "the JIT's threads on a core >= 1 ms (the round trip's threads waiting to run)"
    elif other != "-" and other - jit >= 1000:
        k = "other processes on a core >= 1 ms"
    elif sp_us >= 500:
        k = "a safepoint >= 0.5 ms"
    elif nreq >= 12:
        k = "a checkpoint's writes in the trip (" + ("background" if ckpt else "the WAL bound's, on a loop") + ")"
    elif "fdatasync" in dom:
        k = "the fdatasync itself (the device), nothing else running"
    else:
        k = "none of these: " + dom
    why[k] += 1
print(f"\nthe {len(top)} slowest round trips (the p99's), by cause:")
for k, v in why.most_common():
    print(f"  {v:4d}  {k}")

print("\neach slow round trip: total us, dominant, segments us [" + ", ".join(SEGMENTS) + "], A's fsync later, "
      "safepoint us, checkpoint us, compiles, other processes' CPU us, loops'/writers' run-queue us, "
      "block requests/bytes/flushes/metadata, safepoints, the 3 busiest others (us on a CPU in the trip)")
for r in sorted(rows, reverse=True):
    print("  ", *r)

# the fdatasyncs and what they wrote: bytes and metadata blocks issued inside each (all trips perf covered)
if have_perf:
    by = defaultdict(list)
    bt = [x[0] for x in blocks]
    for t in trips:
        if not (perf_from <= t["t0"] and t["t1"] <= perf_to):
            continue
        for who in ("a_fsync", "b_fsync"):
            span = t[who]
            if not span:
                continue
            i, j = bisect.bisect_left(bt, span[0]), bisect.bisect_right(bt, span[1])
            reqs = blocks[i:j]
            by[who].append(((span[1] - span[0]) / 1000, sum(r[2] for r in reqs), sum("M" in r[1] for r in reqs),
                            sum("F" in r[1] for r in reqs), len(reqs)))
    for who, v in by.items():
        v.sort()
        n = len(v)
        print(f"\n{who}: {n} in perf's span; us p50 {v[n // 2][0]:.0f} p99 {v[int(n * .99)][0]:.0f}; "
              f"bytes issued inside p50 {statistics.median(x[1] for x in v):.0f}; with a metadata block "
              f"{sum(x[2] > 0 for x in v)}; the slowest 1%:")
        for x in v[int(n * .99):]:
            print(f"   {x[0]:.0f} us, {x[1]} bytes, metadata {x[2]}, flushes {x[3]}, requests {x[4]}")
