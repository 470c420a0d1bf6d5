package dev.logmesh.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.MeshNode;
import dev.logmesh.Meta;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LocalMesh}: real nodes on the manual loop, restarts over their stores, the checker, replay by seed. */
class LocalMeshTest {

    @Test
    void nodesAreRealMeshNodesWithIdsFromTheirNamesAndTheSeed() {
        try (LocalMesh mesh = new LocalMesh(5)) {
            MeshNode alice = mesh.start("alice");
            MeshNode bob = mesh.start("bob", "alice");
            assertTrue(alice.nodeId().startsWith("alice:"), alice.nodeId());
            assertEquals(alice.nodeId(), mesh.get("alice").nodeId());
            assertEquals(LocalNetwork.url("alice"), alice.url());
            mesh.run(100);
            CompletableFuture<List<MeshNode.PeerStatus>> peers = bob.peers();
            mesh.runAll();
            assertEquals(List.of(alice.nodeId()), peers.join().stream().map(MeshNode.PeerStatus::nodeId).toList());
            try (LocalMesh same = new LocalMesh(5)) {
                assertEquals(alice.nodeId(), same.start("alice").nodeId(), "the seed decides the random part");
            }
        }
    }

    /**
     * embed35 (embed36's brief): {@code restart} of a running node did nothing, without a word, so a test that meant to
     * restart its app's node tested nothing; and a seeded run is its seed alone: another seed, other node ids.
     */
    @Test
    void aRunningNodeIsNotRestartedSilentlyAndAnotherSeedMakesOtherNodeIds() {
        try (LocalMesh mesh = new LocalMesh(5)) {
            MeshNode a = mesh.start("a");
            // before: nothing happened, and the test went on with the same node
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> mesh.restart("a"));
            assertEquals("a is running: restart starts a stopped or crashed node; stop(\"a\") or crash(\"a\") it first "
                + "(or bringUp(\"a\"): up, whatever it was)", e.getMessage());
            assertTrue(mesh.get("a").node() == a, "still the node it was");
            mesh.bringUp("a");
            assertTrue(mesh.get("a").node() == a, "bringUp leaves a running node as it is");
            mesh.stop("a");
            mesh.restart("a");
            assertTrue(mesh.get("a").node() != a, "restarted");
            assertEquals(a.nodeId(), mesh.get("a").nodeId());
            try (LocalMesh other = new LocalMesh(6)) {
                assertNotEquals(a.nodeId(), other.start("a").nodeId(), "another seed, another random part");
            }
        }
    }

    @Test
    void aStoppedNodeStartsAgainOverItsMemoryStore() {
        try (LocalMesh mesh = new LocalMesh(1)) {
            mesh.start("a");
            mesh.start("b", "a");
            mesh.run(100);
            Meta first = mesh.get("a").add("before");
            mesh.run(100);
            String id = mesh.get("b").nodeId();
            mesh.stop("b");
            assertFalse(mesh.get("b").isUp());
            assertThrows(IllegalStateException.class, () -> mesh.get("b").node());
            mesh.get("a").add("while-b-is-down");
            mesh.restart("b");
            assertEquals(id, mesh.get("b").node().nodeId(), "the same node id, from its store");
            mesh.run(10_000);
            assertTrue(mesh.get("b").ids().contains(first.id()));
            assertEquals(2, mesh.get("b").ids().size());
            mesh.check();
        }
    }

    @Test
    void sqliteNodesStartAgainFromTheirDirectory(@TempDir Path dir) {
        try (LocalMesh mesh = new LocalMesh(2).sqlite(dir)) {
            mesh.start("a");
            mesh.start("b", "a");
            mesh.run(100);
            mesh.get("a").add("one");
            mesh.run(100);
            assertTrue(Files.exists(dir.resolve("b").resolve("log.db")));
            assertEquals(null, mesh.get("b").store(), "the node opens its own store");
            mesh.crash("b");
            mesh.get("a").add("two");
            mesh.restart("b");
            mesh.run(10_000);
            assertEquals(2, mesh.get("b").ids().size());
            mesh.check();
        }
    }

    @Test
    void aCrashLosesTheLinksAtOnceAndPeersSendAgainWhatItHadNotAcknowledged() {
        try (LocalMesh mesh = new LocalMesh(3)) {
            mesh.start("a");
            mesh.start("b", "a");
            mesh.run(100);
            for (int i = 0; i < 5; i++) {
                mesh.get("a").add("x/" + i);
            }
            mesh.run(100);
            mesh.crash("a");
            assertEquals(0, mesh.net().liveLinks("a", "b"));
            mesh.restart("a");
            mesh.run(10_000);
            mesh.check();
            for (LocalMesh.Node n : mesh.nodes()) {
                assertTrue(n.applied().values().stream().allMatch(c -> c == 1), n + " " + n.applied());
            }
        }
    }

    @Test
    void checkFailsWhenANodeMissesAnAction() {
        try (LocalMesh mesh = new LocalMesh(4)) {
            mesh.start("a");
            mesh.start("b", "a");
            mesh.run(100);
            // split, and never heal
            mesh.partition("a", "b");
            Meta lost = mesh.get("a").add("only/on/a");
            mesh.run(30_000);
            AssertionError e = assertThrows(AssertionError.class, () -> mesh.check("split"));
            assertTrue(e.getMessage().startsWith("split: b holds another set: missing [" + lost.id()), e.getMessage());
            // heal, and it holds
            mesh.heal();
            mesh.run(30_000);
            mesh.check("healed");
        }
    }

    @Test
    void checkFailsForNodesThatNeverMet() {
        // two nodes that never meet hold different sets: the checker says which
        try (LocalMesh mesh = new LocalMesh(6)) {
            mesh.start("a");
            mesh.start("b");
            mesh.get("a").add("a/1");
            mesh.get("b").add("b/1");
            AssertionError e = assertThrows(AssertionError.class, mesh::check);
            assertTrue(e.getMessage().contains("holds another set"), e.getMessage());
        }
    }

    @Test
    void aSkewedNodeStampsItsOwnClock() {
        try (LocalMesh mesh = new LocalMesh(7)) {
            mesh.node("ahead").skew(60_000);
            mesh.node("on-time");
            mesh.link("on-time", "ahead");
            mesh.start();
            Meta onTime = mesh.get("on-time").add("b");
            Meta ahead = mesh.get("ahead").add("a");
            assertEquals(mesh.loop().now(), onTime.time());
            assertEquals(mesh.loop().now() + 60_000, ahead.time());
            mesh.run(5_000);
            mesh.check();
            CompletableFuture<List<Entry>> entries = mesh.get("on-time").node().entries();
            mesh.runAll();
            Entry received = entries.join().stream().filter(e -> e.id().equals(ahead.id())).findFirst().orElseThrow();
            assertTrue(Math.abs(received.meta().time() - onTime.time()) < 1_000,
                "the time fix moves a received time into the receiver's clock: " + received.meta().time());
        }
    }

    @Test
    void aRunReplaysExactlyFromItsSeed() {
        assertEquals(workload(42), workload(42));
        assertNotEquals(workload(42), workload(43));
    }

    /** A small random run; returns what every node holds and what the network carried. */
    static List<String> workload(long seed) {
        try (LocalMesh mesh = new LocalMesh(seed).maxLatency(30)) {
            Random r = mesh.random();
            for (int i = 0; i < 4; i++) {
                mesh.node("n" + i);
            }
            mesh.link("n1", "n0").link("n2", "n0").link("n3", "n1").link("n3", "n2");
            mesh.start();
            for (int step = 0; step < 30; step++) {
                String who = "n" + r.nextInt(4);
                switch (r.nextInt(4)) {
                    case 0 -> mesh.crash(who);
                    case 1 -> mesh.bringUp(who);
                    default -> {
                        if (mesh.get(who).isUp()) {
                            mesh.get(who).add("x/" + step);
                        }
                    }
                }
                mesh.run(r.nextInt(3_000));
            }
            mesh.nodes().forEach(n -> mesh.bringUp(n.name()));
            mesh.run(60_000);
            mesh.check("seed " + seed);
            List<String> out = new ArrayList<>();
            for (LocalMesh.Node n : mesh.nodes()) {
                out.add(n.name() + " " + n.nodeId() + " " + n.ids() + " " + n.traffic());
            }
            return out;
        }
    }

    @Test
    void addRunsOnTheLoopAndRemembersWhatTheNodeHadApplied() {
        try (LocalMesh mesh = new LocalMesh(8)) {
            mesh.start("a");
            Meta m1 = mesh.get("a").add("one");
            Meta m2 = mesh.get("a").add(Action.ofType("two"));
            assertEquals(null, mesh.get("a").createdAfter().get(m1.id()));
            assertEquals(m1.id(), mesh.get("a").createdAfter().get(m2.id()));
            assertEquals(List.of(m1.id(), m2.id()), mesh.get("a").ids());
            assertEquals(1, mesh.get("a").applied().get(m2.id()));
            ActionId none = ActionId.of(1, "nobody", 0);
            assertEquals(null, mesh.get("a").applied().get(none));
        }
    }
}
