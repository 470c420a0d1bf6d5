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

# logmesh_cds_opts ARCHIVE create|use CLASSPATH CLASSPATH-FILES...: prints the JVM options for class-data sharing of
# the java that logmesh_java names, for a JVM run with -cp CLASSPATH. On JDK 25 and later, an ahead-of-time cache
# (JEPs 483, 514, 515: classes loaded and linked, and method profiles, so the JIT starts from the training run's
# profile). Before 25, two archives: a run with "create" and none writes a dynamic AppCDS archive at its exit
# (JDK 13+, ArchiveClassesAtExit) and the list of the classes it loaded (DumpLoadedClassList), to ARCHIVE.PID.tmp
# and ARCHIVE.PID.classlist.tmp (the launcher execs java, so PID is this shell's); a later call adopts them once
# that process is gone, maps the dynamic archive, and starts a static dump from the class list in the background
# (java -Xshare:dump, a few seconds of CPU once, at a lower priority; nothing waits for it). Later runs map the
# static archive: it also holds the classes a dynamic archive cannot take, those of class file version 49 and
# older (picocli's: ~170 classes on every start) and the JDK's lambda forms (README, "Performance", Cold). JDK 25
# assembles its cache in a child JVM that its exit waits for (a few seconds). An archive or class list older than
# a file of the class path is deleted (the JVM would refuse it anyway) and made again. Archives are named after
# the java binary, as one JDK cannot map another's. JVM warnings and the archives' messages go to stderr, so an
# archive refused for any reason never reaches stdout (the NDJSON events). LOGMESH_CDS=off: none of it.
logmesh_cds_opts() {
  [ "${LOGMESH_CDS:-on}" = off ] && return 0
  local base="$1" mode="$2" cp="$3" java jsa t pid aot="" ext=jsa logs fixed lock
  shift 3
  java="$(readlink -f "$(command -v "$(logmesh_java)")" 2>/dev/null || echo java)"
  logs="-Xlog:disable -Xlog:all=warning,cds*=off:stderr"
  if [ "$(logmesh_java_feature "$java")" -ge 25 ]; then
    aot=1 ext=aot
    logs="-XX:+DisplayVMOutputToStderr -Xlog:disable -Xlog:all=warning,cds*=off,aot*=off:stderr"
  fi
  jsa="$base-$(printf %s "$java" | cksum | cut -d' ' -f1).$ext"
  fixed="${jsa%.jsa}.static.jsa"
  for t in "$jsa".*.tmp "$jsa".*.classlist.tmp; do
    [ -e "$t" ] || continue
    pid="${t%.tmp}"; pid="${pid%.classlist}"; pid="${pid##*.}"
    kill -0 "$pid" 2>/dev/null && continue
    case "$t" in
      *.classlist.tmp) if [ -s "$t" ]; then mv -f "$t" "$jsa.classlist"; else rm -f "$t"; fi ;;
      *) if [ -s "$t" ]; then mv -f "$t" "$jsa"; else rm -f "$t"; fi ;;
    esac
  done
  for t in "$jsa" "$jsa.classlist" "$fixed"; do
    if [ -f "$t" ] && [ -n "$(find "$@" -newer "$t" -print -quit 2>/dev/null)" ]; then
      rm -f "$t"
    fi
  done
  if [ -z "$aot" ] && [ -f "$fixed" ]; then
    echo "-XX:SharedArchiveFile=$fixed $logs"
    return 0
  fi
  if [ -z "$aot" ] && [ -f "$jsa.classlist" ]; then
    # one dump at a time: a lock directory holding the dumping shell's pid (a dead one's lock is taken over)
    lock="$fixed.lock"
    if [ -d "$lock" ] && ! kill -0 "$(cat "$lock/pid" 2>/dev/null || echo 0)" 2>/dev/null; then
      rm -rf "$lock"
    fi
    if mkdir "$lock" 2>/dev/null; then
      (
        # a signal to the launching terminal or process group (Ctrl-C, timeout) must not cut the dump short
        trap '' HUP INT TERM
        echo "$BASHPID" > "$lock/pid"
        if nice -n 10 "$java" -Xshare:dump -XX:SharedClassListFile="$jsa.classlist" \
            -XX:SharedArchiveFile="$fixed.$BASHPID.tmp" -cp "$cp" && [ -s "$fixed.$BASHPID.tmp" ]; then
          mv -f "$fixed.$BASHPID.tmp" "$fixed"
        else
          rm -f "$jsa.classlist" # not tried again until a run makes a new one
        fi
        rm -f "$fixed.$BASHPID.tmp"
        rm -rf "$lock"
      ) </dev/null >/dev/null 2>&1 &
      disown 2>/dev/null || true
    fi
  fi
  if [ -f "$jsa" ]; then
    if [ -n "$aot" ]; then
      echo "-XX:AOTCache=$jsa $logs"
    else
      echo "-XX:SharedArchiveFile=$jsa $logs"
    fi
  elif [ "$mode" = create ] && { [ -n "$aot" ] || [ ! -f "$jsa.classlist" ]; }; then
    if [ -n "$aot" ]; then
      echo "-XX:AOTCacheOutput=$jsa.$$.tmp $logs"
    else
      echo "-XX:ArchiveClassesAtExit=$jsa.$$.tmp -XX:DumpLoadedClassList=$jsa.$$.classlist.tmp $logs"
    fi
  fi
}
