# Sourced by demo-multihop.sh, test-netns.sh and bench-netns: logmesh nodes in the namespaces of
# netns-mesh.sh, one per host, fed through a FIFO on stdin, with stdout (NDJSON with --timestamps)
# and stderr in files under $NN_DIR.
#
#   nn_setup PREFIX          # checks, builds the jar if needed, makes $NN_DIR, installs the cleanup trap
#   nn_net up -n 3 -t chain  # netns-mesh.sh with -p PREFIX
#   nn_start I [node options]  # node "hI" in host I; NN_START[I] = start time (us since the epoch);
#                            # NN_DATA=1 keeps its log in $NN_DIR/dataI instead of memory
#   nn_send I JSON...        # lines to node I's stdin
#   nn_wait I REGEX COUNT SECONDS  # until node I's stdout has COUNT lines matching REGEX (grep -E)
#   nn_stop I [SIGNAL]       # signal node I (default TERM) and wait for it to exit
#   nn_ids I                 # sorted meta ids of node I's "add" events
#   nn_ts I REGEX            # "ts" of node I's first stdout line matching REGEX
#   nn_cleanup               # stops every node, deletes the namespaces, removes $NN_DIR (also on exit)
# Every node gets --mesh PREFIX, so runs with different prefixes never talk to each other.

export PATH="/usr/sbin:/sbin:$PATH"
NN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NN_MESH="$NN_ROOT/scripts/netns-mesh.sh"
NN_PREFIX=""
NN_DIR=""
NN_KEEP="${NN_KEEP:-0}"
declare -a NN_PID=() NN_FD=() NN_START=()
NN_CLEANED=0

nn_now_us() { local t="$EPOCHREALTIME"; echo "${t/./}"; }

# Why the network tests cannot run here, or nothing.
nn_unavailable() {
  if [ "$(id -u)" != 0 ]; then echo "not root (network namespaces need root)"; return; fi
  if ! command -v ip >/dev/null 2>&1; then echo "iproute2 ('ip') is not installed"; return; fi
  if ! command -v setsid >/dev/null 2>&1; then echo "setsid (util-linux) is not installed"; return; fi
  local probe="lmprobe$$"
  probe="${probe:0:10}"
  if ! ip netns add "$probe" 2>/dev/null; then echo "'ip netns add' fails here (no CAP_SYS_ADMIN?)"; return; fi
  ip netns del "$probe" 2>/dev/null || true
}

nn_setup() {
  NN_PREFIX="$1"
  # Builds the jar (in the root namespace, before any node starts) if it is missing or stale.
  "$NN_ROOT/scripts/logmesh" --version >/dev/null
  NN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/logmesh-$NN_PREFIX.XXXXXX")"
  trap 'nn_cleanup; exit 130' INT
  trap 'nn_cleanup; exit 143' TERM
  trap 'nn_cleanup' EXIT
}

nn_net() { "$NN_MESH" "$@" -p "$NN_PREFIX"; }

nn_start() {
  local i="$1"; shift
  local dir="$NN_DIR"
  rm -f "$dir/in$i"; mkfifo "$dir/in$i"
  : >"$dir/out$i"
  NN_START[$i]="$(nn_now_us)"
  # NN_DATA=1: the log in $NN_DIR/dataI (SQLite; status.json for 'logmesh peers', 'logmesh log'), else in memory
  local store=(--memory)
  [ "${NN_DATA:-0}" != 1 ] || store=(--data "$dir/data$i")
  LOGMESH_JAVA_OPTS="${LOGMESH_JAVA_OPTS:--XX:+UseSerialGC -Xmx256m -Djava.net.preferIPv4Stack=true}" \
    ip netns exec "$NN_PREFIX-n$i" "$NN_ROOT/scripts/logmesh" node --name "h$i" --mesh "$NN_PREFIX" \
    "${store[@]}" --host 0.0.0.0 --port 7000 --timestamps "$@" <"$dir/in$i" >>"$dir/out$i" 2>>"$dir/err$i" &
  NN_PID[$i]=$!
  local fd
  exec {fd}>"$dir/in$i"
  NN_FD[$i]=$fd
}

nn_send() {
  local i="$1"; shift
  local line
  for line in "$@"; do printf '%s\n' "$line" >&"${NN_FD[$i]}"; done
}

# Sleeps without forking: a forked sleep right after a send costs a 2-core machine about a millisecond of CPU
# at the moment the nodes are relaying that action, which is what the latency benchmark measures.
nn_sleep() {
  if [ -z "${NN_SLEEP_FD:-}" ]; then exec {NN_SLEEP_FD}<> <(:); fi
  read -rt "$1" -u "$NN_SLEEP_FD" || true
}

# The node id of host I's latest start (its output file keeps the lines of earlier starts).
nn_node_id() { sed -nE 's/.*"event":"ready","node":"([^"]*)".*/\1/p' "$NN_DIR/out$1" | tail -n 1; }

nn_count() { grep -cE "$2" "$NN_DIR/out$1" 2>/dev/null || true; }

