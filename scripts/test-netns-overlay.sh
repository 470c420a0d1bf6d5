#!/usr/bin/env bash
# The bounded-degree overlay on a real network: logmesh nodes (separate JVMs) in network namespaces on one bridge
# (one LAN), mDNS only, default options, small heaps. Called by NetnsEndToEndTest with the defaults (a bounded run).
#
#   scripts/test-netns-overlay.sh                      # lan with 10 nodes, 300 actions, 3 killed; forged (3,000)
#   scripts/test-netns-overlay.sh -n 20 -a 2000 -k 5   # the full lan run (add -s lan to skip the forged one)
#   options: -n NODES  -a ACTIONS  -k KILLED  -f FORGED  -s "lan forged"
#
#   lan     N nodes start at once and find each other by mDNS only. Every node's TCP sessions are sampled twice a
#           second for the whole run: never above maxActive + maxPendingSessions (5 + 6 = 11), in 95% of the samples
#           at most maxActive (5), and the active view (status.json) at most maxActive. A actions are added at random nodes: every node adds each
#           exactly once, and every node's log ('logmesh log', created order) lists the same ids in the same order.
#           Then K random nodes are killed (SIGKILL): the survivors' active views form a connected graph once the
#           dead peers are noticed, and A/4 more actions reach every survivor exactly once, in the same order.
#   forged  4 nodes, and a host of the same LAN that sends forged mDNS announcements of F nodes (TTL 1 h; they point
#           at a tar pit that accepts and never answers, at addresses nobody holds, and at the real nodes) every 10 s
#           (dev.logmesh.netns.MdnsForger); a 5th node starts during the attack. For 60 s the first and the late node
#           are sampled: TCP sockets <= 13, socket descriptors <= 40, threads <= 40, live heap (a class histogram:
#           full GC and count in one step) <= 16 MB (each stated with the baseline before the attack); then 100 actions
#           reach all 5 nodes exactly once.
#
# Heap: LOGMESH_JAVA_OPTS, default -XX:+UseSerialGC -Xmx96m -Djava.net.preferIPv4Stack=true.
# Without root or 'ip netns', prints "SKIPPED: <reason>" and exits 0, unless LOGMESH_REQUIRE_ALL=1 (CI). The whole run
# is bounded by LOGMESH_NETNS_TIMEOUT seconds (default 900). Namespaces and processes are removed at the end, also
# on failure, timeout or Ctrl-C.
set -euo pipefail
if [ -z "${NN_TIMED:-}" ]; then
  NN_TIMED=1 exec timeout -k 10 "${LOGMESH_NETNS_TIMEOUT:-900}" "$0" "$@"
fi
source "$(dirname "${BASH_SOURCE[0]}")/lib/netns-nodes.sh"

N=10 A=300 K=3 F=3000 SCEN="lan forged"
while getopts "n:a:k:f:s:" o; do
  case "$o" in
    n) N="$OPTARG" ;; a) A="$OPTARG" ;; k) K="$OPTARG" ;; f) F="$OPTARG" ;; s) SCEN="$OPTARG" ;;
    *) sed -n '2,9p' "$0"; exit 2 ;;
  esac
done
MAX_ACTIVE=5     # NodeConfig.DEFAULT_MAX_ACTIVE
SESSION_BOUND=11 # maxActive + OverlayConfig.DEFAULT_MAX_PENDING_SESSIONS
export LOGMESH_JAVA_OPTS="${LOGMESH_JAVA_OPTS:--XX:+UseSerialGC -Xmx96m -Djava.net.preferIPv4Stack=true}"

why="$(nn_unavailable)"
if [ -n "$why" ]; then
  if [ "${LOGMESH_REQUIRE_ALL:-0}" = 1 ]; then
    echo "FAILED: netns tests cannot run: $why (LOGMESH_REQUIRE_ALL=1 forbids skipping)"; exit 1
  fi
  echo "SKIPPED: netns overlay tests: $why"; exit 0
fi
prefix="to$(( $$ % 100000 ))"
nn_setup "$prefix"
export NN_DATA=1
passed=0 failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
t() { echo "  [$(date +%T)] $*"; }
echo "  heap: $LOGMESH_JAVA_OPTS"

# ------------------------------------------------------------------ measurements (no fork into the namespaces)

