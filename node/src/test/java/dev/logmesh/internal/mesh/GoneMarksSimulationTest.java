package dev.logmesh.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import dev.logmesh.Criteria;
import dev.logmesh.NodeInternals;
import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.testkit.LocalMesh;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reconciliation's gone marks (the ids a peer answered {@code gone} for, {@link Reconciler}) under churn: random runs
 * of 4 to 6 real nodes on the test kit's {@link LocalMesh} (fake clock, one seed) with adds, cleans (a reason removed
 * on every node, on some, or everything on one), partitions and heals, broken links, crashes, clean stops, restarts
 * (one or two nodes keep their logs and marks in SQLite and are reopened from the file), stores restored from an
 * older backup and wiped stores (under the same node id), and a gone-mark bound that is tiny in two runs of three
 * ({@link LocalMesh#maxGoneBytes}: 1 byte drops every mark at once, a few KiB some of them), so marks are dropped
 * while rounds need them. Every pair of nodes is linked: a node does not pass on what it cleaned (README's limit), so
 * in a sparser mesh an action held only behind cleaners never comes, whatever the marks do.
 *
 * <p>After every run (partitions healed, every node up, a few reconciliation periods): every action that still has
 * its reason somewhere (held by some node) reached every node exactly once (held there, or seen and cleaned there),
 * each node holds them in id order, no node applied an id twice, and nothing that no node cleaned was lost (but what
 * a restore of an older backup lost while no other node held it: {@link LocalMesh#lostWithStores}). With the default
 * bound, traffic settles too: once converged, no round asks for an id again ({@code logmesh:want} and
 * {@code logmesh:gone} stop) and {@code logmesh:range} frames stay within a small bound per window. With a tiny bound,
 * after every step, every running node's marks take at most the bound's bytes.
 *
 * <p>Each run replays from its seed: {@code -Dlogmesh.seed=N} runs that one, {@code -Dlogmesh.goneRuns=N} sets how
 * many (the default is CI-sized).
 */
class GoneMarksSimulationTest {
    private static final int RUNS = Integer.getInteger("logmesh.goneRuns", 50);
    /** A reconciliation period (30 s, each round ±20%). */
    static final long WINDOW = 30_000;
    /** The reason every node keeps what it has with (the node's default keep reason). */
    static final String KEEP = "mesh";
    /** {@code logmesh:range} frames a pair of nodes may send per window once converged (see {@code settled}). */
    static final long SETTLED_FRAMES_PER_LINK = 3;

    @TempDir
    Path dir;

    @Test
    void everyActionWithReasonsReachesEveryNodeOnceAndTrafficSettles() throws IOException {
        String only = System.getProperty("logmesh.seed");
        if (only != null) {
            runAndCheck(Long.parseLong(only));
            return;
        }
        Map<Tally, Long> tally = new java.util.EnumMap<>(Tally.class);
        for (long seed = 1; seed <= RUNS; seed++) {
            runAndCheck(seed).forEach((k, v) -> tally.merge(k, v, Long::sum));
        }
        System.out.println("gone marks simulation, " + RUNS + " runs: " + tally);
        if (RUNS >= 20) {
            for (Tally k : Tally.values()) {
                assertTrue(tally.getOrDefault(k, 0L) > 0, "the runs never had " + k + ": " + tally);
            }
        }
    }

    /** What the runs went through, summed (to tell that they exercise what they claim). */
    enum Tally {
        GONE_ANSWERS, SQLITE_RESTARTS, RESTORES, WIPES, ASKED_AGAIN_PAST_A_TINY_BOUND, MARKS_KEPT_UNDER_A_BOUND
    }

    @Test
    void aRunReplaysExactlyFromItsSeed() throws IOException {
        for (long seed : new long[] {3, 4}) {
            assertEquals(new Run(seed, dir.resolve("a" + seed)).run(), new Run(seed, dir.resolve("b" + seed)).run(),
                "seed " + seed);
        }
    }

    private Map<Tally, Long> runAndCheck(long seed) throws IOException {
        Path runDir = Files.createDirectories(dir.resolve("run" + seed));
        try {
            Run run = new Run(seed, runDir);
            run.run();
            return run.tally;
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("gone marks simulation failed; replay with -Dlogmesh.seed=" + seed
                + " (GoneMarksSimulationTest): " + e.getMessage(), e);
        }
    }

    /** One seeded run. */
    static final class Run {
        final long seed;
        final Random r;
        final int n;
        final long bound;
        final LocalMesh mesh;
        final List<LocalMesh.Node> nodes = new ArrayList<>();
        final Map<String, MemoryStore> backups = new HashMap<>();
        /** Every id created by an add that succeeded. */
        final Set<ActionId> created = new LinkedHashSet<>();
        /** Per id, the nodes whose clean removed it. */
        final Map<ActionId, Set<String>> cleanedAt = new LinkedHashMap<>();
        final StringBuilder story = new StringBuilder();
        final Map<Tally, Long> tally = new java.util.EnumMap<>(Tally.class);
        /** How many nodes keep their logs in SQLite (the first ones). */
        final int sqlite;
        /** Nodes restored from a backup or wiped once: the kit's applied counts restart from what the store held. */
        final Set<String> restored = new TreeSet<>();

        Run(long seed, Path sqliteDir) {
            this.seed = seed;
            this.r = new Random(seed * 1_000_003L + 24);
            this.n = 4 + r.nextInt(3);
            this.bound = switch (r.nextInt(3)) {
                case 0 -> 0; // the default (32 MiB): nothing is dropped by the bound
                case 1 -> 1; // every mark dropped as soon as it is made
                default -> 1_024 + r.nextInt(8 * 1_024);
            };
            this.mesh = new LocalMesh(seed).maxLatency(20).maxGoneBytes(bound).configure(b -> b.mesh("gone"));
            for (int i = 0; i < n; i++) {
                mesh.node("n" + i);
            }
            // every pair linked (the dialer chosen at random): a node does not pass on what it cleaned, so an action
            // reaches only nodes that have a session with a holder (README's limit); here every node has one with
            // every other once healed, so a missing action is the marks' fault, not the topology's
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    if (r.nextBoolean()) {
                        mesh.link("n" + i, "n" + j);
                    } else {
                        mesh.link("n" + j, "n" + i);
                    }
                }
            }
            // the first one or two nodes keep their logs (and marks) in SQLite, reopened at each restart
            sqlite = 1 + r.nextInt(2);
            for (int i = 0; i < n; i++) {
                mesh.sqlite(i < sqlite ? sqliteDir : null);
                mesh.start("n" + i);
                nodes.add(mesh.get("n" + i));
            }
            mesh.sqlite(null);
            story.append("n=").append(n).append(" sqlite=").append(sqlite).append(" bound=").append(bound);
        }

        /** Runs the steps, heals, checks; returns what each node holds and what the network carried. */
        List<String> run() {
            try {
                mesh.run(3_000);
                int steps = 40 + r.nextInt(40);
                for (int step = 0; step < steps; step++) {
                    step();
                    withinTheBound();
                    // mostly short gaps; some a reconciliation period long: rounds run (and make marks) mid-churn
                    mesh.run(r.nextInt(4) == 0 ? WINDOW + r.nextInt((int) WINDOW) : r.nextInt(3_000));
                }
                mesh.heal();
                for (LocalMesh.Node x : nodes) {
                    mesh.bringUp(x.name());
                }
                mesh.run(8 * WINDOW);
                withinTheBound();
                check();
                long[][] windows = windows(6);
                if (bound == 0) {
                    settled(windows);
                } else if (windows[1][windows[1].length - 1] > 0) {
                    count(Tally.ASKED_AGAIN_PAST_A_TINY_BOUND, 1);
                }
                for (LocalMesh.Node x : nodes) {
                    count(Tally.GONE_ANSWERS, x.traffic().received("logmesh:gone"));
                }
                List<String> outcome = new ArrayList<>();
                for (LocalMesh.Node x : nodes) {
                    outcome.add(x.nodeId() + " " + x.ids() + " " + x.traffic());
                }
                return outcome;
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + describe(), e);
            } finally {
                mesh.close();
            }
        }

        private void step() {
            LocalMesh.Node node = nodes.get(r.nextInt(n));
            String other = nodes.get(r.nextInt(n)).name();
            int what = r.nextInt(100);
            if (what < 30) {
                int k = 1 + r.nextInt(4);
                for (int i = 0; i < k && node.isUp(); i++) {
                    created.add(node.add("t/" + created.size()).id());
                }
                note(node.name() + " +" + k);
            } else if (what < 40) {
                // one action cleaned on every running node
                ActionId id = someHeld();
                if (id != null) {
                    for (LocalMesh.Node x : nodes) {
                        clean(x, Criteria.id(id));
                    }
                    note("clean " + id + " on all up");
                }
            } else if (what < 50) {
                // a few actions cleaned on some nodes, kept on the others
                ActionId id = someHeld();
                if (id != null) {
                    Criteria c = r.nextBoolean() ? Criteria.id(id)
                        : Criteria.ALL.olderThan(id); // everything older than it
                    for (LocalMesh.Node x : nodes) {
                        if (r.nextBoolean()) {
                            clean(x, c);
                        }
                    }
                    note("clean " + c + " on some");
                }
            } else if (what < 53) {
                clean(node, Criteria.ALL);
                note(node.name() + " cleans all");
            } else if (what < 60) {
                mesh.partition(node.name(), other);
                note("partition " + node.name() + " " + other);
            } else if (what < 64) {
                List<String> left = new ArrayList<>();
                List<String> right = new ArrayList<>();
                for (LocalMesh.Node x : nodes) {
                    (r.nextBoolean() ? left : right).add(x.name());
                }
                mesh.partition(left, right);
                note("partition " + left + " " + right);
            } else if (what < 70) {
                mesh.heal();
                note("heal");
            } else if (what < 73) {
                mesh.breakLink(node.name(), other);
                note("break " + node.name() + " " + other);
            } else if (what < 78) {
                mesh.crash(node.name());
                note("crash " + node.name());
            } else if (what < 81) {
                mesh.stop(node.name());
                note("stop " + node.name());
            } else if (what < 91) {
                if (!node.isUp() && nodes.indexOf(node) < sqlite) {
                    count(Tally.SQLITE_RESTARTS, 1);
                }
                mesh.bringUp(node.name());
                note("restart " + node.name());
            } else if (what < 95) {
                if (node.isUp() && node.store() != null) {
                    backups.put(node.name(), node.backup());
                    note("backup " + node.name());
                }
            } else if (what < 98) {
                MemoryStore backup = backups.remove(node.name());
                if (backup != null) {
                    mesh.crash(node.name());
                    node.restore(backup);
                    restored.add(node.name());
                    mesh.restart(node.name());
                    count(Tally.RESTORES, 1);
                    note("restore " + node.name());
                }
            } else if (node.store() != null) {
                // a wiped store under the same node id: peers' marks of it must go (it lacks what it answered gone for)
                mesh.crash(node.name());
                node.wipe();
                backups.remove(node.name());
                restored.add(node.name());
                mesh.restart(node.name());
                count(Tally.WIPES, 1);
                note("wipe " + node.name());
            }
        }

        /** Every running node's gone marks take at most the bound's bytes (checked when the bound is set). */
        private void withinTheBound() {
            if (bound == 0) {
                return;
            }
            for (LocalMesh.Node x : nodes) {
                if (x.isUp()) {
                    long bytes = NodeInternals.reconciler(x.node()).goneBytes();
                    if (bytes > bound) {
                        throw new AssertionError(x.name() + "'s gone marks take " + bytes + " bytes, past the bound of "
                            + bound + ": " + marks(x));
                    }
                    count(Tally.MARKS_KEPT_UNDER_A_BOUND, bytes > 0 ? 1 : 0);
                }
            }
        }

        /** An id some running node holds, or null. */
        private ActionId someHeld() {
            List<LocalMesh.Node> up = nodes.stream().filter(LocalMesh.Node::isUp).toList();
            if (up.isEmpty()) {
                return null;
            }
            List<ActionId> ids = up.get(r.nextInt(up.size())).ids();
            return ids.isEmpty() ? null : ids.get(r.nextInt(ids.size()));
        }

        /** Removes the keep reason on a running node from what {@code c} selects; records what it cleaned. */
        private void clean(LocalMesh.Node x, Criteria c) {
            if (!x.isUp()) {
                return;
            }
            Set<ActionId> before = new LinkedHashSet<>(x.ids());
            CompletableFuture<Integer> f = x.node().removeReason(KEEP, c);
            mesh.runAll();
            f.join();
            before.removeAll(x.ids());
            for (ActionId id : before) {
                cleanedAt.computeIfAbsent(id, k -> new TreeSet<>()).add(x.name());
            }
        }

        private void count(Tally what, long n) {
            tally.merge(what, n, Long::sum);
        }

        private void note(String s) {
            story.append("; ").append(mesh.loop().now()).append(' ').append(s);
        }

        /**
         * The guarantee: every id some node holds (it has its reason there) reached every node exactly once and is
         * held there or was cleaned there; each node holds its ids in id order; no node applied an id twice; and an
         * id no node cleaned, that no restore lost, is held.
         */
        void check() {
            Map<String, List<ActionId>> held = new LinkedHashMap<>();
            Set<ActionId> withReasons = new TreeSet<>();
            for (LocalMesh.Node x : nodes) {
                List<ActionId> ids = x.ids();
                held.put(x.name(), ids);
                withReasons.addAll(ids);
                List<ActionId> sorted = new ArrayList<>(new TreeSet<>(ids));
                if (!sorted.equals(ids)) {
                    throw new AssertionError(x.name() + " holds its ids out of id order or twice: " + ids);
                }
                for (Map.Entry<ActionId, Integer> e : x.applied().entrySet()) {
                    if (e.getValue() != 1) {
                        throw new AssertionError(x.name() + " applied " + e.getKey() + " " + e.getValue() + " times");
                    }
                }
            }
            for (LocalMesh.Node x : nodes) {
                Log log = NodeInternals.log(x.node());
                Set<ActionId> has = new java.util.HashSet<>(held.get(x.name()));
                List<ActionId> missing = new ArrayList<>();
                for (ActionId id : withReasons) {
                    Integer applied = x.applied().get(id);
                    // an id cleaned here before a backup that was restored has no count: the kit counts what it holds
                    boolean uncounted = applied == null && !has.contains(id) && restored.contains(x.name());
                    if (!has.contains(id) && !log.seen(id)) {
                        missing.add(id);
                    } else if (!uncounted && !Integer.valueOf(1).equals(applied)) {
                        throw new AssertionError(x.name() + " applied " + id + " " + x.applied().get(id)
                            + " times; it still has reasons on " + holders(held, id));
                    }
                }
                if (!missing.isEmpty()) {
                    throw new AssertionError(x.name() + " never got " + missing.size() + " actions that still have"
                        + " reasons elsewhere, e.g. " + missing.get(0) + " held by " + holders(held, missing.get(0))
                        + ", cleaned on " + cleanedAt.get(missing.get(0)) + "; marks here: " + marks(x));
                }
            }
            for (ActionId id : created) {
                if (!withReasons.contains(id) && !cleanedAt.containsKey(id) && !mesh.lostWithStores().contains(id)) {
                    throw new AssertionError(id + " was never cleaned and no node holds it (lost)");
                }
            }
        }

        private static List<String> holders(Map<String, List<ActionId>> held, ActionId id) {
            List<String> out = new ArrayList<>();
            held.forEach((name, ids) -> {
                if (ids.contains(id)) {
                    out.add(name);
                }
            });
            return out;
        }

        /** The gone marks a node keeps, per peer node id. */
        private String marks(LocalMesh.Node x) {
            Reconciler rec = NodeInternals.reconciler(x.node());
            StringBuilder sb = new StringBuilder("{");
            for (LocalMesh.Node p : nodes) {
                int m = rec.goneMarks(p.nodeId());
                if (m > 0) {
                    sb.append(' ').append(p.name()).append('=').append(m);
                }
            }
            return sb.append(" }").toString();
        }

        /**
         * Runs {@code count} windows; per window, what every node sent: bytes of {@code logmesh:range}, bytes of
         * {@code logmesh:want} and {@code logmesh:gone}, and {@code logmesh:range} frames.
         */
        long[][] windows(int count) {
            long[][] out = new long[3][count];
            for (int w = 0; w < count; w++) {
                long range = sent("logmesh:range");
                long asks = sent("logmesh:want", "logmesh:gone");
                long frames = frames("logmesh:range");
                mesh.run(WINDOW);
                out[0][w] = sent("logmesh:range") - range;
                out[1][w] = sent("logmesh:want", "logmesh:gone") - asks;
                out[2][w] = frames("logmesh:range") - frames;
            }
            story.append("; per window after convergence: range bytes ").append(java.util.Arrays.toString(out[0]))
                .append(", want+gone bytes ").append(java.util.Arrays.toString(out[1])).append(", range frames ")
                .append(java.util.Arrays.toString(out[2]));
            return out;
        }

        private long sent(String... types) {
            long sum = 0;
            for (LocalMesh.Node x : nodes) {
                for (String t : types) {
                    sum += x.traffic().sentBytes(t);
                }
            }
            return sum;
        }

        private long frames(String type) {
            long sum = 0;
            for (LocalMesh.Node x : nodes) {
                sum += x.traffic().sent(type);
            }
            return sum;
        }

        /**
         * Once converged, no id is asked for again ({@code logmesh:want} and {@code logmesh:gone} stop), and rounds
         * find no difference: a round that finds none costs 2 {@code range} frames (the initiator's fingerprints or
         * ids, the responder's empty answer), and a link runs at most 1.5 rounds a window on average (30 s, ±20%),
         * so at most {@link #SETTLED_FRAMES_PER_LINK} frames a window for each pair of nodes.
         */
        void settled(long[][] windows) {
            int count = windows[0].length;
            long pairs = (long) n * (n - 1) / 2;
            for (int w = count / 2; w < count; w++) {
                if (windows[1][w] != 0) {
                    throw new AssertionError("ids are still asked for after convergence: " + windows[1][w]
                        + " bytes of logmesh:want and logmesh:gone in window " + (w + 1) + " of " + count);
                }
                if (windows[2][w] > SETTLED_FRAMES_PER_LINK * pairs) {
                    throw new AssertionError("rounds still find differences after convergence: " + windows[2][w]
                        + " logmesh:range frames (" + windows[0][w] + " bytes) in window " + (w + 1) + " of " + count
                        + ", more than " + SETTLED_FRAMES_PER_LINK + " for each of the " + pairs + " pairs");
                }
            }
        }

        String describe() {
            StringBuilder sb = new StringBuilder("run: ").append(story);
            for (LocalMesh.Node x : nodes) {
                if (x.isUp()) {
                    sb.append("\n  ").append(x.name()).append(' ').append(x.nodeId()).append(" marks ")
                        .append(marks(x)).append(" traffic ").append(x.traffic()).append("\n    ")
                        .append(NodeInternals.sessions(x.node()));
                }
            }
            return sb.toString();
        }
    }
}
