package dev.logmesh.internal.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A frame size limit of a link that can be raised ({@link #raise}: an accepted link whose session becomes a Logux
 * client's) or lowered ({@link #lower}: a dialed link whose peer is a mesh node) while the link is open, which
 * Netty's WebSocket decoder cannot do (its {@code maxFramePayloadLength} is fixed when the pipeline is built, before
 * the node knows whether the peer is a Logux client, a Logux server or a mesh peer). The decoder and aggregator are
 * built with the largest limit a link may get (the client frame limit); this handler, ahead of them (after TLS), reads only the WebSocket frame headers
 * (RFC 6455 §5.2: FIN and opcode, the 7, 16 or 64-bit payload length, the mask key) as the bytes pass, copies
 * nothing, and refuses a frame whose payload, or a message whose frames' payloads summed (a text or binary frame and
 * its continuation frames), is over {@link #limit()}: it fires a {@link TooLongFrameException} (which
 * {@link NettyConnection#frameErrors()} turns into {@code wrong-format} "frame over the limit of N bytes" and a
 * close) and drops every later byte, so the decoder never holds more than the limit of a frame.
 *
 * <p>It reads frame headers from the first read after the WebSocket upgrade has put a {@link WebSocketFrameDecoder}
 * in the pipeline: from then on it sees the bytes that decoder sees. Before that it finds the end of the upgrade
 * request (the 101 answer on a dialed link), and refuses (reads, on a dialed link) bytes that follow it in the same
 * read ({@link #beforeTheUpgrade}). The limit is a volatile field, changed from the node's loop; everything else runs
 * on the channel's event loop. Control frames (ping, pong, close) count alone, never in a message.
 *
 * <p>With a {@link FrameBudget} (a node's accepted links share one), a data message that its frame headers bring over
 * the link's first limit (the frame limit) takes its bytes from the budget as they are announced; if the budget has
 * not that many left, the frame is refused as one over the limit, with {@link BudgetSpent}. The bytes are given back
 * when the node has handled the message ({@link #handled}) or the link closes.
 */
final class FrameLimit extends ChannelInboundHandlerAdapter {
    private volatile int limit;
    /** The limit the link started with (the frame limit): messages up to it never take from {@link #budget}. */
    private final int base;
    /** The node's budget for messages over {@link #base}, or null (no bound but {@link #limit}). */
    private final FrameBudget budget;
    /** Bytes this link holds of {@link #budget}: taken on the event loop, given back from any thread. */
    private final AtomicLong held = new AtomicLong();
    private final Headers headers = new Headers(this::take);
    private final RequestEnd requestEnd = new RequestEnd();
    /** Whether the frame decoder is in the pipeline (frames are read from now on); event loop only. */
    private boolean armed;
    /** Whether a frame was over the limit (every later byte is dropped); event loop only. */
    private boolean over;

    /** Whether this link was dialed (it reads the server's 101 answer, not a client's request); fixed. */
    private final boolean dialed;

    /**
     * An accepted link's limit.
     *
     * @param limit the largest frame payload, and message, taken for now, in bytes
     */
    FrameLimit(int limit) {
        this(limit, null, false);
    }

    /**
     * A link's limit, without a budget.
     *
     * @param limit  the largest frame payload, and message, taken for now, in bytes
     * @param dialed whether the link was dialed: frames that follow the server's 101 answer in the same read are
     *               read (a server may send them at once); on an accepted link such frames are refused
     */
    FrameLimit(int limit, boolean dialed) {
        this(limit, null, dialed);
    }

    /**
     * An accepted link's limit, with the node's budget.
     *
     * @param limit the largest frame payload, and message, taken for now, in bytes
     * @param budget the node's budget for messages over {@code limit} (the raised limit's), or null for none
     */
    FrameLimit(int limit, FrameBudget budget) {
        this(limit, budget, false);
    }

    /**
     * A link's limit.
     *
     * @param limit  the largest frame payload, and message, taken for now, in bytes
     * @param budget the node's budget for messages over {@code limit} (the raised limit's), or null for none
     * @param dialed whether the link was dialed (see {@link #FrameLimit(int, boolean)})
     */
    FrameLimit(int limit, FrameBudget budget, boolean dialed) {
        this.limit = limit;
        this.base = limit;
        this.budget = budget;
        this.dialed = dialed;
    }

    /**
     * A message of {@code before} payload bytes so far (0: a new one) grows to {@code total}: takes from the budget
     * what it needs once over {@link #base}. Event loop. @return false if the budget has not that many bytes left
     */
    private boolean take(long before, long total) {
        if (budget == null || total <= base) {
            return true;
        }
        long need = before > base ? total - before : total;
        if (!budget.take(need)) {
            return false;
        }
        held.addAndGet(need);
        return true;
    }

    /**
     * The node has handled (or refused) a data message of {@code bytes} payload bytes read on this link: gives back
     * what it took of the budget. Messages are handled in the order they were read, so a message over {@link #base}
     * took exactly its size. Any thread.
     */
    void handled(long bytes) {
        if (budget == null || bytes <= base) {
            return;
        }
        giveBack(bytes);
    }

    /** Gives back up to {@code bytes} of what this link holds. */
    private void giveBack(long bytes) {
        long h;
        long n;
        do {
            h = held.get();
            n = Math.min(h, bytes);
            if (n == 0) {
                return;
            }
        } while (!held.compareAndSet(h, h - n));
        budget.give(n);
    }

    /** Bytes of the budget this link holds now (for tests). */
    long held() {
        return held.get();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (budget != null) {
            giveBack(Long.MAX_VALUE);
        }
        super.channelInactive(ctx);
    }

    /** The limit now, in bytes; any thread. */
    int limit() {
        return limit;
    }

    /** Takes frames up to {@code bytes} from the next frame header read on (never lowers the limit); any thread. */
    void raise(int bytes) {
        if (bytes > limit) {
            limit = bytes;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf b)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (over) {
            b.release();
            return;
        }
        if (!armed) {
            if (ctx.pipeline().get(WebSocketFrameDecoder.class) == null) {
                beforeTheUpgrade(ctx, b);
                return;
            }
            armed = true;
        }
        int max = limit;
        int end = headers.scan(b, max);
        if (end < 0) {
            ctx.fireChannelRead(b);
            return;
        }
        over = true;
        // the frames before the one over the limit go on (as Netty's decoder decodes what came before a bad frame)
        int keep = end - b.readerIndex();
        if (keep > 0) {
            ctx.fireChannelRead(b.retainedSlice(b.readerIndex(), keep));
        }
        b.release();
        ctx.fireExceptionCaught(headers.budgetSpent()
            ? new BudgetSpent("the node is reading too many large client frames (a budget of " + budget.bytes()
                + " bytes for frames over " + base + " bytes): send it again later; " + headers.overBy())
            : new TooLongFrameException("frame over the limit of " + max + " bytes: " + headers.overBy()));
    }

    /**
     * Bytes before the frame decoder is in the pipeline: the HTTP upgrade request (or, on a dialed link, the server's
     * 101 answer, whose frames that follow in the same read are read from their headers on, as every later one). A
     * request's end (the blank line after its header lines; an upgrade request has no body) is found here, and the
     * bytes up to it go on alone, so the upgrade happens before anything after them is read. On an accepted link,
     * bytes that follow the request in the same read, once it has made the link a WebSocket, are frames the client
     * sent before the server's 101 answer, which RFC 6455
     * §4.1 forbids ("the client MUST wait for a response from the server before sending any further data"). They
     * are refused ({@code wrong-format} "broken WebSocket frame: ..." and a close), not read: Netty's HTTP decoder
     * would hand them on past the frame decoder, and this handler would not have read their headers (before session
     * 26 they reached the frame decoder out of step, and a connection that had not logged in could have one frame
     * read under the client frame limit). Event loop.
     */
    private void beforeTheUpgrade(ChannelHandlerContext ctx, ByteBuf b) {
        int end = requestEnd.scan(b);
        if (end < 0 || end == b.writerIndex()) {
            ctx.fireChannelRead(b);
            return;
        }
        ctx.fireChannelRead(b.retainedSlice(b.readerIndex(), end - b.readerIndex()));
        b.readerIndex(end);
        if (ctx.pipeline().get(WebSocketFrameDecoder.class) == null) {
            channelRead(ctx, b); // not an upgrade: the HTTP decoder goes on with what follows
            return;
        }
        if (dialed) {
            armed = true; // the server's frames that came with its 101: read under the limit, and go on
            channelRead(ctx, b);
            return;
        }
        over = true;
        b.release();
        ctx.fireExceptionCaught(new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR,
            "a frame came with the upgrade request, before the server's 101 answer (RFC 6455 4.1)"));
    }

    /**
     * A frame within the link's limit refused because the node's {@link FrameBudget} for large client frames is
     * spent; its message is what the peer is told.
     */
    static final class BudgetSpent extends TooLongFrameException {
        private static final long serialVersionUID = 1L;

        BudgetSpent(String message) {
            super(message);
        }
    }

    /** Takes bytes of a budget for a message that grows from {@code before} to {@code total} payload bytes. */
    @FunctionalInterface
    interface Taker {
        /** Takes the bytes; returns false if they cannot be taken. */
        boolean take(long before, long total);
    }

    /**
     * Finds where an HTTP request's header lines end (CR LF CR LF) in a byte stream read across buffers of any split.
     * Pure; one thread.
     */
    static final class RequestEnd {
        private static final byte[] END = {'\r', '\n', '\r', '\n'};
        /** How many bytes of {@link #END} the stream has ended with so far. */
        private int matched;

        /**
         * Returns the index in {@code buf} just after the first request end in its readable bytes (its indexes are
         * not moved; the search starts over after it), or -1 if none ends in them.
         */
        int scan(ByteBuf buf) {
            for (int i = buf.readerIndex(); i < buf.writerIndex(); i++) {
                byte c = buf.getByte(i);
                matched = c == END[matched] ? matched + 1 : c == '\r' ? 1 : 0;
                if (matched == END.length) {
                    matched = 0;
                    return i + 1;
                }
            }
            return -1;
        }
    }

    /**
     * The WebSocket frame headers of a byte stream, read across buffers of any split: a state machine that keeps the
     * header being read, the payload bytes left to skip and the size of the message so far. Pure; one thread.
     */
    static final class Headers {
        private static final int FIRST = 0;
        private static final int SECOND = 1;
        private static final int LENGTH = 2;
        private static final int MASK = 3;
        private static final int PAYLOAD = 4;

        private int state = FIRST;
        private boolean fin;
        private int opcode;
        private boolean masked;
        /** Bytes of the extended length still to read (2 or 8 at first). */
        private int lengthBytes;
        /** The payload length read so far (a 64-bit one with its top bit set reads negative: over any limit). */
        private long length;
        private int maskBytes;
        private long payloadLeft;
        /** Payload bytes of the data message whose frames are being read (0 between messages). */
        private long message;
        /** What was over the limit, for the error: set when {@link #scan} finds one. */
        private String overBy = "";
        /** Takes a data message's bytes as its headers announce them. */
        private final Taker taker;
        /** Whether the frame refused was refused by {@link #taker}, not the limit. */
        private boolean budgetSpent;

        Headers() {
            this((before, total) -> true);
        }

        Headers(Taker taker) {
            this.taker = taker;
        }

        /**
         * Reads the headers in {@code buf}'s readable bytes (its indexes are not moved), counting on from where the
         * previous call stopped.
         *
         * @param limit the largest frame payload and message, in bytes
         * @return -1 if every frame header read is within the limit, else the index in {@code buf} just after the
         *     byte that completed the length over it (what follows is not read)
         */
        int scan(ByteBuf buf, long limit) {
            int i = buf.readerIndex();
            int end = buf.writerIndex();
            while (i < end) {
                switch (state) {
                    case PAYLOAD -> {
                        int skip = (int) Math.min(payloadLeft, end - i);
                        i += skip;
                        payloadLeft -= skip;
                        if (payloadLeft == 0) {
                            state = FIRST;
                        }
                    }
                    case FIRST -> {
                        int b = buf.getByte(i++);
                        fin = (b & 0x80) != 0;
                        opcode = b & 0x0F;
                        state = SECOND;
                    }
                    case SECOND -> {
                        int b = buf.getByte(i++);
                        masked = (b & 0x80) != 0;
                        int len = b & 0x7F;
                        if (len >= 126) {
                            lengthBytes = len == 126 ? 2 : 8;
                            length = 0;
                            state = LENGTH;
                        } else {
                            length = len;
                            if (!lengthRead(limit)) {
                                return i;
                            }
                        }
                    }
                    case LENGTH -> {
                        length = length << 8 | (buf.getByte(i++) & 0xFF);
                        if (--lengthBytes == 0 && !lengthRead(limit)) {
                            return i;
                        }
                    }
                    case MASK -> {
                        int skip = Math.min(maskBytes, end - i);
                        i += skip;
                        maskBytes -= skip;
                        if (maskBytes == 0) {
                            state = payloadLeft > 0 ? PAYLOAD : FIRST;
                        }
                    }
                    default -> throw new IllegalStateException("state " + state);
                }
            }
            return -1;
        }

        /** The header's length is read: checks it and moves on to the mask key or payload. @return false if over */
        private boolean lengthRead(long limit) {
            boolean control = (opcode & 0x08) != 0;
            // a continuation frame (opcode 0) adds to the message; a text or binary one starts one
            long total = control ? length : opcode == 0 ? message + length : length;
            if (length < 0 || total > limit || total < 0) {
                overBy = length < 0 ? "a 64-bit payload length over 2^63" : what(control, total);
                return false;
            }
            if (!control && !taker.take(opcode == 0 ? message : 0, total)) {
                budgetSpent = true;
                overBy = what(false, total);
                return false;
            }
            if (!control) {
                message = fin ? 0 : total;
            }
            payloadLeft = length;
            maskBytes = masked ? 4 : 0;
            state = masked ? MASK : length > 0 ? PAYLOAD : FIRST;
            return true;
        }

        /** The frame whose header was just read, for an error: a frame, or a message of continuation frames. */
        private String what(boolean control, long total) {
            return control || opcode != 0 ? "a frame of " + length + " bytes"
                : "a message of " + total + " bytes so far (continuation frames)";
        }

        /** What was over the limit, once {@link #scan} found it. */
        String overBy() {
            return overBy;
        }

        /** Whether the frame {@link #scan} refused was refused for the budget. */
        boolean budgetSpent() {
            return budgetSpent;
        }

        /** Payload bytes of the message being read, so far (for tests). */
        long message() {
            return message;
        }

        /** Whether the stream is between frames (for tests). */
        boolean betweenFrames() {
            return state == FIRST;
        }
    }

    /** Takes frames up to {@code bytes} from the next frame header read on (never raises the limit); any thread. */
    void lower(int bytes) {
        if (bytes < limit) {
            limit = bytes;
        }
    }
}
