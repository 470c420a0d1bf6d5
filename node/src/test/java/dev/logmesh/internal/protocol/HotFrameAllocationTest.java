package dev.logmesh.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.log.Interner;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The two frames of every sequential round trip of a sync (one {@code sync} of one entry out, its {@code synced}
 * back) cost the node's loop as little allocation as their content needs (issue 12, the memory rtt; session 46's JFR:
 * a Jackson generator and its write contexts per encoded frame, a {@code char[64]} per scanned frame). Each case
 * takes the fewest bytes of 200 tries, so the JIT's first, interpreted calls do not count.
 */
class HotFrameAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** The one-entry {@code sync} of a round trip, as {@code SyncBench rtt} sends it. */
    private static final byte[] ONE_ENTRY = ("[\"sync\",41,{\"type\":\"bench/bulk\",\"i\":40},{\"id\":[1764600000000,"
        + "\"rtt-a\",0],\"time\":1764600000000,\"reasons\":[\"bench\"]}]").getBytes(StandardCharsets.UTF_8);

    @Test
    void scanningASyncCopiesNoStringIntoABufferOfItsOwn() {
        Interner interner = new Interner();
        long fewest = Long.MAX_VALUE;
        for (int i = 0; i < 200; i++) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            Message.Sync sync = SyncScanner.scan(ONE_ENTRY, 0, ONE_ENTRY.length, interner);
            fewest = Math.min(fewest, THREADS.getCurrentThreadAllocatedBytes() - before);
            assertNotNull(sync);
        }
        // the message itself (the sync, its entry, action, its text, meta, id) and the scanner: a char[64] of the
        // scanner's own (144 bytes) came on top before
        assertTrue(fewest <= SCAN_BYTES, "scanning a one-entry sync allocated " + fewest + " bytes");
    }

    /**
     * What the scan of {@link #ONE_ENTRY} allocates, with a little room: 424 bytes measured (JDK 17, compressed oops),
     * 568 before session 46.
     */
    private static final long SCAN_BYTES = 448;
}
