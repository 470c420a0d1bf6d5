# Class-data sharing for the launchers (POSIX sh; sourced by scripts/logmesh through jvm.sh, and by the
# distribution's bin/logmesh, which ships this file as lib/cds.sh). README "Install" and docs/performance.md → Start-up.
#
# One path on every JDK from 17: a static AppCDS archive made by `java -Xshare:dump` from the class list of a
# training run (JDK-8185996 "static AppCDS from a class list"; the JDK's docs: "Application Class Data Sharing").
#   1. A `node` run with no archive is the training run: the JVM writes the classes it loads to a class list
#      (-XX:DumpLoadedClassList, written as classes load, so a full disk only truncates it and never changes the
#      node's exit; an archive dumped at exit, ArchiveClassesAtExit or AOTCacheOutput, makes the JVM exit 1 when
#      its write fails). The launcher holds an flock on a run file, inherited by the java it execs.
#   2. A dumper, started detached (setsid, its own session and process group; never a child the node waits on),
#      waits on that flock (the kernel releases it when the node ends, however it ends), takes the family's dump
#      lock (flock: released by the kernel if the dumper dies, so a killed dump never blocks the next one), checks
#      that the list is complete (the JVM's shutdown classes in it) and that its node held a sync session (else it
#      counts the list in NAME.lone and leaves the archive to the next training run, up to the third such list in a
#      row, which is dumped: a node that never has peers), dumps to a name of its own, validates the
#      archive with the class path it will be used with (`java -Xshare:on ... -version` exits 1 on a refused
#      archive), and renames it into place (rename(2): atomic; nothing else renames).
#   3. Later runs map the archive (-Xshare:auto: one the JVM refuses anyway only costs the speed-up).
# The archive's name holds a key: a checksum of the inode, size and mtime of every class path file, of the java
# binary, of the JDK's lib/modules and libjvm.so, so a jar rebuilt, copied with an old mtime or changed during a
# dump, or a JDK upgraded in place, names another archive and a training run makes it. A dump that ran and failed
# leaves NAME.failed (tried again a day later), session-less lists NAME.lone (both go once an archive of the family is
# made); a dump that was killed leaves nothing but garbage that the next
# dumper removes, so the next `node` run trains again. Nothing of this reaches stdout (the NDJSON events);
# the JVM's CDS messages are off and its other warnings go to stderr.

logmesh_cds_nl='
'

# The module options every launcher gives the JVM (scripts/logmesh, bin/logmesh, bench-cold's ColdBench): the dump and
# its check run with them too. The JVM compares them with the dump's at every start, and where they differ it turns
# the archive's full module graph off ("Mismatched values for property jdk.module.enable.native.access"); on JDK 25
# that loaded ~1,000 of a node's classes from lib/modules and the jars instead of the archive. Part of the key.
logmesh_cds_module_opts=--enable-native-access=ALL-UNNAMED

# logmesh_jdk JAVA: sets LOGMESH_JDK_JAVA to the java binary JAVA (a symbolic link resolved), LOGMESH_JDK_HOME to its
# JDK and LOGMESH_JDK_FEATURE to its feature version from the JDK's release file (17, 25, ...; empty if unknown). Forks
# readlink for a symbolic link only; returns 1 if that fails.
logmesh_jdk() {
  _lj_real=$1
  if [ -h "$1" ]; then
    _lj_real=$(readlink -f "$1" 2>/dev/null) || return 1
  fi
  LOGMESH_JDK_JAVA=$_lj_real LOGMESH_JDK_HOME=${_lj_real%/bin/java}
  LOGMESH_JDK_FEATURE=
  if [ -f "$LOGMESH_JDK_HOME/release" ]; then
    while IFS= read -r _lj_line; do
      case $_lj_line in
        JAVA_VERSION=*) _lj_line=${_lj_line#*\"}; LOGMESH_JDK_FEATURE=${_lj_line%%[!0-9]*}; break ;;
      esac
    done <"$LOGMESH_JDK_HOME/release"
  fi
  return 0
}

