package dev.logmesh.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logmesh.spi.Connection;
import dev.logmesh.spi.Loop;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Two connected in-memory {@link Connection}s for protocol tests: {@link #left()} dials, {@link #right()}
 * listens. Frames are JSON text, so whoever sits on an end (a node's session, through the same codec and frame
 * limit as over a network) encodes and decodes every message. Delivery goes through the loop after
 * {@code latency} ms, so ordering is deterministic.
 *
 * <h2>Recording and consuming</h2>
 * Each end's sent frames are recorded, in order. {@link #leftSent()}/{@link #rightSent()} show them all;
 * {@link #takeLeft()}/{@link #takeRight()} hand them out one at a time and {@link #takeAllLeft()}/
 * {@link #takeAllRight()} the rest at once. {@link #assertExhausted()} (at the end of a test, or in a teardown)
 * fails when an end sent a frame the test never took: a message nobody asserted. {@link #clear()} forgets
 * everything recorded so far. {@link #parse} reads a frame as a JSON array for assertions on its parts.
 *
 * <h2>Playing a peer</h2>
 * With nothing started on an end, the test plays that side: {@code pair.right().inject(text)} delivers raw
 * text to the right end as if the left end sent it, and {@code pair.rightSent()} shows what the right end
 * answered.
 *
 * <h2>Faults</h2>
 * {@link #cut} drops the link (both ends close at once, in-flight frames are lost), {@link End#silence()}
 * makes an end's frames vanish without closing, {@link #latency} slows later frames, {@link #refused} is a
 * dial that fails. For faults by message type across many links, use {@link LocalNetwork}'s firewall.
 */
public final class TestPair {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Link link;
    private final End left;
    private final End right;

    /** A pair with no latency. */
    public TestPair(Loop loop) {
        this(loop, 0);
    }

    /** A pair whose frames take {@code latencyMillis} each way. */
    public TestPair(Loop loop, long latencyMillis) {
        // the addresses are the same for every pair, as for peers behind one address (brute-force counting)
        this.link = new Link(loop, "local-left", "local-right", latencyMillis);
        this.left = new End(link.left());
        this.right = new End(link.right());
        link.tap(new Link.Tap() {
            @Override
            public void sent(Link.End from, String frame) {
                (from == link.left() ? left : right).sent.add(frame);
            }

            @Override
            public void delivered(Link.End to, String frame) {
            }
        });
    }

    /** A dial that fails: an end whose handler gets {@code onClose(reason)} right after {@code start}. */
    public static End refused(Loop loop, String reason) {
        TestPair p = new TestPair(loop);
        p.link.left().refuse(reason);
        return p.left;
    }

    /** The dialer's end. */
    public End left() {
        return left;
    }

    /** The listener's end. */
    public End right() {
        return right;
    }

    /** Every frame the left end sent (since {@link #clear()}), as JSON text; does not take them. */
    public List<String> leftSent() {
        return Collections.unmodifiableList(left.sent);
    }

    /** Every frame the right end sent (since {@link #clear()}), as JSON text; does not take them. */
    public List<String> rightSent() {
        return Collections.unmodifiableList(right.sent);
    }

    /** The next frame the left end sent that the test has not taken. @throws AssertionError if none */
    public String takeLeft() {
        return left.take();
    }

    /** The next frame the right end sent that the test has not taken. @throws AssertionError if none */
    public String takeRight() {
        return right.take();
    }

    /** Every frame the left end sent that the test has not taken yet (maybe none), in order. */
    public List<String> takeAllLeft() {
        return left.takeAll();
    }

    /** Every frame the right end sent that the test has not taken yet (maybe none), in order. */
    public List<String> takeAllRight() {
        return right.takeAll();
    }

    /** Forgets every frame recorded so far, taken or not. */
    public void clear() {
        left.sent.clear();
        left.taken = 0;
        right.sent.clear();
        right.taken = 0;
    }

    /**
     * Fails if either end sent a frame the test did not take (with {@code take…}): every message a test
     * caused should be asserted. Call it after the loop ran what the test waits for.
     *
     * @throws AssertionError naming the frames not taken
     */
    public void assertExhausted() {
        List<String> left = this.left.sent.subList(this.left.taken, this.left.sent.size());
        List<String> right = this.right.sent.subList(this.right.taken, this.right.sent.size());
        if (!left.isEmpty() || !right.isEmpty()) {
            throw new AssertionError("frames sent but never taken by the test: left " + left + ", right " + right);
        }
    }

    /** Cuts the link: both ends close at once, without flushing anything in flight. */
    public void cut(String reason) {
        link.cut(reason);
    }

    /** Caps each direction at {@code bytesPerSecond} for frames sent from now on (0: no cap); see {@link Link}. */
    public void bandwidth(long bytesPerSecond) {
        link.bandwidth(bytesPerSecond);
    }

    /** Sets the one-way latency of frames sent from now on. */
    public void latency(long millis) {
        link.latency(millis);
    }

    /** A frame as a JSON array ({@code ["sync", 1, {...}, {...}]}), for assertions on its parts. */
    public static JsonNode parse(String frame) {
        try {
            JsonNode n = JSON.readTree(frame);
            if (n == null || !n.isArray()) {
                throw new AssertionError("not a JSON array: " + frame);
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + frame, e);
        }
    }

    /** The message type of a frame (its first element), e.g. {@code "sync"}. */
    public static String type(String frame) {
        return parse(frame).path(0).asText();
    }

    /** One end of the pair: a {@link Connection} the test can also feed and inspect. */
    public static final class End implements Connection {
        private final Link.End end;
        private final List<String> sent = new ArrayList<>();
        private int taken;

        End(Link.End end) {
            this.end = end;
        }

        private String take() {
            if (taken >= sent.size()) {
                throw new AssertionError(end.address() + " sent nothing more; all it sent: " + sent);
            }
            return sent.get(taken++);
        }

        private List<String> takeAll() {
            List<String> rest = List.copyOf(sent.subList(taken, sent.size()));
            taken = sent.size();
            return rest;
        }

        @Override
        public void start(Handler handler) {
            end.start(handler);
        }

        @Override
        public boolean send(String frame) {
            return end.send(frame);
        }

        @Override
        public void close(String reason) {
            end.close(reason);
        }

        @Override
        public String remoteAddress() {
            return end.remoteAddress();
        }

        /** Delivers raw text to this end (after the latency) as if the other end sent it; not recorded. */
        public void inject(String frame) {
            end.inject(frame);
        }

        /** Drops everything this end sends from now on, without closing (a peer that went silent). */
        public void silence() {
            end.silence();
        }

        /** Whether this end is closed (by itself, by the other end, or by a cut). */
        public boolean isClosed() {
            return end.isClosed();
        }

        @Override
        public String toString() {
            return "TestPair." + end;
        }
    }
}
