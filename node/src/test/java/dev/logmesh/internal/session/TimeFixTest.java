package dev.logmesh.internal.session;

import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;

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
    SessionNode listener;
    SessionNode dialer;

    @BeforeEach
    void setUp() {
        loop = new ManualLoop(1_000_000);
        listener = new SessionNode("l", loop, SessionConfig.defaults("test"));
        dialer = new SessionNode("d", loop, SessionConfig.defaults("test"), new MemoryStore("epoch-d"), () -> loop.now() + SKEW);
    }

    @Test
    void dialerAheadGetsTheSkewAsTimeFixAndTimesMoveIntoEachClock() {
        Meta l1 = listener.add("l/1");
        Meta d1 = dialer.add("d/1");
        assertEquals(1_000_000, l1.time());
        assertEquals(1_010_000, d1.time());
        TestPair pair = new TestPair(loop, 10);
        dialer.dial(pair, null);
        listener.accept(pair);
        loop.runAll();
        loop.advance(100);

        assertEquals(SKEW, dialer.hub.session("l").timeFix(), "symmetric latency: exactly the skew");
        assertEquals(0, listener.hub.session("d").timeFix(), "§4: the listener side has no time fix");
        // connected [start, end] are the listener's clock when connect arrived (10 ms later)
        assertEquals("[\"connected\",5,\"l\",[1000010,1000010],{\"logmesh\":{\"v\":1,\"mesh\":\"test\",\"caps\":[\"plumtree\",\"time\"],\"maxFrame\":1048576,\"epoch\":\"epoch-l\",\"instance\":\"" + listener.log.instance() + "\",\"synced\":0}}]",
            pair.takeRight());

        Entry atDialer = dialer.log.byId(l1.id()).orElseThrow();
        assertEquals(l1.id(), atDialer.id(), "ids never change");
        assertEquals(l1.time() + SKEW, atDialer.meta().time(), "the listener's action in the dialer's clock");

        Entry atListener = listener.log.byId(d1.id()).orElseThrow();
        assertEquals(d1.id(), atListener.id(), "ids never change");
        assertEquals(d1.time() - SKEW, atListener.meta().time(), "the dialer's action in the listener's clock");
        // on the wire: time - timeFix - baseTime (baseTime = 1000010, the listener's clock)
        assertEquals("[\"connect\",5,\"d\",0,{\"logmesh\":{\"v\":1,\"mesh\":\"test\",\"caps\":[\"plumtree\",\"time\"],\"maxFrame\":1048576,\"epoch\":\"epoch-d\",\"instance\":\"" + dialer.log.instance() + "\"}}]",
            pair.takeLeft());
        assertEquals("[\"sync\",1,{\"type\":\"d/1\"},{\"id\":9990,\"time\":-10,\"reasons\":[\"test\"]}]",
            pair.takeLeft());
        // the listener sends its own clock's values, shifted by baseTime only
        assertEquals("[\"sync\",1,{\"type\":\"l/1\"},{\"id\":-10,\"time\":-10,\"reasons\":[\"test\"]}]",
            pair.takeRight());
        assertEquals("[\"synced\",1]", pair.takeLeft());
        assertEquals("[\"synced\",1]", pair.takeRight());
        pair.assertExhausted();
    }

    @Test
    void dialerBehindGetsANegativeTimeFix() {
        dialer = new SessionNode("d2", loop, SessionConfig.defaults("test"), new MemoryStore("epoch-d2"), () -> loop.now() - SKEW);
        Meta l1 = listener.add("l/1");
        TestPair pair = new TestPair(loop, 25);
        dialer.dial(pair, null);
        listener.accept(pair);
        loop.advance(200);
        assertEquals(-SKEW, dialer.hub.session("l").timeFix());
        assertEquals(l1.time() - SKEW, dialer.log.byId(l1.id()).orElseThrow().meta().time());
    }

    @Test
    void sameClocksGiveNoTimeFixWhateverTheLatency() {
        dialer = new SessionNode("d3", loop, SessionConfig.defaults("test"));
        TestPair pair = new TestPair(loop, 40);
        dialer.dial(pair, null);
        listener.accept(pair);
        loop.advance(200);
        assertEquals(0, dialer.hub.session("l").timeFix());
    }
}
