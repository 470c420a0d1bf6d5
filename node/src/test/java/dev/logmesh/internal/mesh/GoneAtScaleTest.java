package dev.logmesh.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Criteria;
import dev.logmesh.Meta;
import dev.logmesh.NodeInternals;
import dev.logmesh.internal.log.Log;
import dev.logmesh.spi.PeerCursor;
import dev.logmesh.testkit.LocalMesh;
import dev.logmesh.testkit.LocalNetwork;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ids every peer has seen but cleaned (most Logux actions: no reasons, cleaned at once, their ids kept for the seen
 * horizon) cost a node that joins late one answer per peer, not one every round. Real nodes on the test kit's
 * {@link LocalMesh} (fake clock); bytes are counted on the network.
 */
class GoneAtScaleTest {
    static final int COUNT = 50_000;
    /** A window of simulated time: a reconciliation period (30 s, ±20% per round). */
    static final long WINDOW = 30_000;

    /**
     * A fresh node d joins a, b and c, which all saw and cleaned {@link #COUNT} actions. Before (session 23,
     * measured with this test on main): past {@code MAX_GONE} = 16,384 remembered gone ids d forgot the oldest and
     * asked for them again at every round, 23.3 MB each 30 s window (12.4 MB of {@code logmesh:want}, 6.8 MB of
     * {@code logmesh:range}, 4.0 MB of {@code logmesh:gone}), as much in the tenth window as in the second, and
     * again after a restart (the test failed with 341,325,776 bytes in windows 4-10). Now: 22.5 MB in the first
     * window, then one round's {@code range} frames (about 500 bytes a peer). Marks in memory only (main at 2380f6a):
     * a restart asked the same 22.5 MB once more. Now the store keeps them ({@code Store#addGone}) and a restart
     * asks nothing again.
     */
    @Test
    void idsCleanedOnEveryPeerAreNotAskedForEveryRound() {
        LocalMesh mesh = new LocalMesh(23).configure(b -> b.mesh("clean"));
        long[][] traffic = joinAndRestart(mesh, COUNT);
        long[] joined = traffic[0];
        long[] restarted = traffic[1];
        LocalMesh.Node d = mesh.get("d");

        assertTrue(d.ids().isEmpty(), "nothing to fetch: every peer cleaned them");
        assertTrue(joined[0] + joined[1] > COUNT * 20L, "the first rounds did ask: " + joined[0] + " " + joined[1]);
        long late = 0;
        for (int w = 3; w < 10; w++) {
            late += joined[w] + restarted[w];
        }
        assertTrue(late < 100_000, "once asked, the ids are not asked again, neither round after round nor after a"
            + " restart: " + late + " bytes in windows 4-10 after the join and the restart; window 2 after the join: "
            + joined[1] + ", window 10: " + joined[9]);
        // the marks are kept in the store (the kit's memory store survives the restart): the restart asks nothing
        assertTrue(restarted[0] + restarted[1] < 20_000, "a restart does not ask the peers again for what they"
            + " cleaned: " + restarted[0] + " + " + restarted[1] + " bytes in the first two windows after it; in the"
            + " first two after the join: " + joined[0] + " + " + joined[1]);
        mesh.close();
    }

    /**
     * What every peer a node reconciled with cleaned still comes from a holder it meets later, behind cursors that say
     * the two are in sync (only reconciliation can tell). The gone answers of a, b and c count in rounds with them
     * only; a design that kept them as seen here (once every reachable peer answered gone) would lose these actions.
     */
    @Test
    void whatEveryPeerCleanedStillComesFromAHolderMetLater() {
        int count = 20_000;
        LocalMesh mesh = new LocalMesh(5).configure(b -> b.mesh("clean"));
        mesh.link("b", "a");
        mesh.link("c", "a");
        mesh.link("c", "b");
        mesh.link("h", "a");
        mesh.start();
        mesh.run(5_000);
        List<CompletableFuture<Meta>> adds = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            adds.add(mesh.get("a").node().add(Action.ofType("x/" + i)));
            if (i % 1_000 == 999) {
                mesh.runAll();
            }
        }
        mesh.run(20_000);
        List<ActionId> ids = new ArrayList<>(count);
        for (CompletableFuture<Meta> f : adds) {
            ids.add(f.join().id());
        }
        assertEquals(count, mesh.get("h").ids().size(), "h got every action");
        mesh.stop("h");
        for (String n : List.of("a", "b", "c")) {
            CompletableFuture<Integer> cleaning = mesh.get(n).node().removeReason("mesh", Criteria.ALL);
            mesh.runAll();
            assertEquals(count, cleaning.join(), n + " cleaned them");
        }
        mesh.start("d", "a", "b", "c");
        mesh.run(3 * WINDOW);
        LocalMesh.Node d = mesh.get("d");
        assertTrue(d.ids().isEmpty(), "every peer d met cleaned them");
        assertTrue(d.traffic().received("logmesh:gone") > 0, "and answered gone");