nn_wait() {
  local i="$1" re="$2" want="$3" secs="$4" deadline
  deadline=$(( $(nn_now_us) + secs * 1000000 ))
  while [ "$(nn_count "$i" "$re")" -lt "$want" ]; do
    [ "$(nn_now_us)" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

nn_stop() {
  local i="$1" sig="${2:-TERM}" pid="${NN_PID[$1]:-}"
  [ -n "$pid" ] || return 0
  kill -"$sig" "$pid" 2>/dev/null || true
  if [ "$sig" != STOP ] && [ "$sig" != CONT ]; then
    { wait "$pid"; } 2>/dev/null || true
    NN_PID[$i]=""
    if [ -n "${NN_FD[$i]:-}" ]; then eval "exec ${NN_FD[$i]}>&-" || true; NN_FD[$i]=""; fi
  fi
}

nn_ids() {
  grep '"event":"add"' "$NN_DIR/out$1" | sed -E 's/.*"meta":\{[^}]*"id":"([^"]*)".*/\1/' | sort
}

nn_ts() {
  grep -E "$2" "$NN_DIR/out$1" | head -n 1 | sed -nE 's/.*"ts":([0-9]+).*/\1/p'
}

# "k" label -> ts, for every add event of node I: "label ts" lines.
nn_add_times() {
  sed -nE 's/.*"event":"add".*"k":"([^"]*)".*"ts":([0-9]+).*/\1 \2/p' "$NN_DIR/out$1"
}

# Percentile P (0-100) of the numbers on stdin (nearest rank).
nn_pct() {
  sort -n | awk -v p="$1" '{ v[NR] = $1 } END {
    if (NR == 0) { print "-"; exit }
    r = int((p / 100) * NR + 0.999999); if (r < 1) r = 1; if (r > NR) r = NR; print v[r] }'
}

# Milliseconds with 1 decimal from microseconds.
nn_ms() { awk -v u="$1" 'BEGIN { if (u == "" || u == "-") print "-"; else printf "%.1f", u / 1000 }'; }

# Kills the nodes and closes their stdin FIFOs.
nn_stop_nodes() {
  local i
  for i in "${!NN_PID[@]}"; do
    [ -z "${NN_PID[$i]}" ] || { kill -KILL "${NN_PID[$i]}"; wait "${NN_PID[$i]}"; } 2>/dev/null || true
  done
  for i in "${!NN_FD[@]}"; do
    [ -z "${NN_FD[$i]}" ] || eval "exec ${NN_FD[$i]}>&-" 2>/dev/null || true
  done
}

nn_cleanup() {
  [ "$NN_CLEANED" = 0 ] || return 0
  NN_CLEANED=1
  trap - INT TERM EXIT
  nn_stop_nodes
  [ -z "$NN_PREFIX" ] || "$NN_MESH" down -p "$NN_PREFIX" || true
  wait 2>/dev/null || true
  if [ -n "$NN_DIR" ] && [ -d "$NN_DIR" ]; then
    if [ "$NN_KEEP" = 1 ]; then echo "node output kept in $NN_DIR" >&2; else rm -rf "$NN_DIR"; fi
  fi
}

# Stops the nodes and removes the namespaces of this prefix, keeping the trap (between scenarios).
nn_reset() {
  nn_stop_nodes
  NN_PID=(); NN_FD=(); NN_START=()
  "$NN_MESH" down -p "$NN_PREFIX"
  rm -f "$NN_DIR"/out* "$NN_DIR"/err* "$NN_DIR"/in*
}

# "label t1 t2 ..." for every action whose "k" label starts with LABEL_PREFIX, with its add time (us)
# at each of the given nodes in order ("-" where a node lacks it), in the order the first node added them.
#   nn_hop_times LABEL_PREFIX I1 I2 ...
nn_hop_times() {
  local lp="$1"; shift
  local i files=()
  for i in "$@"; do nn_add_times "$i" >"$NN_DIR/times$i"; files+=("$NN_DIR/times$i"); done
  awk -v lp="$lp" -v n=$# '
    FNR == 1 { f++ }
    index($1, lp) == 1 { if (!($1 in t)) { t[$1] = 1; order[++m] = $1 } ; ts[$1, f] = $2 }
    END { for (j = 1; j <= m; j++) { k = order[j]; line = k
            for (g = 1; g <= n; g++) line = line " " (((k, g) in ts) ? ts[k, g] : "-")
            print line } }' "${files[@]}"
}

# Per-hop latency summary from nn_hop_times output on stdin: one line per hop (column pair), plus
# end to end: "what n p50 p99 max" in ms. Actions missing somewhere are skipped for that pair.
nn_hop_summary() {
  local names=("$@") tmp="$NN_DIR/hops" c n
  cat >"$tmp"
  n=${#names[@]}
  for ((c = 2; c <= n; c++)); do
    nn_hop_line "${names[c-2]}->${names[c-1]}" $c $((c + 1)) <"$tmp"
  done
  [ "$n" -le 2 ] || nn_hop_line "${names[0]}->${names[n-1]}" 2 $((n + 1)) <"$tmp"
}

nn_hop_line() {
  local what="$1" a="$2" b="$3" d
  d="$(awk -v a="$a" -v b="$b" '$a != "-" && $b != "-" { print $b - $a }')"
  local cnt p50 p99 max
  cnt=$(printf '%s\n' "$d" | grep -c . || true)
  p50=$(printf '%s\n' "$d" | grep . | nn_pct 50)
  p99=$(printf '%s\n' "$d" | grep . | nn_pct 99)
  max=$(printf '%s\n' "$d" | grep . | nn_pct 100)
  printf '  %-10s n=%-4s p50 %7s ms   p99 %7s ms   max %7s ms\n' "$what" "$cnt" \
    "$(nn_ms "$p50")" "$(nn_ms "$p99")" "$(nn_ms "$max")"
}
