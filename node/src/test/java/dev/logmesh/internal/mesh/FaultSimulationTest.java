package dev.logmesh.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.internal.mesh.MeshSimulationTest.Topology;
import dev.logmesh.internal.protocol.EntrySize;
import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.testkit.Firewall;
import dev.logmesh.testkit.LocalMesh;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 10's simulation: random runs of real nodes on the test kit with every fault kind at once, each run
 * replayable from its seed ({@code -Dlogmesh.seed=N}; {@code -Dlogmesh.faultRuns=N} sets how many).
 *
 * <p>Faults, chosen at random per step: frame rules by message type and link (drops of {@code sync},
 * {@code synced}, {@code ping}, Plumtree's, reconciliation's and the overlay's ({@code logmesh:hpv}) messages;
 * delays past the graft timer, the ping and the session timeout; duplicates; reorders); partitions and heals;
 * broken links; crashes and restarts; stores restored from an earlier backup and stores wiped, under the same
 * node id; full disks and failing commits; corrupt entries; clocks stepped forwards and backwards by up to two
 * minutes; actions of every size up to the limit with non-ASCII text (and some over it, which the door must
 * refuse).
 *
 * <p>After every run (faults removed, disks healed, every node up, the mesh given time for a reconciliation
 * round): the test kit's guarantee ({@link LocalMesh#check}): every node holds the same set in the same
 * created order, each id applied once per node, nothing lost that some node had applied (except what was lost
 * with a restored or wiped store while no other node held it: the documented limit), and an action created
 * after another was received sorts after it.
 */
class FaultSimulationTest {
    private static final int RUNS = Integer.getInteger("logmesh.faultRuns", 2000);
    /** A small frame limit, so entries up to the limit are cheap to simulate. */
    static final int MAX_FRAME = 8 * 1024;
    static final String[] TYPES = {"sync", "synced", "ping", "pong", "logmesh:ihave", "logmesh:graft",
        "logmesh:prune", "logmesh:range", "logmesh:want", "logmesh:hpv"};
    /** Text of several UTF-8 lengths: ASCII, Latin, CJK, and emoji (surrogate pairs). */
    static final String[] ALPHABET = {"a", "z", " ", "é", "ß", "字", "語", "ё", "😀", "🚀", "\"", "\\"};

    @Test
    void convergesExactlyOnceInOneOrderUnderEveryFaultKind() {
        String only = System.getProperty("logmesh.seed");
        if (only != null) {
            runAndCheck(Long.parseLong(only));
            return;
        }
        for (long seed = 1; seed <= RUNS; seed++) {
            runAndCheck(seed);
        }
    }

    @Test
    void aRunReplaysExactlyFromItsSeed() {
        for (long seed : new long[] {5, 6}) {
            assertEquals(run(seed), run(seed), "seed " + seed);
        }
    }

    private static void runAndCheck(long seed) {
        try {
            run(seed);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("fault simulation failed; replay with -Dlogmesh.seed=" + seed
                + " (FaultSimulationTest): " + e.getMessage(), e);
        }
    }

    static Action text(Random r, int utf8Bytes) {
        StringBuilder sb = new StringBuilder();
        long bytes = 0;
        while (true) {
            String c = ALPHABET[r.nextInt(ALPHABET.length)];
            long more = EntrySize.utf8(c) + (c.equals("\"") || c.equals("\\") ? 1 : 0);
            if (bytes + more > utf8Bytes) {
                break;
            }
            sb.append(c);
            bytes += more;
        }
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("type", "t/text");
        json.put("text", sb.toString());
        return Action.of(json);
    }

