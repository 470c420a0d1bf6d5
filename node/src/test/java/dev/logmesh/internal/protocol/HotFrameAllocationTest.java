package dev.logmesh.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.logmesh.internal.log.Interner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
    void aSyncedIsTheSameBytesAsJacksonWrites() throws IOException, ProtocolError {
        long[] values = {0, 1, 9, 10, 11, 99, 100, 101, 12_345, 9_007_199_254_740_991L, 999_999_999_999_999_999L,
            Long.MAX_VALUE, -1, -10, -9_007_199_254_740_991L, Long.MIN_VALUE + 1, Long.MIN_VALUE};
        for (long v : values) {
            ByteArrayOutputStream jackson = new ByteArrayOutputStream();
            try (JsonGenerator g = new JsonFactory().createGenerator(jackson, JsonEncoding.UTF8)) {
                g.writeStartArray();
                g.writeString("synced");
                g.writeNumber(v);
                g.writeEndArray();
            }
            ByteArrayOutputStream ours = new ByteArrayOutputStream();
            MessageCodec.encode(new Message.Synced(v), ours);
            assertArrayEquals(jackson.toByteArray(), ours.toByteArray(), "synced " + v);
            if (v >= 0 && v <= 9_007_199_254_740_991L) { // a decoder takes what JavaScript's numbers hold exactly
                assertEquals(new Message.Synced(v), new MessageCodec().decode(ours.toString(StandardCharsets.UTF_8)),
                    "synced " + v + " reads back");
            }
        }
    }

    @Test
    void encodingASyncedAllocatesNothing() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        Message.Synced synced = new Message.Synced(1_234_567);
        long fewest = Long.MAX_VALUE;
        for (int i = 0; i < 200; i++) {
            out.reset();
            long before = THREADS.getCurrentThreadAllocatedBytes();
            MessageCodec.encode(synced, out);
            fewest = Math.min(fewest, THREADS.getCurrentThreadAllocatedBytes() - before);
        }
        // a generator per frame allocated ~300 bytes here before (its context, its write contexts)
        assertTrue(fewest < 32, "encoding a synced allocated " + fewest + " bytes");
        assertEquals("[\"synced\",1234567]", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void framesEncodedOneAfterAnotherEachGetTheirOwnBytes() throws IOException, ProtocolError {
        MessageCodec codec = new MessageCodec();
        Message sync = codec.decode(new String(ONE_ENTRY, StandardCharsets.UTF_8));
        com.fasterxml.jackson.databind.node.ObjectNode deep =
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        com.fasterxml.jackson.databind.node.ObjectNode inner = deep;
        for (int i = 0; i < 2_000; i++) { // deeper than a frame may be written: its encoding fails half-way
            inner = inner.putObject("a");
        }
        Message tooDeep = new Message.Headers(deep);
        for (int round = 0; round < 3; round++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            MessageCodec.encode(sync, out);
            assertArrayEquals(ONE_ENTRY, out.toByteArray(), "round " + round + ": the frame's bytes, nothing else");
            assertEquals("[\"synced\",41]", MessageCodec.encode(new Message.Synced(41)));
            ByteArrayOutputStream failed = new ByteArrayOutputStream();
            org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> MessageCodec.encode(tooDeep, failed));
            assertEquals("[\"headers\",{\"b\":1}]", MessageCodec.encode(new Message.Headers(
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("b", 1))),
                "round " + round + ": nothing of the failed frame before it");
        }
    }

    @Test
    void encodingAOneEntrySyncMakesNoGeneratorOfItsOwn() throws IOException, ProtocolError {
        Message sync = new MessageCodec().decode(new String(ONE_ENTRY, StandardCharsets.UTF_8));
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        long fewest = Long.MAX_VALUE;
        for (int i = 0; i < 200; i++) {
            out.reset();
            long before = THREADS.getCurrentThreadAllocatedBytes();
            MessageCodec.encode(sync, out);
            fewest = Math.min(fewest, THREADS.getCurrentThreadAllocatedBytes() - before);
        }
        assertTrue(fewest <= SYNC_BYTES, "encoding a one-entry sync allocated " + fewest + " bytes");
        assertArrayEquals(ONE_ENTRY, out.toByteArray());
    }

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

    /** What encoding {@link #ONE_ENTRY} allocates, with a little room: 104 bytes measured, 496 before session 46. */
    private static final long SYNC_BYTES = 128;
}