        // h comes back and dials d: the cursors say d has all of h's log and h all of d's
        LocalMesh.Node h = mesh.get("h");
        Log dLog = NodeInternals.log(d.node());
        dLog.advanceCursor(h.nodeId(), h.store().lastAdded(), dLog.lastAdded());
        dLog.flushCursors();
        h.store().setCursor(d.nodeId(), new PeerCursor(dLog.lastAdded(), h.store().lastAdded()));
        h.dial("d");
        mesh.bringUp("h");
        mesh.run(120_000);

        java.util.Set<ActionId> held = new java.util.HashSet<>(d.ids());
        long missing = ids.stream().filter(id -> !held.contains(id)).count();
        assertEquals(0, missing, "d lacks " + missing + " of the " + count + " actions h holds: "
            + NodeInternals.sessions(d.node()));
        for (ActionId id : ids) {
            assertEquals(1, d.applied().get(id), id + " applied once");
        }
        mesh.close();
    }

    /**
     * The same over SQLite stores (the kit reopens each node's file at restart): the marks d kept in its table
     * {@code gone} spare the peers a second round of {@code want}/{@code gone} after the restart.
     */
    @Test
    void aRestartOverSqliteDoesNotAskAgain(@TempDir Path dir) {
        int count = 5_000;
        LocalMesh mesh = new LocalMesh(7).sqlite(dir).configure(b -> b.mesh("clean"));
        long[][] w = joinAndRestart(mesh, count);
        assertTrue(mesh.get("d").ids().isEmpty(), "nothing to fetch: every peer cleaned them");
        assertTrue(w[0][0] + w[0][1] > count * 20L, "the first rounds did ask: " + w[0][0] + " " + w[0][1]);
        assertTrue(w[1][0] + w[1][1] < 20_000, "a restart does not ask the peers again for what they cleaned: "
            + w[1][0] + " + " + w[1][1] + " bytes in the first two windows after it; after the join: " + w[0][0]
            + " + " + w[0][1]);
        mesh.close();
    }

    /**
     * Starts a, b and c, adds {@code count} actions on a, cleans them everywhere, then d joins the three: 10 windows,
     * a crash and a restart of d, 10 windows. The bytes per window after the join and after the restart.
     */
    private static long[][] joinAndRestart(LocalMesh mesh, int count) {
        mesh.link("b", "a");
        mesh.link("c", "a");
        mesh.link("c", "b");
        mesh.start();
        mesh.run(5_000);
        List<CompletableFuture<Meta>> adds = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            adds.add(mesh.get("a").node().add(Action.ofType("x/" + i)));
            if (i % 1_000 == 999) {
                mesh.runAll();
            }
        }
        mesh.run(20_000);
        for (CompletableFuture<Meta> f : adds) {
            f.join();
        }
        for (String n : List.of("a", "b", "c")) {
            assertEquals(count, mesh.get(n).ids().size(), n + " got every action");
            CompletableFuture<Integer> cleaning = mesh.get(n).node().removeReason("mesh", Criteria.ALL);
            mesh.runAll();
            assertEquals(count, cleaning.join(), n + " cleaned them");
        }

        mesh.start("d", "a", "b", "c");
        LocalMesh.Node d = mesh.get("d");
        long[] joined = windows(mesh, d, 10, "join");
        mesh.crash("d");
        mesh.restart("d");
        long[] restarted = windows(mesh, d, 10, "restart");
        System.out.println("d: " + d.traffic());
        return new long[][] {joined, restarted};
    }

    /** Bytes of reconciliation frames of these types d sent and got. */
    private static long bytes(LocalMesh.Node d, String... types) {
        LocalNetwork.Traffic t = d.traffic();
        long sum = 0;
        for (String type : types) {
            sum += t.sentBytes(type) + t.receivedBytes(type);
        }
        return sum;
    }

    /**
     * Runs {@code n} windows; per window, the bytes of {@code logmesh:range}, {@code logmesh:want} and
     * {@code logmesh:gone} d sent and got (printed per type).
     */
    private static long[] windows(LocalMesh mesh, LocalMesh.Node d, int n, String label) {
        String[] types = {"logmesh:range", "logmesh:want", "logmesh:gone"};
        long[] out = new long[n];
        long[][] byType = new long[types.length][n];
        for (int w = 0; w < n; w++) {
            long[] before = new long[types.length];
            for (int k = 0; k < types.length; k++) {
                before[k] = bytes(d, types[k]);
            }
            mesh.run(WINDOW);
            for (int k = 0; k < types.length; k++) {
                byType[k][w] = bytes(d, types[k]) - before[k];
                out[w] += byType[k][w];
            }
        }
        StringBuilder sb = new StringBuilder(label + ": bytes per " + WINDOW + " ms window:");
        for (int k = 0; k < types.length; k++) {
            sb.append(' ').append(types[k]).append(' ').append(java.util.Arrays.toString(byType[k]));
        }
        System.out.println(sb);
        return out;
    }
}