    /** Runs one seed; returns what each node holds and what the network carried, to compare runs. */
    private static List<String> run(long seed) {
        Random r = new Random(seed * 1_000_003L + 11);
        List<Topology> all = List.of(Topology.values());
        Topology topology = all.get(r.nextInt(all.size()));
        int n = 3 + r.nextInt(4);
        LocalMesh mesh = MeshSimulationTest.declare(seed, topology, n)
            .configure(b -> b.maxFrameBytes(MAX_FRAME))
            .start();
        List<LocalMesh.Node> nodes = mesh.nodes();
        long maxEntry = EntrySize.maxEntry(MAX_FRAME);
        Map<String, MemoryStore> backups = new HashMap<>();
        List<Firewall.Rule> rules = new ArrayList<>();
        mesh.run(2_000);
        int steps = 25 + r.nextInt(40);
        for (int step = 0; step < steps; step++) {
            LocalMesh.Node node = nodes.get(r.nextInt(n));
            String other = nodes.get(r.nextInt(n)).name();
            int what = r.nextInt(100);
            if (what < 40) {
                add(node, text(r, r.nextInt(200)));
            } else if (what < 45) {
                // an entry close to the limit, its meta included
                add(node, text(r, (int) maxEntry - 300 - r.nextInt(200)));
            } else if (what < 47) {
                refusedAtTheDoor(mesh, node, text(r, (int) maxEntry + 1 + r.nextInt(500)));
            } else if (what < 53) {
                rules.add(rule(mesh.firewall(), r, node.name(), other));
            } else if (what < 56 && !rules.isEmpty()) {
                rules.remove(r.nextInt(rules.size())).remove();
            } else if (what < 60) {
                mesh.partition(node.name(), other);
            } else if (what < 64) {
                mesh.heal();
            } else if (what < 67) {
                mesh.breakLink(node.name(), other);
            } else if (what < 71) {
                mesh.crash(node.name());
            } else if (what < 78) {
                restart(mesh, node);
            } else if (what < 81) {
                if (node.isUp()) {
                    backups.put(node.name(), node.backup());
                }
            } else if (what < 83) {
                MemoryStore backup = backups.remove(node.name());
                if (backup != null) {
                    mesh.crash(node.name());
                    node.restore(backup);
                }
            } else if (what < 84) {
                mesh.crash(node.name());
                node.wipe();
                backups.remove(node.name());
            } else if (what < 87) {
                node.faults().diskFull(true);
            } else if (what < 90) {
                node.faults().diskFull(false);
            } else if (what < 92) {
                node.faults().failWrite(1 + r.nextInt(5));
            } else if (what < 94) {
                corruptOne(mesh, node, r);
            } else if (what < 97) {
                node.step(r.nextInt(240_001) - 120_000);
            }
            mesh.run(r.nextInt(3_000));
        }
        // the faults end: frames flow, disks have room, every node runs; then a reconciliation round and more
        mesh.firewall().clearRules();
        mesh.heal();
        for (LocalMesh.Node x : nodes) {
            x.faults().heal();
            mesh.bringUp(x.name());
        }
        mesh.run(240_000);
        try {
            mesh.check("fault simulation, " + topology + " of " + n);
        } catch (AssertionError e) {
            StringBuilder sb = new StringBuilder(e.getMessage()).append("\npeers at the end:");
            for (LocalMesh.Node x : nodes) {
                var peers = x.node().peers();
                mesh.loop().runAll();
                sb.append("\n  ").append(x.name()).append(' ').append(peers.join()).append(" traffic ")
                    .append(x.traffic()).append(" errors ")
                    .append(x.errors()).append("\n    ").append(dev.logmesh.NodeInternals.sessions(x.node()));
            }
            throw new AssertionError(sb.toString(), e);
        }
        List<String> outcome = new ArrayList<>();
        for (LocalMesh.Node x : nodes) {
            outcome.add(x.nodeId() + " " + x.ids() + " " + x.traffic());
        }
        mesh.close();
        return outcome;
    }

    /**
     * Starts a node that is down. On a disk that cannot write it does not start: a clear {@code StoreException}
     * (it must write its clock reservation before it issues an id), and it stays down until a later restart.
     */
    private static void restart(LocalMesh mesh, LocalMesh.Node node) {
        try {
            mesh.bringUp(node.name());
        } catch (dev.logmesh.StoreException e) {
            assertTrue(node.faults().diskFull() || e.getMessage().contains("commit failed"), e.toString());
            assertTrue(!node.isUp());
        }
    }

    /** Adds an action at a running node whose store can write (a failed add is not applied: nothing to check). */
    private static void add(LocalMesh.Node node, Action action) {
        if (!node.isUp()) {
            return;
        }
        try {
            node.add(action);
        } catch (CompletionException e) {
            assertInstanceOf(dev.logmesh.StoreException.class, e.getCause(), e.toString());
        }
    }

    /** An action over the limit is refused by {@code add} with a clear error, and never enters the log. */
    private static void refusedAtTheDoor(LocalMesh mesh, LocalMesh.Node node, Action action) {
        if (!node.isUp()) {
            return;
        }
        var f = node.node().add(action);
        mesh.loop().runAll();
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(1, TimeUnit.SECONDS));
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("over the limit"), e.getCause().getMessage());
        // not in the log (its size may change meanwhile: an entry quarantined by an earlier step comes back from a
        // peer as soon as the quarantine asked for it, session 50)
        var entries = node.node().entries();
        mesh.loop().runAll();
        assertTrue(entries.join().stream().noneMatch(x -> x.action().equals(action)), "the refused action is in the log");
    }

    /** A random frame rule on the link between two nodes (or all of one node's links). */
    static Firewall.Rule rule(Firewall fw, Random r, String a, String b) {
        String type = TYPES[r.nextInt(TYPES.length)];
        Firewall.Selector s = r.nextBoolean() ? fw.on(type) : fw.on();
        s = a.equals(b) ? s.from(a) : s.between(a, b);
        s = s.probability(0.05 + r.nextDouble() * 0.95);
        return switch (r.nextInt(4)) {
            case 0 -> s.drop();
            // past the graft timer (300 ms), the ping (up to 10 s) or the session timeout
            case 1 -> s.delay(r.nextInt(25_000));
            case 2 -> s.duplicate();
            default -> s.reorder(1 + r.nextInt(2_000));
        };
    }

    /** Makes one entry of a running node corrupt, one that at least two other nodes hold (so it can be repaired). */
    private static void corruptOne(LocalMesh mesh, LocalMesh.Node node, Random r) {
        if (!node.isUp()) {
            return;
        }
        List<ActionId> ids = node.ids();
        if (ids.isEmpty()) {
            return;
        }
        ActionId id = ids.get(r.nextInt(ids.size()));
        int copies = 0;
        for (LocalMesh.Node other : mesh.nodes()) {
            if (other != node && other.faults() != null && other.store() != null && other.store().has(id)) {
                copies++;
            }
        }
        if (copies >= 2) {
            node.faults().corrupt(id);
        }
    }
}
