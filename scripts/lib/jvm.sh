# Sourced by scripts/logmesh and the benchmarks: the JVM options a node runs with unless LOGMESH_JAVA_OPTS
# says otherwise. ParallelGC: most of a node's heap is its log, which lives long; a young collection copies
# new entries once into the old generation, and ParallelGC does that with the least work on few cores
# (README, "Design notes": measured against G1 with scripts/bench-sync).
LOGMESH_DEFAULT_JAVA_OPTS="-XX:+UseParallelGC"

# logmesh_cds_opts ARCHIVE create|use CLASSPATH-FILES...: prints the JVM options for class-data sharing
# (dynamic AppCDS, JDK 13+). A run with "create" and no archive writes one at its exit, to ARCHIVE.PID.tmp
# (the launcher execs java, so PID is this shell's); a later call adopts it once that process is gone. An
# archive older than a file of the class path is deleted (the JVM would refuse it anyway) and made again.
# Archives are named after the java binary, as one JDK cannot map another's. JVM warnings go to stderr, so
# an archive refused for any reason never reaches stdout (the NDJSON events). LOGMESH_CDS=off: none of it.
logmesh_cds_opts() {
  [ "${LOGMESH_CDS:-on}" = off ] && return 0
  local base="$1" mode="$2" java jsa t pid
  shift 2
  java="$(readlink -f "$(command -v java)" 2>/dev/null || echo java)"
  jsa="$base-$(printf %s "$java" | cksum | cut -d' ' -f1).jsa"
  for t in "$jsa".*.tmp; do
    [ -e "$t" ] || continue
    pid="${t%.tmp}"; pid="${pid##*.}"
    kill -0 "$pid" 2>/dev/null && continue
    if [ -s "$t" ]; then mv -f "$t" "$jsa"; else rm -f "$t"; fi
  done
  if [ -f "$jsa" ] && [ -n "$(find "$@" -newer "$jsa" -print -quit 2>/dev/null)" ]; then
    rm -f "$jsa"
  fi
  if [ -f "$jsa" ]; then
    echo "-XX:SharedArchiveFile=$jsa -Xlog:disable -Xlog:all=warning,cds*=off:stderr"
  elif [ "$mode" = create ]; then
    echo "-XX:ArchiveClassesAtExit=$jsa.$$.tmp -Xlog:disable -Xlog:all=warning,cds*=off:stderr"
  fi
}
