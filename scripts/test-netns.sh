#!/usr/bin/env bash
# End-to-end tests of logmesh on a real network: nodes in network namespaces find each other by mDNS
# only (no --peer) and sync over WebSocket. Called by .ci/run; about 1-2 minutes.
#
#   scripts/test-netns.sh            # as root
#
#   chain3     A - B - C (A and C cannot hear each other): an action added at A reaches C, one added at C
#              reaches A, and A never has a session with C.
#   line5      n1 - n2 - n3 - n4 - n5: actions added at either end reach the other end (4 hops).
#   partition  the line cut between n2 and n3 (bridge down): actions on both sides (and at n3) stay on
#              their side, the cut sessions end by ping timeout; after the link is back every node
#              ends with the same set of action ids, each added once.
#
# Without root or 'ip netns', prints "SKIPPED: <reason>" and exits 0, unless LOGMESH_REQUIRE_ALL=1 (CI),
# where that is a failure. The whole run is bounded by LOGMESH_NETNS_TIMEOUT seconds (default 300).
# Namespaces and nodes are removed at the end, also on failure, timeout or Ctrl-C.
set -euo pipefail
if [ -z "${NN_TIMED:-}" ]; then
  NN_TIMED=1 exec timeout -k 10 "${LOGMESH_NETNS_TIMEOUT:-300}" "$0" "$@"
fi
source "$(dirname "${BASH_SOURCE[0]}")/lib/netns-nodes.sh"

why="$(nn_unavailable)"
if [ -n "$why" ]; then
  if [ "${LOGMESH_REQUIRE_ALL:-0}" = 1 ]; then
    echo "FAILED: netns tests cannot run: $why (LOGMESH_REQUIRE_ALL=1 forbids skipping)"; exit 1
  fi
  echo "SKIPPED: netns tests: $why"; exit 0
fi
prefix="tn$(( $$ % 100000 ))"
nn_setup "$prefix"
passed=0 failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
t() { echo "  [$(date +%T)] $*"; }
# Sends COUNT actions labelled LABEL1.. at node I.
send_n() { local i="$1" label="$2" count="$3" j; for ((j = 1; j <= count; j++)); do
  nn_send "$i" "{\"type\":\"test/netns\",\"k\":\"$label$j\"}"; done; }
has() { nn_wait "$1" "\"k\":\"$2[0-9]+\"" "$3" "$4"; }
why_not=""
line_up() { # N: starts N nodes in a chain at once and waits until every link has its session
  local n="$1" i
  nn_net up -n "$n" -t chain
  for ((i = 1; i <= n; i++)); do nn_start "$i"; done
  for ((i = 1; i <= n; i++)); do
    local want=2; { [ "$i" = 1 ] || [ "$i" = "$n" ]; } && want=1
    nn_wait "$i" '"state":"connected"' "$want" 45 || { why_not="n$i has fewer than $want sessions after 45 s"; return 1; }
  done
}

test_chain3() {
  t "chain3: A - B - C"
  if ! line_up 3; then fail chain3 "sessions did not form: $why_not"; return; fi
  send_n 1 a 1
  has 3 a 1 15 || { fail chain3 "the action added at A did not reach C"; return; }
  send_n 3 c 1
  has 1 c 1 15 || { fail chain3 "the action added at C did not reach A"; return; }
  if grep '"state":"connected"' "$NN_DIR/out1" | grep -q "\"node\":\"$(nn_node_id 3)\""; then
    fail chain3 "A had a session with C, which it cannot reach"; return
  fi
  pass "chain3 (A->C and C->A through B)"
}

test_line5() {
  t "line5: n1 - n2 - n3 - n4 - n5"
  if ! line_up 5; then fail line5 "sessions did not form: $why_not"; return; fi
  send_n 1 f 10
  has 5 f 10 20 || { fail line5 "n5 got $(nn_count 5 '"k":"f[0-9]+"')/10 actions added at n1"; return; }
  send_n 5 b 10
  has 1 b 10 20 || { fail line5 "n1 got $(nn_count 1 '"k":"b[0-9]+"')/10 actions added at n5"; return; }
  pass "line5 (10 actions each way over 4 hops)"
}

test_partition() {
  local i id3 ref ids total=15
  t "partition: n1 - n2 -/- n3 - n4 - n5"
  if ! line_up 5; then fail partition "sessions did not form: $why_not"; return; fi
  send_n 1 p 3
  has 5 p 3 20 || { fail partition "actions did not cross the line before the cut"; return; }
  id3="$(nn_node_id 3)"
  nn_net link down 2
  t "link n2-n3 down; actions on both sides"
  send_n 1 l 5; send_n 5 r 5; send_n 3 m 2
  has 2 l 5 10 && has 4 r 5 10 && has 4 m 2 10 && has 3 r 5 10 \
    || { fail partition "actions did not spread on their own side of the cut"; return; }
  nn_wait 2 "\"state\":\"disconnected\",\"node\":\"$id3\"" 1 25 \
    || { fail partition "n2 did not drop its session with n3 within 25 s of the cut"; return; }
  if [ "$(nn_count 1 '"k":"r[0-9]+"')" != 0 ] || [ "$(nn_count 5 '"k":"l[0-9]+"')" != 0 ]; then
    fail partition "actions crossed the cut"; return
  fi
  local t_up; t_up="$(nn_now_us)"
  nn_net link up 2
  t "link n2-n3 up again; waiting for every node to hold all $total actions"
  for i in 1 2 3 4 5; do
    nn_wait "$i" '"event":"add"' "$total" 60 || { fail partition "n$i holds $(nn_count "$i" '"event":"add"')/$total after healing"; return; }
  done
  t "converged $(nn_ms $(( $(nn_now_us) - t_up ))) ms after the link came back"
  sleep 1 # anything extra (a duplicate) would show up now
  ref="$(nn_ids 1)"
  for i in 1 2 3 4 5; do
    ids="$(nn_ids "$i")"
    [ "$(printf '%s\n' "$ids" | wc -l)" = "$total" ] || { fail partition "n$i added $(printf '%s\n' "$ids" | wc -l) entries, expected $total (duplicates?)"; return; }
    [ "$(printf '%s\n' "$ids" | sort -u | wc -l)" = "$total" ] || { fail partition "n$i added an id twice"; return; }
    [ "$ids" = "$ref" ] || { fail partition "n$i's ids differ from n1's: $(diff <(echo "$ref") <(echo "$ids") | tr '\n' ' ')"; return; }
  done
  pass "partition (cut, 12 actions on both sides, healed: all 5 nodes hold the same $total ids)"
}

for test in test_chain3 test_line5 test_partition; do
  "$test" || fail "${test#test_}" "error in the test script"
  nn_reset
done
echo "netns: $passed passed, $failed failed"
[ "$failed" = 0 ]
