package dev.logmesh.internal.session;

import dev.logmesh.testkit.LocalPair;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.testkit.ManualLoop;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Logux's time fix (§4): the dialer computes {@code timeFix ≈ its clock − the listener's clock} from the
 * {@code connected} times; {@code meta.time} is shifted into the receiver's clock on the wire, ids are never
 * rewritten. One manual loop drives both nodes; the dialer's log reads a clock 10 s ahead.
 */
class TimeFixTest {
    static final long SKEW = 10_000;

    ManualLoop loop;
    TestNode listener;
    TestNode dialer;

    @BeforeEach
    void setUp() {
        loop = new ManualLoop(1_000_000);
        listener = new TestNode("l", loop, SessionConfig.defaults("test"));
        dialer = new TestNode("d", loop, SessionConfig.defaults("test"), new MemoryStore(), () -> loop.now() + SKEW);
    }

    @Test
    void dialerAheadGetsTheSkewAsTimeFixAndTimesMoveIntoEachClock() {
        Meta l1 = listener.add("l/1");
        Meta d1 = dialer.add("d/1");
        assertEquals(1_000_000, l1.time());
        assertEquals(1_010_000, d1.time());
        LocalPair pair = new LocalPair(loop, 10);
        dialer.hub.open(pair.left(), SyncSession.Role.DIALER, null, null);
        listener.hub.open(pair.right(), SyncSession.Role.LISTENER, null, null);
        loop.runAll();
        loop.advance(100);

        assertEquals(SKEW, dialer.hub.session("l").timeFix(), "symmetric latency: exactly the skew");
        assertEquals(0, listener.hub.session("d").timeFix(), "§4: the listener side has no time fix");
        // connected [start, end] are the listener's clock when connect arrived (10 ms later)
        assertEquals("[\"connected\",5,\"l\",[1000010,1000010],{\"logmesh\":{\"v\":1,\"mesh\":\"test\",\"caps\":[\"plumtree\",\"time\"],\"synced\":0}}]",
            pair.rightSent().get(0));

        Entry atDialer = dialer.log.byId(l1.id()).orElseThrow();
        assertEquals(l1.id(), atDialer.id(), "ids never change");
        assertEquals(l1.time() + SKEW, atDialer.meta().time(), "the listener's action in the dialer's clock");

        Entry atListener = listener.log.byId(d1.id()).orElseThrow();
        assertEquals(d1.id(), atListener.id(), "ids never change");
        assertEquals(d1.time() - SKEW, atListener.meta().time(), "the dialer's action in the listener's clock");
        // on the wire: time - timeFix - baseTime (baseTime = 1000010, the listener's clock)
        assertEquals("[\"sync\",1,{\"type\":\"d/1\"},{\"id\":9990,\"time\":-10,\"reasons\":[\"test\"]}]",
            pair.leftSent().get(1));
    }

    @Test
    void dialerBehindGetsANegativeTimeFix() {
        dialer = new TestNode("d2", loop, SessionConfig.defaults("test"), new MemoryStore(), () -> loop.now() - SKEW);
        Meta l1 = listener.add("l/1");
        LocalPair pair = new LocalPair(loop, 25);
        dialer.hub.open(pair.left(), SyncSession.Role.DIALER, null, null);
        listener.hub.open(pair.right(), SyncSession.Role.LISTENER, null, null);
        loop.advance(200);
        assertEquals(-SKEW, dialer.hub.session("l").timeFix());
        assertEquals(l1.time() - SKEW, dialer.log.byId(l1.id()).orElseThrow().meta().time());
    }

    @Test
    void sameClocksGiveNoTimeFixWhateverTheLatency() {
        dialer = new TestNode("d3", loop, SessionConfig.defaults("test"));
        LocalPair pair = new LocalPair(loop, 40);
        dialer.hub.open(pair.left(), SyncSession.Role.DIALER, null, null);
        listener.hub.open(pair.right(), SyncSession.Role.LISTENER, null, null);
        loop.advance(200);
        assertEquals(0, dialer.hub.session("l").timeFix());
    }
}
