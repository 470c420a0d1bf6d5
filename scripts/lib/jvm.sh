# Sourced by scripts/logmesh and the benchmarks: the JVM options a node runs with unless LOGMESH_JAVA_OPTS
# says otherwise. ParallelGC: most of a node's heap is its log, which lives long; a young collection copies
# new entries once into the old generation, and ParallelGC does that with the least work on few cores
# (README, "Design notes": measured against G1 with scripts/bench-sync).
LOGMESH_DEFAULT_JAVA_OPTS="-XX:+UseParallelGC"