# Established TCP connections of node I on port 7000 (its sessions, either direction): /proc/PID/net/tcp is the
# table of the process's network namespace, which holds only that node.
tcp_sessions() {
  awk 'FNR > 1 && $4 == "01" { split($2, l, ":"); split($3, r, ":"); if (l[2] == "1B58" || r[2] == "1B58") n++ }
       END { print n + 0 }' "/proc/${NN_PID[$1]}/net/tcp"
}

# Samples the sessions of the nodes listed in $NN_DIR/live ("I PID" lines) twice a second into $NN_DIR/samples
# ("I COUNT" lines) until $NN_DIR/live disappears. One awk over every node's table per sample (POSIX awk).
start_sampler() {
  ( while [ -f "$NN_DIR/live" ]; do
      awk 'NR == FNR { host["/proc/" $2 "/net/tcp"] = $1; next }
           FNR == 1 { if (f != "") print host[f], n + 0; f = FILENAME; n = 0 }
           $4 == "01" { split($2, l, ":"); split($3, r, ":"); if (l[2] == "1B58" || r[2] == "1B58") n++ }
           END { if (f != "") print host[f], n + 0 }' \
        "$NN_DIR/live" $(awk '{ print "/proc/" $2 "/net/tcp" }' "$NN_DIR/live") >>"$NN_DIR/samples" 2>/dev/null || true
      nn_sleep 0.5
    done ) &
  SAMPLER=$!
}
stop_sampler() { rm -f "$NN_DIR/live"; wait "$SAMPLER" 2>/dev/null || true; }
write_live() { local i; : >"$NN_DIR/live.tmp"; for i in "$@"; do echo "$i ${NN_PID[$i]}" >>"$NN_DIR/live.tmp"; done
  mv "$NN_DIR/live.tmp" "$NN_DIR/live"; }

# "max p95 samples" of the sampled session counts of node I (or of all nodes with I = all).
session_stats() {
  awk -v i="$1" '(i == "all" || $1 == i) { print $2 }' "$NN_DIR/samples" | sort -n \
    | awk '{ v[NR] = $1 } END { if (NR == 0) { print "- - 0"; exit } r = int(0.95 * NR + 0.999); print v[NR], v[r], NR }'
}

# Node I's active view (node ids, one a line) from its status file.
active_of() {
  sed -nE 's/.*"overlay":\{[^}]*"active":\[([^]]*)\].*/\1/p' "$NN_DIR/data$1/status.json" 2>/dev/null \
    | grep -oE '"id":"[^"]*"' | sed -E 's/"id":"(.*)"/\1/' || true
}

# Node I's ids in created order, read from its log while it runs.
log_ids() {
  LOGMESH_JAVA_OPTS="-XX:+UseSerialGC -Xmx64m" "$NN_ROOT/scripts/logmesh" log --data "$NN_DIR/data$1" \
    | sed -nE 's/.*"id":"([^"]*)".*/\1/p'
}

# Every node of the list added COUNT actions labelled LABEL, and no id twice. Sets $why_not.
check_once() {
  local label="$1" count="$2"; shift 2
  local i n u
  for i in "$@"; do
    n="$(nn_count "$i" "\"k\":\"$label[0-9]+\"")"
    [ "$n" = "$count" ] || { why_not="h$i added $n actions labelled $label, expected $count"; return 1; }
    u="$(nn_ids "$i" | uniq -d | wc -l)"
    [ "$u" = 0 ] || { why_not="h$i added $u ids more than once"; return 1; }
  done
}

# Every node's log ('logmesh log', created order, read while it runs) lists the same ids in the same order as the
# first node's. Sets $why_not.
check_same_order() {
  local i ref="" ids
  for i in "$@"; do
    ids="$(log_ids "$i")"
    if [ -z "$ref" ]; then ref="$ids"; elif [ "$ids" != "$ref" ]; then
      why_not="h$i's log differs from h$1's: $(diff <(echo "$ref") <(echo "$ids") | head -n 4 | tr '\n' ' ')"
      return 1
    fi
  done
}

