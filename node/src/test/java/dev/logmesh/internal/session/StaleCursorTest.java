package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import dev.logmesh.testkit.ManualLoop;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A cursor that cannot be about this log is not trusted (issue 10, fault 6). */
class StaleCursorTest {
    @Test
    void aStockClientWhoseSyncedIsAboveThisLogsEndGetsEverything() {
        ManualLoop loop = new ManualLoop(1_000_000);
        SessionNode n = new SessionNode("n", loop, SessionConfig.defaults("test"));
        n.add("one");
        n.add("two");
        n.add("three");
        TestPair pair = new TestPair(loop);
        n.accept(pair);
        loop.runAll();
        // a stock @logux/core client that synced 5 entries of another log under this id
        pair.right().inject("[\"connect\",5,\"client\",5]");
        loop.runAll();
        List<String> sent = pair.rightSent();
        assertTrue(sent.size() >= 2, sent.toString());
        assertTrue(sent.get(1).startsWith("[\"sync\",3,{\"type\":\"one\"}"), sent.toString());
        assertTrue(sent.get(1).contains("{\"type\":\"three\"}"), sent.toString());
    }

    @Test
    void aDialerWhoseListenerClaimsMoreThanTheDialerHoldsSendsEverything() {
        ManualLoop loop = new ManualLoop(1_000_000);
        SessionNode d = new SessionNode("d", loop, SessionConfig.defaults("test"));
        d.add("mine");
        TestPair pair = new TestPair(loop);
        d.dial(pair, null);
        loop.runAll();
        // the listener kept a cursor of d's log up to 9 (d's store was restored from an older backup)
        pair.left().inject("[\"connected\",5,\"l\",[1000000,1000000],{\"logmesh\":{\"v\":1,\"mesh\":\"test\","
            + "\"synced\":9}}]");
        loop.runAll();
        assertEquals(1, pair.leftSent().stream().filter(f -> f.startsWith("[\"sync\",1,{\"type\":\"mine\"}")).count(),
            pair.leftSent().toString());
    }
}
