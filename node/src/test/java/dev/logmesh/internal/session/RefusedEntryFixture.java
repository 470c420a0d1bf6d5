package dev.logmesh.internal.session;

import dev.logmesh.ActionId;
import dev.logmesh.internal.mesh.PeerTable;
import dev.logmesh.testkit.ManualLoop;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import java.util.ArrayList;
import java.util.List;

/**
 * What the tests of an entry refused alone share ({@link TooDeepEntryTest}, {@link NumberRangeEntryTest}): a node on a
 * manual loop that records each {@link PeerTable.Listener#entryRefused} as {@code "kind id"}, holding one action of
 * its own ({@code before}), and a way to inject a frame and take what the node sent back.
 */
abstract class RefusedEntryFixture {
    final ManualLoop loop = new ManualLoop(1_000_000);
    final List<String> refused = new ArrayList<>();

    SessionNode node(SessionConfig config) {
        SessionNode n = new SessionNode("n", loop, config);
        n.hub.addListener(new PeerTable.Listener() {
            @Override
            public void entryRefused(SyncSession session, ActionId id, String kind) {
                refused.add(kind + " " + id);
            }
        });
        n.add("before");
        loop.runAll();
        return n;
    }

    /** Injects {@code frame} as the peer's, runs the loop, and returns (and clears) what the node sent. */
    List<String> send(TestPair pair, String frame) {
        pair.right().inject(frame);
        loop.runAll();
        List<String> out = List.copyOf(pair.rightSent());
        pair.clear();
        return out;
    }
}