# Whether the active views of the given hosts form a connected graph (and name no one outside them). Sets $why_not.
check_connected() {
  local i id edges="" ids=""
  for i in "$@"; do
    id="$(nn_node_id "$i")"; ids="$ids $id"
    while read -r p; do [ -z "$p" ] || edges="$edges$id $p"$'\n'; done < <(active_of "$i")
  done
  why_not="$(printf '%s' "$edges" | awk -v ids="$ids" '
    BEGIN { n = split(ids, v, " "); for (j = 1; j <= n; j++) live[v[j]] = 1 }
    { if (!($2 in live)) { print $1 " keeps " $2 " active, which is dead"; bad = 1 } adj[$1] = adj[$1] " " $2 }
    END { if (bad) exit; seen[v[1]] = 1; q[1] = v[1]; h = 1; t = 1
          while (h <= t) { split(adj[q[h++]], a, " "); for (k in a) if (!(a[k] in seen)) { seen[a[k]] = 1; q[++t] = a[k] } }
          for (j = 1; j <= n; j++) if (!(v[j] in seen)) { print "not connected: " v[j] " unreachable from " v[1]; exit } }')"
  [ -z "$why_not" ]
}

max_active_view() {
  local i m=0 c
  for i in "$@"; do c="$(active_of "$i" | grep -c . || true)"; [ "$c" -le "$m" ] || m="$c"; done
  echo "$m"
}

send_random() { # LABEL COUNT HOSTS...: COUNT actions labelled LABEL1.. at random hosts of the list
  local label="$1" count="$2"; shift 2
  local hosts=("$@") j
  for ((j = 1; j <= count; j++)); do
    nn_send "${hosts[RANDOM % ${#hosts[@]}]}" "{\"type\":\"test/overlay\",\"k\":\"$label$j\"}"
    if (( j % 100 == 0 )); then nn_sleep 0.05; fi
  done
}

wait_all() { # LABEL COUNT SECONDS HOSTS...
  local label="$1" count="$2" secs="$3" i; shift 3
  for i in "$@"; do
    nn_wait "$i" "\"k\":\"$label[0-9]+\"" "$count" "$secs" \
      || { why_not="h$i has $(nn_count "$i" "\"k\":\"$label[0-9]+\"")/$count actions labelled $label after ${secs} s"; return 1; }
  done
}

# ------------------------------------------------------------------ lan

