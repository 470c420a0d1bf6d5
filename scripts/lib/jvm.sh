# Sourced by scripts/logmesh and the benchmarks: the JVM options a node runs with unless LOGMESH_JAVA_OPTS
# says otherwise. ParallelGC: most of a node's heap is its log, which lives long; a young collection copies
# new entries once into the old generation, and ParallelGC does that with the least work on few cores
# (README, "Design notes": measured against G1 with scripts/bench-sync).
# --enable-native-access=ALL-UNNAMED: Netty's native epoll transport (internal.net.NettyTransport) loads its library
# through System.loadLibrary, which JDK 24 and later warn of on stderr unless allowed (JDK 17 accepts the option).
# -Dio.netty.jfr.enabled=false: Netty 4.2's buffer allocators check their JFR events at a link's first buffers, and
# the first check makes the event classes and starts JFR's metadata (65-100 ms of the loop's CPU in a dialer, before
# its first entry: docs/performance.md, "The CLI catch-up's stdout line"); a user's -Dio.netty.jfr.enabled=true wins.
LOGMESH_DEFAULT_JAVA_OPTS="-XX:+UseParallelGC --enable-native-access=ALL-UNNAMED -Dio.netty.jfr.enabled=false"
# Added for every subcommand but `node` (add, log, peers, status, user-token, --help, --version): C1 only. These
# run for a second or two and never warm up; C2's compiles only took a core from them (`log` of 50k entries:
# CPU 2.2-2.4 -> 1.2-1.4 s, docs/performance.md, Cold: JIT settings measured cold and warm). A node runs for
# months and keeps tiered compilation: C1 only costs it warm throughput and rtt (same paragraph).
LOGMESH_SHORT_JAVA_OPTS="-XX:TieredStopAtLevel=1"
# Added on JDK 24 and later (the option exists from 23): sun.misc.Unsafe's memory access allowed. Netty uses Unsafe
# on JDK 17; on 25 it gives it up unless the JVM allows it (on 24 the JVM warns on stderr at its first use), and
# then frees its direct buffers through FFM downcalls made at start-up: ~50 classes spun and ~300 more JIT compiles
# before a node's `ready` (docs/performance.md, Start-up on JDK 25). With it, Netty runs as it does on 17.
LOGMESH_JDK24_JAVA_OPTS="--sun-misc-unsafe-memory-access=allow"
# Added when the kernel gives transparent huge pages on request only ([madvise]; with [always] the heap has them
# anyway, with [never] the flag does nothing): the heap (and code cache) in 2 MiB pages. On a VM whose free memory
# goes back to the host, the first touch of each 4 KiB page costs ~20 us (this machine); a cold process touches
# fresh heap with every object until its first collection (~1 KB per entry in a catch-up: ~11k faults in the CLI
# catch-up's window, more than half its loop's CPU). docs/performance.md, "The CLI catch-up and first touch".
LOGMESH_THP_JAVA_OPTS=
if [ -r /sys/kernel/mm/transparent_hugepage/enabled ]; then
  read -r LOGMESH_THP_JAVA_OPTS </sys/kernel/mm/transparent_hugepage/enabled || LOGMESH_THP_JAVA_OPTS=
  case $LOGMESH_THP_JAVA_OPTS in
    *'[madvise]'*) LOGMESH_THP_JAVA_OPTS=-XX:+UseTransparentHugePages ;;
    *) LOGMESH_THP_JAVA_OPTS= ;;
  esac
fi

# logmesh_defaults SUBCOMMAND [FEATURE]: sets REPLY to the launcher's default options for that subcommand (its first
# argument) on a JDK of that feature version (17, 25, ...; logmesh_jdk sets LOGMESH_JDK_FEATURE; none: 17's).
# No subshell: the launcher's path.
logmesh_defaults() {
  case ${1:-} in
    node) REPLY=$LOGMESH_DEFAULT_JAVA_OPTS ;;
    *) REPLY="$LOGMESH_DEFAULT_JAVA_OPTS $LOGMESH_SHORT_JAVA_OPTS" ;;
  esac
  if [ -n "$LOGMESH_THP_JAVA_OPTS" ]; then REPLY="$REPLY $LOGMESH_THP_JAVA_OPTS"; fi
  case ${2:-} in
    ''|1[0-9]|2[0-3]|*[!0-9]*) ;;
    *) REPLY="$REPLY $LOGMESH_JDK24_JAVA_OPTS" ;;
  esac
}

