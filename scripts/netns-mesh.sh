#!/usr/bin/env bash
# Network namespaces for real-network tests of logmesh (mDNS + WebSocket), isolated from the host.
#
#   netns-mesh.sh up     [-n N] [-t chain|lan|star] [-p PREFIX]  # idempotent: removes leftovers of PREFIX first
#   netns-mesh.sh down   [-p PREFIX]                             # TERM, then KILL, processes in PREFIX-*; delete them
#   netns-mesh.sh run    [-n N] [-t ...] [-p PREFIX] -- CMD ...   # up, CMD (own process group), always down
#   netns-mesh.sh exec   [-p PREFIX] I -- CMD ...                 # run CMD in host I (ip netns exec PREFIX-nI)
#   netns-mesh.sh link   down|up [-p PREFIX] K                    # cut / heal bridge K (a partition)
#   netns-mesh.sh status [-p PREFIX]
#
# Layout: hosts are namespaces PREFIX-n1..nN; Linux bridges br<K> live in a separate namespace PREFIX-sw,
# so nothing is created in the root namespace except the namespaces themselves, and deleting the
# namespaces removes every veth and bridge. Host I's port on bridge K is called eK and has the address
# 10.77.K.I/24. There is no default route: nothing can leave the namespaces.
#   chain: bridge K joins hosts K and K+1 (A-B-C...: each host hears only its neighbours' mDNS)
#   star:  host 1 is a hub, bridge K joins host 1 and host K+1
#   lan:   bridge 1 joins every host
# MESH_IPV6=0 (default) disables IPv6 in the hosts; MESH_IPV6=1 keeps it, with DAD off so link-local
# addresses are usable at once. Needs root, iproute2, util-linux (setsid) and procps (sysctl).
set -euo pipefail
export PATH="/usr/sbin:/sbin:$PATH"

PREFIX="${MESH_PREFIX:-lmesh}"
N=3
TOPO=chain

die() { echo "netns-mesh: $*" >&2; exit 2; }

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

check_prefix() {
  [[ "$PREFIX" =~ ^[A-Za-z0-9_]{1,10}$ ]] || die "prefix must be 1-10 letters, digits or _: '$PREFIX'"
}

# Namespaces of PREFIX: exactly PREFIX-sw and PREFIX-n<digits>.
list_ns() {
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${PREFIX}-(sw|n[0-9]+)\$" || true
}

host() { echo "${PREFIX}-n$1"; }
sw() { echo "${PREFIX}-sw"; }

cmd_down() {
  local all ns pids left i
  all="$(list_ns)"
  [ -n "$all" ] || return 0
  for ns in $all; do
    pids="$(ip netns pids "$ns" 2>/dev/null || true)"
    [ -z "$pids" ] || kill -TERM $pids 2>/dev/null || true
  done
  for i in $(seq 1 30); do # up to 3 s for a graceful exit
    left=""
    for ns in $all; do left="$left$(ip netns pids "$ns" 2>/dev/null || true)"; done
    [ -n "$left" ] || break
    sleep 0.1
  done
  for ns in $all; do
    pids="$(ip netns pids "$ns" 2>/dev/null || true)"
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  done
  for ns in $all; do
    ip netns del "$ns" 2>/dev/null || true
  done
}

# Connects host I to bridge K with address 10.77.K.I/24.
attach() {
  local i="$1" k="$2" h s
  h="$(host "$i")"; s="$(sw)"
  ip -n "$s" link show "br$k" >/dev/null 2>&1 || {
    ip -n "$s" link add "br$k" type bridge
    # Forward at once (no STP, no learning delay) and do not snoop multicast: mDNS must flood.
    ip -n "$s" link set "br$k" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
    ip -n "$s" link set "br$k" up
  }
  ip -n "$s" link add "h${i}b${k}" type veth peer name "e$k" netns "$h"
  ip -n "$s" link set "h${i}b${k}" master "br$k" up
  ip -n "$h" addr add "10.77.$k.$i/24" dev "e$k"
  ip -n "$h" link set "e$k" up
}