test_lan() {
  local i hosts=() live=() killed=() t0 s
  t "lan: $N nodes on one bridge, mDNS only, default options"
  nn_net up -n "$N" -t lan
  t0="$(nn_now_us)"
  # LAN_NODE_ARGS: extra node options, for comparisons (e.g. --no-overlay: the full mesh; the bounds then fail)
  for ((i = 1; i <= N; i++)); do nn_start "$i" ${LAN_NODE_ARGS:-}; hosts+=("$i"); done
  for i in "${hosts[@]}"; do
    nn_wait "$i" '"state":"connected"' 1 300 || { fail lan "h$i has no session 300 s after the start"; return; }
  done
  t "every node has a session ($(nn_ms $(( $(nn_now_us) - t0 ))) ms after the start); sampling sessions"
  write_live "${hosts[@]}"
  start_sampler
  nn_sleep 20
  t "after 20 s: sessions per node now: $(for i in "${hosts[@]}"; do printf '%s ' "$(tcp_sessions "$i")"; done)"
  t "adding $A actions at random nodes"
  t0="$(nn_now_us)"
  send_random a "$A" "${hosts[@]}"
  wait_all a "$A" 240 "${hosts[@]}" || { stop_sampler; fail lan "$why_not"; return; }
  t "all $N nodes hold the $A actions $(nn_ms $(( $(nn_now_us) - t0 ))) ms after the first was added"
  nn_sleep 2
  check_once a "$A" "${hosts[@]}" && check_same_order "${hosts[@]}" || { stop_sampler; fail lan "$why_not"; return; }
  s="$(max_active_view "${hosts[@]}")"
  [ "$s" -le "$MAX_ACTIVE" ] || { stop_sampler; fail lan "an active view holds $s > $MAX_ACTIVE peers"; return; }
  # kill K random nodes
  live=("${hosts[@]}")
  for ((i = 0; i < K; i++)); do
    local j=$(( RANDOM % ${#live[@]} ))
    killed+=("${live[j]}")
    nn_stop "${live[j]}" KILL
    live=("${live[@]:0:j}" "${live[@]:j+1}")
  done
  write_live "${live[@]}"
  t "killed h${killed[*]// / h}; waiting until the survivors' active views are connected without them"
  local ok=0
  for ((i = 0; i < 60; i++)); do
    if check_connected "${live[@]}"; then ok=1; break; fi
    nn_sleep 1
  done
  [ "$ok" = 1 ] || { stop_sampler; fail lan "after the kill: $why_not"; return; }
  t "connected $i s after the kill; adding $(( A / 4 )) more actions at random survivors"
  t0="$(nn_now_us)"
  send_random b $(( A / 4 )) "${live[@]}"
  wait_all b $(( A / 4 )) 180 "${live[@]}" || { stop_sampler; fail lan "after the kill: $why_not"; return; }
  t "all ${#live[@]} survivors hold them $(nn_ms $(( $(nn_now_us) - t0 ))) ms after the first was added"
  nn_sleep 2
  check_once b $(( A / 4 )) "${live[@]}" && check_once a "$A" "${live[@]}" && check_same_order "${live[@]}" \
    || { stop_sampler; fail lan "after the kill: $why_not"; return; }
  check_connected "${live[@]}" || { stop_sampler; fail lan "at the end: $why_not"; return; }
  stop_sampler
  read -r smax sp95 sn <<<"$(session_stats all)"
  t "sessions per node over the run ($sn samples): max $smax, 95th percentile $sp95; per node max:" \
    "$(for i in "${hosts[@]}"; do printf 'h%s=%s ' "$i" "$(session_stats "$i" | cut -d' ' -f1)"; done)"
  t "share of samples by session count: $(awk '{ c[$2]++; n++ } END { for (k in c) printf "%s:%.1f%% ", k, 100 * c[k] / n }' "$NN_DIR/samples" | tr ' ' '\n' | sort -n | tr '\n' ' ')"
  t "RSS of the survivors (MB): $(for i in "${live[@]}"; do printf '%s ' $(( $(awk '/VmRSS/ { print $2 }' "/proc/${NN_PID[$i]}/status") / 1024 )); done)"
  [ "$smax" -le "$SESSION_BOUND" ] || { fail lan "a node held $smax sessions > $SESSION_BOUND"; return; }
  [ "$sp95" -le "$MAX_ACTIVE" ] || { fail lan "95th percentile of sessions $sp95 > $MAX_ACTIVE"; return; }
  pass "lan ($N nodes: sessions <= $smax (bound $SESSION_BOUND, p95 $sp95), active views <= $MAX_ACTIVE, $A actions once each in the same order; $K killed: connected, $(( A / 4 )) more converged)"
}

# ------------------------------------------------------------------ forged

# "tcp sockets threads heapMB rssMB cpu_ticks" of node I; with "heap" as 2nd argument, the live heap after a full
# GC, else "-".
footprint() {
  local pid="${NN_PID[$1]}" tcp fds threads heap rss cpu
  tcp="$(awk 'FNR > 1 && ($4 == "01" || $4 == "02") { n++ } END { print n + 0 }' "/proc/$pid/net/tcp")"
  fds="$(find "/proc/$pid/fd" -lname 'socket:*' 2>/dev/null | wc -l)"
  threads="$(awk '/^Threads/ { print $2 }' "/proc/$pid/status")"
  heap="-"
  if [ "${2:-}" = heap ]; then # a JVM start: not every sample
    # the live heap: the class histogram runs a full GC and counts what survives, in one step (a GC and then a
    # second attach for the heap's use counted what the node allocated in between, under attack 15-25 MB)
    heap="$(jcmd "$pid" GC.class_histogram 2>/dev/null | awk '$1 == "Total" { printf "%d", $3 / 1048576 }')"
    [ -n "$heap" ] || heap="-"
  fi
  rss="$(awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$pid/status")"
  cpu="$(awk '{ print $14 + $15 }' "/proc/$pid/stat")"
  echo "$tcp $fds $threads $heap $rss $cpu"
}

test_forged() {
  local i cp t0 base victim late m_tcp=0 m_fd=0 m_thr=0 m_heap=0 heap_n=0 tcp fds thr heap rss cpu cpu0 targets
  t "forged: 4 nodes, forged mDNS announcements of $F nodes from a 6th host, a 5th node joins under attack"
  cp="${LOGMESH_CLASSPATH:-}"
  if [ -z "$cp" ]; then
    [ -f "$NN_ROOT/node/target/test-classes/dev/logmesh/netns/MdnsForger.class" ] \
      || (cd "$NN_ROOT" && mvn -q -B -o -pl node -am test-compile >&2)
    cp="$NN_ROOT/node/target/test-classes"
  fi
  nn_net up -n 6 -t lan
  for i in 1 2 3 4; do nn_start "$i"; done
  for i in 1 2 3 4; do
    nn_wait "$i" '"state":"connected"' 1 90 || { fail forged "h$i has no session 90 s after the start"; return; }
  done
  nn_sleep 10
  victim=1 late=5
  base="$(footprint "$victim" heap)"
  read -r tcp fds thr heap rss cpu0 <<<"$base"
  t "h1 before the attack: $tcp TCP sockets, $fds socket descriptors, $thr threads, live heap $heap MB, RSS $rss MB"
  targets="10.77.1.6 10.77.1.250 10.77.1.251 10.77.1.1 10.77.1.2 10.77.1.3 10.77.1.4"
  ip netns exec "$prefix-n6" java -Xmx64m -cp "$cp" dev.logmesh.netns.MdnsForger 10.77.1.6 "$prefix" "$F" 120 \
    $targets >"$NN_DIR/forger" 2>&1 &
  NN_PID[6]=$!
  t0="$(nn_now_us)"
  for ((i = 0; i < 30; i++)); do
    nn_sleep 2
    [ "$i" != 10 ] || { nn_start "$late"; t "h5 starts during the attack"; }
    for v in "$victim" $([ "$i" -gt 15 ] && echo "$late"); do
      read -r tcp fds thr heap rss cpu <<<"$(footprint "$v" $([ $(( i % 5 )) = 4 ] && echo heap))"
      [ "$tcp" -le "$m_tcp" ] || m_tcp="$tcp"; [ "$fds" -le "$m_fd" ] || m_fd="$fds"
      [ "$thr" -le "$m_thr" ] || m_thr="$thr"; [ "$heap" = - ] || heap_n=$((heap_n + 1))
      [ "$heap" = - ] || [ "$heap" -le "$m_heap" ] || m_heap="$heap"
    done
  done
  read -r tcp fds thr heap rss cpu <<<"$(footprint "$victim")"
  t "forger: $(tail -n 1 "$NN_DIR/forger")"
  t "under attack (60 s, h1 and h5): max $m_tcp TCP sockets, $m_fd socket descriptors, $m_thr threads, live heap $m_heap MB; h1 RSS $rss MB, CPU $(awk -v t=$(( cpu - cpu0 )) 'BEGIN { printf "%.2f", t / 100 }') s over $(( ($(nn_now_us) - t0) / 1000000 )) s"
  grep -q "CANDIDATE_RATE" "$NN_DIR/err$victim" || { fail forged "h1 never saw the forged announcements (no CANDIDATE_RATE warning)"; return; }
  t "h1 warned once: $(grep -c 'overlay bound reached' "$NN_DIR/err$victim") bound warnings: $(grep -o 'overlay bound reached ([A-Z_]*)' "$NN_DIR/err$victim" | tr '\n' ' ')"
  [ "$m_tcp" -le 13 ] || { fail forged "$m_tcp TCP sockets > 13"; return; }
  [ "$m_fd" -le 40 ] || { fail forged "$m_fd socket descriptors > 40"; return; }
  [ "$m_thr" -le 40 ] || { fail forged "$m_thr threads > 40"; return; }
  # live heap: 6 MB before the attack; 9 MB under 3,000 or 10,000 forged names with discovery's service limit,
  # 20 and 24 MB without it (growing with the names and their TTL)
  [ "$heap_n" -gt 0 ] || { fail forged "no heap sample could be taken (jcmd)"; return; }
  [ "$m_heap" -le 16 ] || { fail forged "live heap $m_heap MB > 16 MB"; return; }
  send_random c 100 1 2 3 4 5
  wait_all c 100 60 1 2 3 4 5 || { fail forged "real sync under attack: $why_not"; return; }
  check_once c 100 1 2 3 4 5 && check_same_order 1 2 3 4 5 || { fail forged "real sync under attack: $why_not"; return; }
  pass "forged ($F forged nodes: TCP sockets <= $m_tcp, socket fds <= $m_fd, threads <= $m_thr, heap <= $m_heap MB; 100 actions reached all 5 nodes once each)"
}

for s in $SCEN; do
  "test_$s" || fail "$s" "error in the test script"
  if [ "$NN_KEEP" = 1 ]; then # keep this scenario's output for a look afterwards
    nn_stop_nodes; mkdir -p "$NN_DIR/$s"; mv "$NN_DIR"/out* "$NN_DIR"/err* "$NN_DIR"/samples "$NN_DIR/$s/" 2>/dev/null || true
  fi
  nn_reset
  rm -rf "$NN_DIR"/data* "$NN_DIR/samples" "$NN_DIR/forger"
done
echo "netns overlay: $passed passed, $failed failed"
[ "$failed" = 0 ]
