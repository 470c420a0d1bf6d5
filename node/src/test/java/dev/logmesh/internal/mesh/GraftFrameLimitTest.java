package dev.logmesh.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import dev.logmesh.internal.session.SessionConfig;
import dev.logmesh.internal.session.SyncSession;
import dev.logmesh.testkit.ManualLoop;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A {@code logmesh:graft} of more ids than one frame holds goes in frames within the peer's frame limit. Plumtree
 * grafts in one message every missing id whose timer is due with the first (ids of many {@code ihave} frames when
 * the tree's eager link stalls under a burst), and ids are not bounded by the entries' sizes: before, such a graft
 * was one frame over the limit and the announcer ended the session as {@code wrong-format} (session 19, a breaker).
 */
class GraftFrameLimitTest {

    @Test
    void aGraftOfMoreIdsThanOneFrameHoldsIsCutIntoFrames() {
        ManualLoop loop = new ManualLoop(1_000_000);
        SessionNode a = new SessionNode("a", loop, SessionConfig.defaults("test"));
        SessionNode b = new SessionNode("b", loop, SessionConfig.defaults("test"));
        TestPair pair = SessionNode.connect(loop, a, b);
        loop.runAll();
        assertTrue(a.hub.connectedPeers().contains("b"));
        // ids of a node with a long id: 5,000 of them take about 1.1 MB as text, over the 1 MiB frame limit
        String origin = "o".repeat(200);
        List<ActionId> ids = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            ids.add(new ActionId(1_000 + i, origin, 0));
        }
        SyncSession session = a.hub.sessions().iterator().next();
        assertTrue(session.sendGraft(ids), "sent");
        loop.runAll();

        assertEquals(List.of(), b.errors, "b refused nothing: a sent " + pair.leftSent().size() + " frames");
        assertEquals(List.of(), a.errors);
        assertTrue(a.hub.connectedPeers().contains("b"), "the session goes on");
        b.assertSyncsWithFreshPeer(loop, SessionConfig.defaults("test"));
    }
}
