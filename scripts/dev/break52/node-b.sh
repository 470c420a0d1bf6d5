# Sourced by the break52/break52b replay scripts after they set R (the repository), D (their work dir, the current
# directory) and P (node b's port): log (timestamped, also to ./events), startB (a new life of SQLite node b on dB,
# stdin from the fifo inB on fd 7, stdout outB.LIFE; waits for its ready; sets B to its pid) and addB TYPE... (b adds
# an action of each type).
log() { echo "$(date -u +%T.%N | cut -c1-12) $*" | tee -a events; }
life=0
startB() { life=$((life+1)); [ -p inB ] || mkfifo inB; exec 7<>inB
  "$R/scripts/logmesh" node --no-mdns --host 127.0.0.1 --port $P --data dB --name b --json < inB > outB.$life 2> errB.$life &
  B=$!; for i in $(seq 100); do grep -q '"ready"' outB.$life 2>/dev/null && break; sleep 0.2; done; log "B life $life ready (pid $B)"; }
addB() { for x in "$@"; do echo "{\"type\":\"$x\"}" >&7; done; }