# logmesh_sqlite_native DIR: sets REPLY to -Dorg.sqlite.lib.path=DIR where DIR's libsqlitejdbc.so (cli/pom.xml,
# unpack-native: Linux x86-64, glibc) is the one this machine loads, else to nothing (sqlite-jdbc then extracts its
# own, as before). Extracted, sqlite-jdbc writes a fresh ~1 MiB copy to the temporary folder at each start and
# deletes it only at a normal exit: each node killed with -9 (or by the OOM killer) left one there for good. The
# glibc x86-64 loader's file tells the platform without a process (a musl or arm machine has none); a user's
# -Dorg.sqlite.lib.path in LOGMESH_JAVA_OPTS comes later and wins.
logmesh_sqlite_native() {
  REPLY=
  if [ -e /lib64/ld-linux-x86-64.so.2 ] && [ -f "$1/libsqlitejdbc.so" ]; then
    REPLY=-Dorg.sqlite.lib.path=$1
  fi
}

# logmesh_java: prints the java binary the scripts run: LOGMESH_JAVA if set, else $JAVA_HOME/bin/java if it
# exists, else java on the PATH. logmesh_find_java sets REPLY to it instead (no subshell: the launcher's path).
logmesh_java() {
  logmesh_find_java
  echo "$REPLY"
}
logmesh_find_java() {
  local d IFS=:
  if [ -n "${LOGMESH_JAVA:-}" ]; then
    REPLY=$LOGMESH_JAVA
    return
  elif [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    REPLY=$JAVA_HOME/bin/java
    return
  fi
  for d in $PATH; do
    if [ -x "${d:-.}/java" ] && [ ! -d "${d:-.}/java" ]; then
      REPLY=${d:-.}/java
      return
    fi
  done
  REPLY=java
}

# logmesh_jvm_args DEFAULTS USER-OPTS: sets the array LOGMESH_JVM_ARGS to the launcher's options in the order that
# lets the user's win: DEFAULTS (without the default collector when USER-OPTS picks one: two collectors are an
# error), the class-data sharing options of LOGMESH_CDS_OPTS (one a line, from logmesh_cds), then USER-OPTS (split
# on blanks, as JAVA_OPTS is; no globbing), so a user's -Xlog or -XX:SharedArchiveFile comes after ours.
logmesh_jvm_args() {
  local defaults=$1 user=$2 o gc=""
  local -a d=() c=() u=()
  set -f
  u=($user)
  for o in ${u[@]+"${u[@]}"}; do
    case $o in -XX:+Use*GC) gc=1 ;; esac
  done
  for o in $defaults; do
    case $gc$o in 1-XX:+Use*GC) ;; *) d+=("$o") ;; esac
  done
  local IFS=$'\n'
  c=(${LOGMESH_CDS_OPTS:-})
  set +f
  LOGMESH_JVM_ARGS=(${d[@]+"${d[@]}"} ${c[@]+"${c[@]}"} ${u[@]+"${u[@]}"})
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

# Class-data sharing (logmesh_cds): scripts/lib/cds.sh, shared with the distribution's bin/logmesh.
# shellcheck source=scripts/lib/cds.sh
source "${BASH_SOURCE[0]%/*}/cds.sh"

# Exports LC_CTYPE=C.UTF-8 when the locale's character type is C or POSIX and LC_ALL is not set (scripts/logmesh;
# the distribution's bin/logmesh does the same). Where the C library has no C.UTF-8, the JVM falls back to C.
logmesh_utf8_locale() {
  if [ -z "${LC_ALL:-}" ]; then
    case ${LC_CTYPE:-${LANG:-C}} in C|POSIX) export LC_CTYPE=C.UTF-8 ;; esac
  fi
}
