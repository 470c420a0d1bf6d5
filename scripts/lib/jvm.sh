# Sourced by scripts/logmesh and the benchmarks: the JVM options a node runs with unless LOGMESH_JAVA_OPTS
# says otherwise. ParallelGC: most of a node's heap is its log, which lives long; a young collection copies
# new entries once into the old generation, and ParallelGC does that with the least work on few cores
# (README, "Design notes": measured against G1 with scripts/bench-sync).
LOGMESH_DEFAULT_JAVA_OPTS="-XX:+UseParallelGC"

# logmesh_java: prints the java binary the scripts run: LOGMESH_JAVA if set, else $JAVA_HOME/bin/java if it
# exists, else java on the PATH.
logmesh_java() {
  if [ -n "${LOGMESH_JAVA:-}" ]; then
    echo "$LOGMESH_JAVA"
  elif [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    echo "$JAVA_HOME/bin/java"
  else
    command -v java || echo java
  fi
}

# logmesh_java_feature JAVA: prints the feature version of JAVA (17, 25, ...): from the JDK's release file
# (no JVM started), else from `JAVA -version`.
logmesh_java_feature() {
  local java release v
  java="$(readlink -f "$(command -v "$1")" 2>/dev/null || echo "$1")"
  release="$(dirname "$(dirname "$java")")/release"
  if [ -f "$release" ]; then
    v="$(sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$release" | head -n 1)"
  fi
  if [ -z "${v:-}" ]; then
    v="$("$1" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -n 1)"
  fi
  echo "${v:-0}"
}

# logmesh_cds_opts ARCHIVE create|use CLASSPATH-FILES...: prints the JVM options for class-data sharing of the
# java that logmesh_java names. On JDK 25 and later, an ahead-of-time cache (JEPs 483, 514, 515: classes loaded
# and linked, and method profiles, so the JIT starts from the training run's profile); before 25, dynamic AppCDS
# (JDK 13+: classes loaded and verified). A run with "create" and no archive makes one at its exit, to
# ARCHIVE.PID.tmp (the launcher execs java, so PID is this shell's; JDK 25 assembles the cache in a child JVM
# that its exit waits for, a few seconds); a later call adopts it once that process is gone. An archive older
# than a file of the class path is deleted (the JVM would refuse it anyway) and made again. Archives are named
# after the java binary, as one JDK cannot map another's. JVM warnings and the cache's messages go to stderr, so
# an archive refused for any reason never reaches stdout (the NDJSON events). LOGMESH_CDS=off: none of it.
logmesh_cds_opts() {
  [ "${LOGMESH_CDS:-on}" = off ] && return 0
  local base="$1" mode="$2" java jsa t pid aot="" ext=jsa logs
  shift 2
  java="$(readlink -f "$(command -v "$(logmesh_java)")" 2>/dev/null || echo java)"
  logs="-Xlog:disable -Xlog:all=warning,cds*=off:stderr"
  if [ "$(logmesh_java_feature "$java")" -ge 25 ]; then
    aot=1 ext=aot
    logs="-XX:+DisplayVMOutputToStderr -Xlog:disable -Xlog:all=warning,cds*=off,aot*=off:stderr"
  fi
  jsa="$base-$(printf %s "$java" | cksum | cut -d' ' -f1).$ext"
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
    if [ -n "$aot" ]; then
      echo "-XX:AOTCache=$jsa $logs"
    else
      echo "-XX:SharedArchiveFile=$jsa $logs"
    fi
  elif [ "$mode" = create ]; then
    if [ -n "$aot" ]; then
      echo "-XX:AOTCacheOutput=$jsa.$$.tmp $logs"
    else
      echo "-XX:ArchiveClassesAtExit=$jsa.$$.tmp $logs"
    fi
  fi
}
