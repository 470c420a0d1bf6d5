package dev.logmesh.internal.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link FrameLimit}: its header reader on frames split at every byte boundary (7, 16 and 64-bit lengths, masked and
 * not, a message in continuation frames with control frames between them), and the handler ahead of Netty's decoder.
 */
class FrameLimitHeadersTest {
    private static final int TEXT = 1;
    private static final int CONTINUATION = 0;
    private static final int PING = 9;
    private static final int PONG = 10;

    /** One frame as RFC 6455 §5.2 lays it out, with a random payload (masked with a random key if asked). */
    static byte[] frame(boolean fin, int opcode, boolean masked, int length, Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | opcode);
        int mask = masked ? 0x80 : 0;
        if (length < 126) {
            out.write(mask | length);
        } else if (length <= 0xFFFF) {
            out.write(mask | 126);
            out.write(length >>> 8);
            out.write(length & 0xFF);
        } else {
            out.write(mask | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) ((long) length >>> shift) & 0xFF);
            }
        }
        if (masked) {
            byte[] key = new byte[4];
            random.nextBytes(key);
            out.writeBytes(key);
        }
        byte[] payload = new byte[length];
        random.nextBytes(payload);
        out.writeBytes(payload);
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Scans {@code stream} cut at {@code cuts} (each a buffer of its own): the stream offset it stops at, or -1. */
    static int scanCut(byte[] stream, long limit, int... cuts) {
        FrameLimit.Headers h = new FrameLimit.Headers();
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : stream.length;
            // a buffer whose reader index is not 0, as a channel's may be
            ByteBuf b = Unpooled.buffer(to - from + 3);
            b.writeBytes(new byte[3]).readerIndex(3);
            b.writeBytes(stream, from, to - from);
            int end = h.scan(b, limit);
            if (end >= 0) {
                return from + end - 3;
            }
            from = to;
        }
        assertTrue(h.betweenFrames(), "every frame read to its end");
        return -1;
    }

    /** Frames of every length form, masked and not, and a message of 3 continuation frames with pings between. */
    static byte[] mixedStream(Random random) {
        return concat(
            frame(true, TEXT, true, 100, random),
            frame(true, TEXT, false, 125, random),
            frame(true, TEXT, true, 126, random),
            frame(true, TEXT, false, 300, random),
            frame(true, TEXT, true, 0, random),
            frame(true, PING, true, 5, random),
            frame(false, TEXT, true, 1000, random),
            frame(true, PING, true, 0, random),
            frame(false, CONTINUATION, true, 1000, random),
            frame(true, PONG, false, 4, random),
            frame(true, CONTINUATION, true, 1000, random),
            frame(true, TEXT, true, 70_000, random),
            frame(true, TEXT, false, 66_000, random));
    }

    @Test
    void framesWithinTheLimitAreReadToTheirEndsAtEverySplit() {
        byte[] stream = mixedStream(new Random(1));
        for (int cut = 0; cut <= stream.length; cut += cut < 4000 ? 1 : 97) {
            assertEquals(-1, scanCut(stream, 70_000, cut), "cut at " + cut);
        }
        int[] everyByte = new int[stream.length - 1];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i + 1;
        }
        assertEquals(-1, scanCut(stream, 70_000, everyByte), "a byte at a time");
    }

    @Test
    void aMessageIsTheSumOfItsContinuationFramesWithoutTheControlFramesBetween() {
        Random random = new Random(2);
        byte[] first = frame(false, TEXT, true, 1000, random);
        byte[] ping = frame(true, PING, true, 100, random);
        byte[] second = frame(false, CONTINUATION, true, 1000, random);
        byte[] last = frame(true, CONTINUATION, true, 1000, random);
        byte[] stream = concat(first, ping, second, ping, last, frame(true, TEXT, true, 3000, random));
        assertEquals(-1, scanCut(stream, 3000));
        // at 2999 the message is over once the last frame's length is read: its second byte and 2 of its length, ...
        int lastLength = first.length + ping.length + second.length + ping.length + 2 + 2;
        for (int cut = 0; cut <= stream.length; cut++) {
            assertEquals(lastLength, scanCut(stream, 2999, cut), "cut at " + cut);
        }
        // ... and a frame alone may be at the limit
        assertEquals(-1, scanCut(concat(frame(true, TEXT, false, 1000, random)), 1000));
    }

    @Test
    void aFrameOverTheLimitIsFoundWhereItsLengthEndsAtEverySplit() {
        Random random = new Random(3);
        byte[] small = frame(true, TEXT, true, 50, random);
        for (int length : new int[] {120, 4000, 70_000}) {
            byte[] big = frame(true, TEXT, true, length, random);
            byte[] stream = concat(small, big, small);
            int headerBytes = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
            for (int cut = 0; cut <= stream.length; cut += cut < 400 ? 1 : 53) {
                assertEquals(small.length + headerBytes, scanCut(stream, length - 1, cut), length + ", cut at " + cut);
            }
            assertEquals(-1, scanCut(stream, length));
        }
    }

    @Test
    void aControlFrameOverTheLimitAndA64BitLengthWithItsTopBitAreOver() {
        Random random = new Random(4);
        assertEquals(2, scanCut(frame(true, PING, true, 120, random), 100));
        byte[] huge = {(byte) 0x81, (byte) 0xFF, (byte) 0x80, 0, 0, 0, 0, 0, 0, 1};
        for (int cut = 0; cut <= huge.length; cut++) {
            assertEquals(10, scanCut(huge, Integer.MAX_VALUE, cut));
        }
        FrameLimit.Headers h = new FrameLimit.Headers();
        h.scan(Unpooled.wrappedBuffer(huge), 100);
        assertTrue(h.overBy().contains("2^63"), h.overBy());
    }

    /** Netty's decoder behind the handler, built for a ceiling far above the handler's limit. */
    static EmbeddedChannel channel(FrameLimit limit) {
        return new EmbeddedChannel(limit, new WebSocket08FrameDecoder(WebSocketDecoderConfig.newBuilder()
            .maxFramePayloadLength(1 << 20).expectMaskedFrames(true).allowExtensions(false).build()),
            new WebSocketFrameAggregator(1 << 20));
    }

    static byte[] text(String s, boolean masked) {
        byte[] payload = s.getBytes(StandardCharsets.UTF_8);
        byte[] f = frame(true, TEXT, masked, payload.length, new Random(5));
        int start = f.length - payload.length;
        // the key is at the 4 bytes before the payload
        for (int i = 0; i < payload.length; i++) {
            f[start + i] = (byte) (payload[i] ^ (masked ? f[start - 4 + i % 4] : 0));
        }
        return f;
    }

    @Test
    void theHandlerPassesFramesWithinTheLimitAndRefusesTheFirstOverItThenDropsEverything() {
        FrameLimit limit = new FrameLimit(1024);
        EmbeddedChannel ch = channel(limit);
        byte[] small = text("[\"ping\",1]", true);
        byte[] big = text("x".repeat(2000), true);
        TooLongFrameException e = assertThrows(TooLongFrameException.class,
            () -> ch.writeInbound(Unpooled.wrappedBuffer(concat(small, big, small))));
        TextWebSocketFrame first = assertInstanceOf(TextWebSocketFrame.class, ch.readInbound());
        assertEquals("[\"ping\",1]", first.text());
        first.release();
        assertTrue(e.getMessage().startsWith("frame over the limit of 1024 bytes"), e.getMessage());
        ch.writeInbound(Unpooled.wrappedBuffer(small));
        Object after = ch.readInbound();
        assertNull(after, "nothing after the frame over the limit");
        assertFalse(ch.finishAndReleaseAll());
    }

    /**
     * Links sharing a {@link FrameBudget}: a message over the first limit takes its bytes from the header on, a frame
     * the budget cannot cover is refused as {@link FrameLimit.BudgetSpent} (within the raised limit), and the bytes
     * come back when the message is handled or the link closes; frames within the first limit never count.
     */
    @Test
    void messagesOverTheFirstLimitShareTheBudgetUntilHandledOrClosed() {
        FrameBudget budget = new FrameBudget(5000);
        FrameLimit a = new FrameLimit(1024, budget);
        FrameLimit b = new FrameLimit(1024, budget);
        a.raise(4096);
        b.raise(4096);
        EmbeddedChannel chA = channel(a);
        EmbeddedChannel chB = channel(b);
        chB.writeInbound(Unpooled.wrappedBuffer(text("s".repeat(1000), true)));
        ((TextWebSocketFrame) chB.readInbound()).release();
        assertEquals(5000, budget.left(), "a frame within the first limit takes nothing");
        chA.writeInbound(Unpooled.wrappedBuffer(text("a".repeat(3000), true)));
        TextWebSocketFrame fa = assertInstanceOf(TextWebSocketFrame.class, chA.readInbound());
        assertEquals(2000, budget.left());
        assertEquals(3000, a.held());
        FrameLimit.BudgetSpent e = assertThrows(FrameLimit.BudgetSpent.class,
            () -> chB.writeInbound(Unpooled.wrappedBuffer(text("b".repeat(3000), true))));
        assertTrue(e.getMessage().startsWith("the node is reading too many large client frames (a budget of 5000 "
            + "bytes for frames over 1024 bytes)"), e.getMessage());
        assertNull(chB.readInbound());
        a.handled(fa.content().readableBytes());
        fa.release();
        assertEquals(5000, budget.left());
        FrameLimit c = new FrameLimit(1024, budget);
        c.raise(4096);
        EmbeddedChannel chC = channel(c);
        chC.writeInbound(Unpooled.wrappedBuffer(text("c".repeat(3000), true)));
        assertEquals(2000, budget.left());
        chC.finishAndReleaseAll();
        assertEquals(5000, budget.left(), "a closed link gives back what it held");
        chA.finishAndReleaseAll();
        chB.finishAndReleaseAll();
    }

    @Test
    void aRaisedLimitHoldsFromTheNextHeaderAndNeverLowers() {
        FrameLimit limit = new FrameLimit(1024);
        EmbeddedChannel ch = channel(limit);
        limit.raise(4096);
        limit.raise(2048);
        assertEquals(4096, limit.limit());
        ch.writeInbound(Unpooled.wrappedBuffer(text("y".repeat(3000), true)));
        TextWebSocketFrame f = assertInstanceOf(TextWebSocketFrame.class, ch.readInbound());
        assertEquals(3000, f.content().readableBytes());
        f.release();
        ch.checkException();
        TooLongFrameException e = assertThrows(TooLongFrameException.class,
            () -> ch.writeInbound(Unpooled.wrappedBuffer(text("z".repeat(5000), true))));
        assertTrue(e.getMessage().startsWith("frame over the limit of 4096 bytes"), e.getMessage());
        ch.finishAndReleaseAll();
    }

    @Test
    void beforeTheUpgradeNothingIsRead() {
        FrameLimit limit = new FrameLimit(1024);
        EmbeddedChannel ch = new EmbeddedChannel(limit);
        // no frame decoder yet: the bytes (an HTTP request, here any) pass untouched, whatever they would mean
        byte[] looksLikeAHugeFrame = {(byte) 0x81, (byte) 0xFF, 0, 0, 0, 0, 0x7F, 0, 0, 0};
        ch.writeInbound(Unpooled.wrappedBuffer(looksLikeAHugeFrame));
        ByteBuf passed = ch.readInbound();
        assertEquals(10, passed.readableBytes());
        passed.release();
        ch.checkException();
        assertFalse(ch.finishAndReleaseAll());
    }
    /**
     * An HTTP handshake's stand-in: the first bytes it gets (the request, or the 101 answer) must end where the
     * header lines end; it then puts Netty's frame decoder and aggregator in its place, as the handshake does.
     */
    static final class Upgrade extends io.netty.channel.ChannelInboundHandlerAdapter {
        final StringBuilder head = new StringBuilder();

        @Override
        public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            String bytes = b.toString(StandardCharsets.US_ASCII);
            b.release();
            int end = bytes.indexOf("\r\n\r\n");
            assertTrue(end < 0 || end + 4 == bytes.length(), "bytes after the head reached the HTTP decoder: " + bytes);
            head.append(bytes);
            if (end < 0 && !head.toString().endsWith("\r\n\r\n")) {
                return;
            }
            ctx.pipeline().addAfter(ctx.name(), "agg", new WebSocketFrameAggregator(1 << 20));
            ctx.pipeline().replace(this, "ws", new WebSocket08FrameDecoder(WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(1 << 20).expectMaskedFrames(false).allowExtensions(false).build()));
        }
    }

    /**
     * Frames that come in the same read as the end of the HTTP exchange: on an accepted link (a client's frames
     * before the 101, RFC 6455 §4.1) refused without being read; on a dialed link (a server's frames right after its
     * 101) read under the limit like every later frame: one within it arrives, one over it is refused.
     */
    @Test
    void framesInTheSameReadAsTheHandshakeAreRefusedWhenAcceptedAndReadWhenDialed() {
        byte[] head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
        byte[] small = text("[\"connected\"]", false);
        byte[] big = text("x".repeat(2000), false);

        Upgrade accepted = new Upgrade();
        EmbeddedChannel a = new EmbeddedChannel(new FrameLimit(1024), accepted);
        assertThrows(io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException.class,
            () -> a.writeInbound(Unpooled.wrappedBuffer(concat(head, small))));
        assertEquals(new String(head, StandardCharsets.US_ASCII), accepted.head.toString());
        assertNull(a.readInbound(), "no frame read on the accepted link");
        a.finishAndReleaseAll();

        for (int cut = 0; cut <= head.length + small.length; cut++) {
            byte[] all = concat(head, small, big);
            Upgrade dialed = new Upgrade();
            EmbeddedChannel d = new EmbeddedChannel(new FrameLimit(1024, true), dialed);
            int at = cut;
            TooLongFrameException e = assertThrows(TooLongFrameException.class, () -> {
                d.writeInbound(Unpooled.wrappedBuffer(all, 0, at));
                d.writeInbound(Unpooled.wrappedBuffer(all, at, all.length - at));
            }, "cut at " + cut);
            assertTrue(e.getMessage().startsWith("frame over the limit of 1024 bytes"), e.getMessage());
            assertEquals(new String(head, StandardCharsets.US_ASCII), dialed.head.toString(), "cut at " + cut);
            TextWebSocketFrame f = assertInstanceOf(TextWebSocketFrame.class, d.readInbound(), "cut at " + cut);
            assertEquals("[\"connected\"]", f.text());
            f.release();
            d.finishAndReleaseAll();
        }
    }

    /**
     * {@link FrameLimit.RequestEnd} finds the end of each request's header lines (CR LF CR LF, also after a lone
     * CR and after CR LF CR CR) in a stream split at every byte boundary, and nowhere else.
     */
    @Test
    void theRequestEndIsFoundAtEverySplit() {
        String two = "GET / HTTP/1.1\r\nX: a\r\r\nY: \r\n\r\r\n\r\nGET /b HTTP/1.1\r\n\r\nrest";
        byte[] bytes = two.getBytes(StandardCharsets.US_ASCII);
        int first = two.indexOf("\r\n\r\n") + 4;
        int second = two.indexOf("\r\n\r\n", first) + 4;
        for (int split = 0; split <= bytes.length; split++) {
            FrameLimit.RequestEnd end = new FrameLimit.RequestEnd();
            List<Integer> found = new ArrayList<>();
            for (int[] part : new int[][] {{0, split}, {split, bytes.length}}) {
                ByteBuf b = Unpooled.wrappedBuffer(bytes, part[0], part[1] - part[0]);
                int at;
                while ((at = end.scan(b)) >= 0) {
                    found.add(part[0] + at);
                    b.readerIndex(at);
                }
            }
            assertEquals(List.of(first, second), found, "split at " + split);
        }
    }
}
