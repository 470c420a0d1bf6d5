package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import dev.logmesh.testkit.ManualLoop;
import org.junit.jupiter.api.Test;

/**
 * A stock Logux server that restarts with an empty log under the same node id and adds more actions than the
 * dialer had received before it redials (issue 10, fault 6): the dialer asks from one entry earlier than its
 * cursor and sees the peer's log changed, resets its cursor and exchanges everything again, its own actions
 * included. The test plays the stock server on raw frames.
 */
class StockPeerRestartTest {
    static final String CONNECTED = "[\"connected\",5,\"s\",[1000000,1000000]]";

    @Test
    void aRestartedStockServerIsDetectedByItsFirstEntryAndEverythingIsExchangedAgain() {
        ManualLoop loop = new ManualLoop(1_000_000);
        SessionNode d = new SessionNode("d", loop, SessionConfig.defaults("test"));
        d.add("own");
        // first session: the server sends two entries
        TestPair first = new TestPair(loop);
        d.dial(first, "s");
        loop.runAll();
        first.left().inject(CONNECTED);
        loop.runAll();
        first.left().inject("[\"sync\",2,{\"type\":\"s1\"},{\"id\":\"1000 s 0\",\"time\":0},"
            + "{\"type\":\"s2\"},{\"id\":\"1001 s 0\",\"time\":0}]");
        loop.runAll();
        assertTrue(first.leftSent().contains("[\"synced\",2]"), first.leftSent().toString());
        first.left().close("server stops");
        loop.runAll();
        assertEquals(2, d.log.cursor("s").received());

        // the server restarts empty under the same id and adds 8 actions; the dialer asks from 1, not 2
        TestPair second = new TestPair(loop);
        d.dial(second, "s");
        loop.runAll();
        assertTrue(second.leftSent().get(0).startsWith("[\"connect\",5,\"d\",1,"), second.leftSent().toString());
        second.left().inject(CONNECTED);
        loop.runAll();
        StringBuilder sync = new StringBuilder("[\"sync\",8");
        for (int i = 2; i <= 8; i++) {
            sync.append(",{\"type\":\"new").append(i).append("\"},{\"id\":\"").append(5000 + i).append(" s 0\",\"time\":0}");
        }
        second.left().inject(sync.append(']').toString());
        loop.runAll();
        assertTrue(second.left().isClosed(), "the dialer closes to resync");
        assertEquals(0, d.log.cursor("s").received(), "its cursor of the server's log is reset");
        assertEquals(0, d.log.cursor("s").sent(), "and what the server has of ours: its own actions go again");

        // the next session asks for everything and sends everything
        TestPair third = new TestPair(loop);
        d.dial(third, "s");
        loop.runAll();
        assertTrue(third.leftSent().get(0).startsWith("[\"connect\",5,\"d\",0,"), third.leftSent().toString());
        third.left().inject(CONNECTED);
        loop.runAll();
        assertTrue(third.leftSent().stream().anyMatch(f -> f.startsWith("[\"sync\"") && f.contains("\"own\"")),
            third.leftSent().toString());
    }

    @Test
    void aStockServerThatKeptItsLogResendsOneKnownEntryAndTheSessionGoesOn() {
        ManualLoop loop = new ManualLoop(1_000_000);
        SessionNode d = new SessionNode("d", loop, SessionConfig.defaults("test"));
        TestPair first = new TestPair(loop);
        d.dial(first, "s");
        loop.runAll();
        first.left().inject(CONNECTED);
        first.left().inject("[\"sync\",2,{\"type\":\"s1\"},{\"id\":\"1000 s 0\",\"time\":0},"
            + "{\"type\":\"s2\"},{\"id\":\"1001 s 0\",\"time\":0}]");
        loop.runAll();
        first.left().close("bye");
        loop.runAll();
        TestPair second = new TestPair(loop);
        d.dial(second, "s");
        loop.runAll();
        second.left().inject(CONNECTED);
        second.left().inject("[\"sync\",3,{\"type\":\"s2\"},{\"id\":\"1001 s 0\",\"time\":0},"
            + "{\"type\":\"s3\"},{\"id\":\"1002 s 0\",\"time\":0}]");
        loop.runAll();
        assertTrue(!second.left().isClosed());
        assertEquals(3, d.log.cursor("s").received());
        assertEquals(3, d.log.size());
    }
}
