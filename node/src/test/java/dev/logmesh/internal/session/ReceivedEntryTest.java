package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.testkit.ManualLoop;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a received {@code sync} makes in the log. A session makes each received entry's meta with the {@code added}
 * number the store is expected to give it, so the store keeps the session's objects (one {@link Meta} and one
 * {@link Entry} per entry, the same ones the {@code add} event carries); where the guess is wrong (a duplicate, an
 * entry without reasons) the store's numbering decides, as before.
 */
class ReceivedEntryTest {
    final ManualLoop loop = new ManualLoop(1_000_000);

    @Test
    void aCatchUpsEntriesAreStoredAndAnnouncedAsTheObjectsTheSessionMade() {
        SessionNode a = new SessionNode("a", loop, SessionConfig.defaults("test"));
        SessionNode b = new SessionNode("b", loop, SessionConfig.defaults("test"));
        for (int i = 0; i < 5; i++) {
            a.add("a/" + i);
        }
        SessionNode.connect(loop, a, b);
        loop.runAll();
        assertEquals(5, b.added.size());
        for (int i = 0; i < 5; i++) {
            Entry e = b.added.get(i);
            assertEquals("a/" + i, e.action().type());
            assertEquals(i + 1, e.meta().added());
            assertSame(b.log.byId(e.id()).orElseThrow(), e, "the add event carries the stored entry, not a copy");
        }
    }

    @Test
    void duplicatesAndEntriesWithoutReasonsAreNumberedAsTheStoreNumbersThem() {
        SessionNode n = new SessionNode("n", loop, SessionConfig.defaults("test"));
        n.add("before"); // added 1
        ActionId seen = ActionId.parse("1000005 peer 1");
        n.log.add(new Entry(Action.ofType("seen"), Meta.of(seen, 1000005, List.of("r")))); // added 2
        n.log.removeReason("r", dev.logmesh.Criteria.id(seen)); // cleaned, still seen
        TestPair pair = new TestPair(loop);
        n.accept(pair);
        pair.right().inject(BadInputTest.CONNECT);
        loop.runAll();
        n.added.clear();
        pair.clear();

        pair.right().inject("[\"sync\",9,"
            + "{\"type\":\"new/1\"},{\"id\":\"1000005 peer 0\",\"time\":1,\"reasons\":[\"r\"]},"
            + "{\"type\":\"seen\"},{\"id\":\"1000005 peer 1\",\"time\":1,\"reasons\":[\"r\"]},"
            + "{\"type\":\"new/2\"},{\"id\":\"1000005 peer 2\",\"time\":1},"
            + "{\"type\":\"again\"},{\"id\":\"1000005 peer 0\",\"time\":1,\"reasons\":[\"r\"]},"
            + "{\"type\":\"new/3\"},{\"id\":\"1000005 peer 3\",\"time\":1,\"reasons\":[\"r\",\"s\",\"r\"]}]");
        loop.runAll();

        assertEquals(List.of("[\"synced\",9]"), pair.takeAllRight());
        List<String> got = new ArrayList<>();
        for (Entry e : n.added) {
            got.add(e.action().type() + " " + e.id() + " " + e.meta().added() + " " + e.meta().reasons());
            assertEquals(n.log.byId(e.id()).orElseThrow(), e);
        }
        // each new id once, numbered after the log's 2; the one without reasons gets the node's keep reason
        assertEquals(List.of("new/1 1000005 peer 0 3 [r]", "new/2 1000005 peer 2 4 [test]",
            "new/3 1000005 peer 3 5 [r, s]"), got);
        assertEquals(5, n.log.lastAdded());
        assertEquals(4, n.log.size());
        List<Long> stored = new ArrayList<>();
        for (Entry e : n.log.entries(dev.logmesh.spi.Order.ADDED, true, null)) {
            stored.add(e.meta().added());
        }
        assertEquals(List.of(1L, 3L, 4L, 5L), stored);
    }
}