# logmesh_cds JAVA DIR NAME TRAIN CLASSPATH FILE...
#   JAVA: the java binary the launcher execs; DIR: the cache directory (made if missing); NAME: the family (archives
#   of one launcher and JDK; a new archive of the family deletes the older ones); TRAIN: "train" for a run that may
#   write a class list (`node`), anything else to only map an archive; CLASSPATH: the -cp the JVM runs with; FILE...:
#   the files of that class path.
# Sets LOGMESH_CDS_OPTS to the JVM options, one a line (empty: none; the caller splits on newlines, globbing off).
# A training run leaves file descriptor 9 open (the run lock): the caller must exec java right after.
# Runs no JVM; forks stat and cksum (and readlink for a symbolic link to java, flock and setsid to train).
logmesh_cds() {
  LOGMESH_CDS_OPTS=
  [ "${LOGMESH_CDS:-on}" = off ] && return 0
  _lc_java=$1 _lc_dir=$2 _lc_name=$3 _lc_train=$4 _lc_cp=$5
  shift 5
  # a newline cannot travel in a newline-separated list; the JVM reads ':' in SharedArchiveFile as a separator
  case $_lc_dir$_lc_name$_lc_cp in *"$logmesh_cds_nl"*) return 0 ;; esac
  case $_lc_dir$_lc_name in *:*) return 0 ;; esac
  [ -d "$_lc_dir" ] || mkdir -p "$_lc_dir" 2>/dev/null || return 0
  logmesh_jdk "$_lc_java" || return 0
  _lc_jhome=$LOGMESH_JDK_HOME _lc_real=$LOGMESH_JDK_JAVA
  # the key: what the JVM checks when it maps an archive (the class path's jars by mtime and size) and what makes a
  # JDK another (its modules and VM); inode too, so a file replaced by a copy with the same size and mtime counts
  # (a file missing from this list, such as a JDK without lib/server, is left out of the key: stat fails for it only);
  # and the dump's module options, so an archive dumped with others (before they were given to the dump) is made again
  _lc_key=$({ stat -L -c '%n %i %s %Y' -- "$@" "$_lc_real" "$_lc_jhome/lib/modules" \
    "$_lc_jhome/lib/server/libjvm.so" 2>/dev/null; echo "$logmesh_cds_module_opts"; } | cksum || :)
  _lc_key=${_lc_key%% *}
  [ -n "$_lc_key" ] || return 0
  _lc_jsa=$_lc_dir/$_lc_name-$_lc_key.jsa
  # the JVM's warnings to stderr, its CDS messages off (JDK 25 tags some "aot"; JDK 17 refuses a tag it lacks)
  _lc_off=cds*=off
  case $LOGMESH_JDK_FEATURE in 1[7-9]|2[0-4]|'') ;; *) _lc_off=$_lc_off,aot*=off ;; esac
  _lc_log="-Xlog:disable${logmesh_cds_nl}-Xlog:all=warning,$_lc_off:stderr"
  if [ -f "$_lc_jsa" ]; then
    LOGMESH_CDS_OPTS="-XX:SharedArchiveFile=$_lc_jsa${logmesh_cds_nl}-Xshare:auto${logmesh_cds_nl}$_lc_log"
    return 0
  fi
  [ "$_lc_train" = train ] || return 0
  # a dump that ran and failed (a JVM that cannot dump this class path, a full disk) is tried again a day later
  if [ -f "$_lc_jsa.failed" ] && [ -n "$(find "$_lc_jsa.failed" -mmin -1440 2>/dev/null)" ]; then
    return 0
  fi
  command -v flock >/dev/null 2>&1 || return 0
  # the run lock, held by this shell's fd 9 and so by the java it execs (same pid), until that process ends; a
  # full disk or a read-only directory only means no training (no message: CDS is an optimisation)
  _lc_run=$_lc_jsa.$$.run
  { true >"$_lc_run"; } 2>/dev/null || return 0
  command exec 9>"$_lc_run" || return 0
  flock -n 9 || { exec 9>&-; return 0; }
  # the dumper: detached (its own session, so a Ctrl-C or SIGHUP to the node's terminal or process group does not
  # reach it), no descriptor of the node's (stdout stays the node's alone: a reader sees its end when the node
  # ends), and not a child of the node: the subshell that starts it exits at once and the launcher reaps it
  if command -v setsid >/dev/null 2>&1; then _lc_setsid=setsid; else _lc_setsid=; fi
  ( $_lc_setsid sh -c "$logmesh_cds_dumper" logmesh-cds "$_lc_java" "$_lc_dir" "$_lc_name" "$_lc_jsa" "$_lc_run" \
      "$_lc_cp" "$logmesh_cds_module_opts" </dev/null >/dev/null 2>&1 9>&- & )
  # logmesh.cds.training: the node also loads, before its ready line, the picocli classes that the other subcommands
  # use (a node run reads its options without picocli), so that the archive holds them too (cli/Main)
  LOGMESH_CDS_OPTS="-XX:DumpLoadedClassList=$_lc_jsa.$$.classlist${logmesh_cds_nl}-Dlogmesh.cds.training=true"
  LOGMESH_CDS_OPTS="$LOGMESH_CDS_OPTS${logmesh_cds_nl}$_lc_log"
}