cmd_up() {
  [[ "$N" =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] && [ "$N" -le 200 ] || die "-n must be 1..200"
  case "$TOPO" in chain|lan|star) ;; *) die "unknown topology '$TOPO' (chain, lan, star)";; esac
  cmd_down
  trap 'cmd_down' ERR
  ip netns add "$(sw)"
  # The switch only forwards: no addresses, no IPv6 chatter of its own on the bridges.
  ip netns exec "$(sw)" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$(sw)" link set lo up
  local i k h
  for i in $(seq 1 "$N"); do
    h="$(host "$i")"
    ip netns add "$h"
    if [ "${MESH_IPV6:-0}" = "1" ]; then
      ip netns exec "$h" sysctl -q -w net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    else
      ip netns exec "$h" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    fi
    ip -n "$h" link set lo up
  done
  case "$TOPO" in
    chain) for k in $(seq 1 $((N - 1))); do attach "$k" "$k"; attach $((k + 1)) "$k"; done ;;
    star) for k in $(seq 1 $((N - 1))); do attach 1 "$k"; attach $((k + 1)) "$k"; done ;;
    lan) for i in $(seq 1 "$N"); do attach "$i" 1; done ;;
  esac
  trap - ERR
}

cmd_link() {
  local state="$1" k="$2"
  case "$state" in down|up) ;; *) die "link down|up K";; esac
  [[ "$k" =~ ^[0-9]+$ ]] || die "bridge number expected, got '$k'"
  # A bridge that is down forwards nothing, while the hosts' veths stay up (no carrier change): to the
  # hosts it looks like a silent network failure, as when a cable between two switches is pulled.
  ip -n "$(sw)" link set "br$k" "$state"
}

cmd_status() {
  local ns
  for ns in $(list_ns); do
    echo "== $ns: pids $(ip netns pids "$ns" | tr '\n' ' ')"
    ip -n "$ns" -br addr show | grep -v '^lo ' || true
  done
}

cmd_run() {
  [ $# -gt 0 ] || die "run: a command is needed after --"
  local child="" rc=0
  cleanup() {
    trap - INT TERM EXIT
    if [ -n "$child" ]; then
      kill -TERM -- "-$child" 2>/dev/null || true
    fi
    cmd_down
    if [ -n "$child" ]; then
      kill -KILL -- "-$child" 2>/dev/null || true
    fi
  }
  trap 'cleanup; exit 130' INT
  trap 'cleanup; exit 143' TERM
  trap 'cleanup' EXIT
  cmd_up
  # Own process group, so an interrupt can end CMD and everything it started, at once.
  setsid "$@" &
  child=$!
  wait "$child" || rc=$?
  cleanup
  child=""
  return "$rc"
}

[ $# -ge 1 ] || usage
command="$1"; shift
# Options may come anywhere before "--"; other words are positional (exec's I, link's down|up and K).
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n) N="$2"; shift 2 ;;
    -t) TOPO="$2"; shift 2 ;;
    -p) PREFIX="$2"; shift 2 ;;
    -h|--help) usage ;;
    --) shift; break ;;
    *) args+=("$1"); shift ;;
  esac
done
check_prefix
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"

case "$command" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  link) [ ${#args[@]} -eq 2 ] || die "usage: link down|up [-p PREFIX] K"; cmd_link "${args[0]}" "${args[1]}" ;;
  exec)
    [ ${#args[@]} -eq 1 ] || die "usage: exec [-p PREFIX] I -- CMD ..."
    [ $# -gt 0 ] || die "exec: a command is needed after --"
    exec ip netns exec "$(host "${args[0]}")" "$@" ;;
  run)
    [ ${#args[@]} -eq 0 ] || die "run: unexpected '${args[*]}' (the command goes after --)"
    cmd_run "$@" ;;
  *) usage ;;
esac
