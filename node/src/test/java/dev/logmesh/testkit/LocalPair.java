package dev.logmesh.testkit;

import dev.logmesh.internal.protocol.MessageConnection;

import dev.logmesh.internal.protocol.Message;
import dev.logmesh.internal.protocol.MessageCodec;
import dev.logmesh.internal.protocol.ProtocolError;
import dev.logmesh.spi.Loop;
import java.util.ArrayList;
import java.util.List;

/**
 * Two connected in-memory {@link MessageConnection}s for tests ({@code left} dials, {@code right} listens).
 * Every message is encoded to JSON text and decoded on delivery, so the codec runs in every protocol test;
 * delivery goes through the loop, after {@code latency} ms. {@link #leftSent()}/{@link #rightSent()} record
 * the frames each side sent; {@link End#inject} delivers raw text as if the other side sent it.
 */
public final class LocalPair {
    private final Loop loop;
    private final End left;
    private final End right;
    private long latency;

    public LocalPair(Loop loop) {
        this(loop, 0);
    }

    public LocalPair(Loop loop, long latencyMillis) {
        this.loop = loop;
        this.latency = latencyMillis;
        this.left = new End("left");
        this.right = new End("right");
        left.other = right;
        right.other = left;
    }

    /** The dialer's end. */
    public End left() {
        return left;
    }

    /** The listener's end. */
    public End right() {
        return right;
    }

    /** Frames the left end sent, as JSON text. */
    public List<String> leftSent() {
        return left.sent;
    }

    /** Frames the right end sent, as JSON text. */
    public List<String> rightSent() {
        return right.sent;
    }

    /** Forgets recorded frames. */
    public void clear() {
        left.sent.clear();
        right.sent.clear();
    }

    /**
     * Cuts the link: both ends close at once, without flushing anything in flight (a dropped network, not
     * a clean close by either side).
     */
    public void cut(String reason) {
        for (End e : List.of(left, right)) {
            if (!e.closed) {
                e.closed = true;
                e.closeReason = reason;
                loop.execute(() -> e.deliverClose(reason));
            }
        }
    }

    /** A dial that fails: an end whose session gets {@code onClose} right after it starts. */
    public static End refused(Loop loop, String reason) {
        return new LocalPair(loop).left().refuse(reason);
    }

    /** Sets the one-way latency for messages sent from now on. */
    public void latency(long millis) {
        latency = millis;
    }

    /** One end of the pair. */
    public final class End implements MessageConnection {
        private final String name;
        /** This end's codec: its interner belongs to the node on this end. */
        private final MessageCodec codec = new MessageCodec();
        private final List<String> sent = new ArrayList<>();
        private End other;
        private Handler handler;
        private boolean closed;
        private boolean started;
        private boolean silent;
        private boolean closeDelivered;
        private String closeReason = "closed";

        End(String name) {
            this.name = name;
        }

        @Override
        public void start(Handler h) {
            this.handler = h;
            started = true;
            loop.execute(() -> {
                if (!closed) {
                    h.onOpen();
                } else if (!closeDelivered) {
                    // closed before anyone listened (a refused dial): the MessageConnection contract still owes onClose
                    closeDelivered = true;
                    h.onClose(closeReason);
                }
            });
        }

        @Override
        public boolean send(Message message) {
            if (closed) {
                return false;
            }
            String text = MessageCodec.encode(message);
            sent.add(text);
            if (!silent) {
                other.deliver(text);
            }
            return true;
        }

        /** Delivers raw text to this end as if the other end sent it. */
        public void inject(String text) {
            deliver(text);
        }

        private void deliver(String text) {
            loop.schedule(latency, () -> {
                if (closed || handler == null) {
                    return;
                }
                try {
                    handler.onMessage(codec.decode(text));
                } catch (ProtocolError e) {
                    handler.onBadInput(e);
                }
            });
        }

        @Override
        public void close(String reason) {
            if (closed) {
                return;
            }
            closed = true;
            closeReason = reason;
            loop.schedule(latency, () -> {
                deliverClose(reason);
                other.remoteClosed(reason);
            });
        }

        private void remoteClosed(String reason) {
            if (closed) {
                return;
            }
            closed = true;
            closeReason = "peer closed: " + reason;
            deliverClose(closeReason);
        }

        private void deliverClose(String reason) {
            if (handler != null && !closeDelivered) {
                closeDelivered = true;
                handler.onClose(reason);
            }
        }

        /**
         * Makes this end a dial that fails: once started it reports {@code onClose} and never opens (a
         * refused TCP connection). Call before the session starts.
         */
        public End refuse(String reason) {
            closed = true;
            closeReason = reason;
            return this;
        }

        /** Drops everything this end sends from now on, without closing (a peer that went silent). */
        public void silence() {
            silent = true;
        }

        /** Whether this end is closed. */
        public boolean isClosed() {
            return closed;
        }

        @Override
        public String remoteAddress() {
            return "local-" + other.name;
        }

        @Override
        public String toString() {
            return "LocalPair." + name + (started ? "" : " (not started)");
        }
    }
}