# logmesh_cds_settle DIR...: waits until no dump is pending or running in the cache directories DIR (for the
# benchmarks: a dump is seconds of CPU that a timed run must not meet), 2 minutes at most. A run file left by a
# dumper that was killed counts as pending until then.
logmesh_cds_settle() {
  for _lc_d in "$@"; do
    _lc_n=0
    while [ "$_lc_n" -lt 120 ]; do
      _lc_busy=
      for _lc_f in "$_lc_d"/*.run "$_lc_d"/*.lock; do
        [ -e "$_lc_f" ] || continue
        case $_lc_f in *.run) _lc_busy=1 ;; *) flock -n "$_lc_f" true 2>/dev/null || _lc_busy=1 ;; esac
      done
      [ -z "$_lc_busy" ] && break
      sleep 1
      _lc_n=$((_lc_n + 1))
    done
  done
}

# The dumper (sh -c, arguments: JAVA DIR NAME ARCHIVE RUN-FILE CLASSPATH MODULE-OPTIONS, the last split on blanks).
# Its own pid names its temporary archive.
# shellcheck disable=SC2016 # expanded by the dumper's shell
logmesh_cds_dumper='
trap "" HUP INT TERM
java=$1 dir=$2 name=$3 jsa=$4 run=$5 cp=$6 mods=$7
pid=${run%.run}; pid=${pid##*.}
list=$jsa.$pid.classlist
flock "$run" true
# the run file goes once the family lock is held: while either is there, a dump is pending (logmesh_cds_settle)
exec 8>"$dir/$name.lock" || { rm -f "$run" "$list"; exit 0; }
flock 8
rm -f "$run"
# a list from a node killed (kill -9) or cut short (disk full) lacks the classes of the JVM s shutdown or its last
# newline, and one from a node line that started no node (node --help, a mistyped option) lacks a started node s
# clock (the training run also loads the other subcommands, so the log s class is no sign): not used, so the next
# node run trains again
if [ ! -s "$list" ] || ! grep -q "^java/lang/Shutdown\( \|$\)" "$list" || [ -n "$(tail -c 1 "$list")" ] \
  || ! grep -q "^dev/logmesh/internal/log/HybridClock\( \|$\)" "$list"; then
  rm -f "$list"; exit 0
fi
if [ -f "$jsa" ]; then rm -f "$list"; exit 0; fi
# a list from a node that never held a sync session (a lone first node, a peer not up yet, a Ctrl-C after 2 s) lacks
# the classes of a catch-up (~220 of them loaded from the jars at each later start): not used, the next node run trains
# again, unless two such lists came before it (each adds a line to NAME.lone, under the family lock, so two dumpers
# never count the same list; a dumper killed before its line only counts one list less): a node that never has
# peers gets an archive at its third run. A run that held one dumps at once. The mark: cli/Main.SessionHeld
if ! grep -q "^dev/logmesh/cli/Main[$]SessionHeld\( \|$\)" "$list"; then
  lone=0
  if [ -f "$jsa.lone" ]; then lone=$(wc -l <"$jsa.lone") || lone=0; fi
  if [ "$lone" -lt 2 ]; then
    { echo >>"$jsa.lone"; } 2>/dev/null
    rm -f "$list"; exit 0
  fi
fi
rm -f "$jsa.failed"
# under the lock no other dumper of this family runs: temporary archives are those of dumpers that were killed
rm -f "$dir/$name"-*.jsa.*.tmp
tmp=$jsa.$$.tmp
nice -n 10 "$java" $mods -Xshare:dump -XX:SharedClassListFile="$list" -XX:SharedArchiveFile="$tmp" -cp "$cp"
rc=$?
if [ $rc -eq 0 ] && [ -s "$tmp" ]; then
  # the archive the next runs would map, with their class path: a jar that changed while the dump ran, or a JVM
  # that cannot map what it wrote, is refused here (exit 1) instead of at every start
  "$java" $mods -Xshare:on -XX:SharedArchiveFile="$tmp" -cp "$cp" -version
  rc=$?
fi
if [ $rc -eq 0 ] && mv -f "$tmp" "$jsa"; then
  # older archives of this family (other jars or JDK) and their leftovers go
  for f in "$dir/$name"-*.jsa "$dir/$name"-*.jsa.failed "$dir/$name"-*.jsa.lone "$dir/$name"-*.classlist; do
    case $f in "$jsa"|"$list") ;; *) [ -e "$f" ] && rm -f "$f" ;; esac
  done
  # run files no node holds: left by dumpers that were killed while they waited
  for f in "$dir/$name"-*.run; do
    [ -e "$f" ] && flock -n "$f" rm -f "$f"
  done
elif [ $rc -le 128 ]; then
  # it ran and failed: tried again a day later (killed by a signal, rc > 128: the next training retries)
  { true >"$jsa.failed"; } 2>/dev/null
fi
rm -f "$tmp" "$list"
'
