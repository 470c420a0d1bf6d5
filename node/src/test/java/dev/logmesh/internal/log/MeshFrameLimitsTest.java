package dev.logmesh.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The table of the mesh's smaller frame limits: what is kept, raised, expired, and read back. */
class MeshFrameLimitsTest {
    static final long DAY = 86_400_000L;

    @Test
    void theSmallestCountsARaiseRemovesAndTheHorizonExpires() {
        MeshFrameLimits t = new MeshFrameLimits(1_048_576);
        assertFalse(t.seen("big", 2_000_000, 0, 0), "a larger limit is not kept");
        assertTrue(t.seen("c", 65_536, 0, 0));
        assertTrue(t.seen("d", 131_072, 0, 0));
        assertEquals(65_536, t.smallest());
        assertEquals("c", t.smallestNode());
        assertFalse(t.seen("c", 65_536, DAY, 0), "a refresh alone is no change");
        assertTrue(t.seen("c", 1_048_576, DAY, 0), "c came back with this node's limit");
        assertEquals(131_072, t.smallest());
        assertEquals(java.util.List.of(), t.expire(7 * DAY));
        assertEquals(java.util.List.of("d"), t.expire(7 * DAY + 1), "d not seen for 7 days");
        assertEquals(0, t.smallest());
        assertNull(t.smallestNode());
    }

    @Test
    void aKeptValueReadsBackAndSession38sOneLineToo() {
        MeshFrameLimits t = new MeshFrameLimits(1_048_576);
        t.seen("c", 65_536, 1_000, 0);
        t.seen("m", 4_096, 2_000, 15_000);
        MeshFrameLimits back = MeshFrameLimits.decode(t.encode(), 1_048_576, 10_000);
        assertEquals(t.nodes(), back.nodes());
        assertEquals("m", back.smallestNode());
        assertEquals("c", MeshFrameLimits.decode(t.encode(), 1_048_576, 20_000).smallestNode(), "m's 15 s are over");
        MeshFrameLimits old = MeshFrameLimits.decode("65536 small:Q3b", 1_048_576, 5);
        assertEquals(65_536, old.smallest());
        assertEquals(new MeshFrameLimits.Known(65_536, 5, MeshFrameLimits.HORIZON_MILLIS), old.nodes().get("small:Q3b"));
        assertEquals(0, MeshFrameLimits.decode("nonsense\n12 \n-1 x 0", 1_048_576, 0).smallest());
        assertEquals(0, MeshFrameLimits.decode("65536 c 0", 65_536, 0).smallest(), "not smaller than this node's");
    }
}
