package dev.logmesh.testkit;

import dev.logmesh.spi.Connection;
import dev.logmesh.spi.Loop;
import java.util.ArrayList;
import java.util.List;

/**
 * One in-memory link between two {@link Connection}s, the part {@link TestPair} and {@link LocalNetwork} share.
 * It behaves as a WebSocket: frames (JSON text) arrive in order after the link's latency, a close reaches
 * the other side after what was sent before it, and a {@link #cut} closes both ends at once, losing what is
 * in flight. A {@link Shaper} may drop, delay, duplicate or reorder single frames; a {@link Tap} sees every
 * frame sent and delivered. Everything runs on one loop.
 *
 * <p>Each end reports the bytes that reach it ({@link Connection.Handler#onBytes}): once per frame just before
 * it, or, on a link with a {@link #bandwidth} cap, in slices of {@link #SLICE_MILLIS} while the frame crosses
 * (as a socket reads part of a large WebSocket frame). With a cap, each direction carries one frame at a time:
 * a frame of {@code n} UTF-8 bytes occupies its direction for {@code n / cap} seconds, and the frames behind it
 * wait (a pong behind a 1 MB sync on a 50 KB/s link arrives 20 s later).
 */
final class Link {
    /** What happens to one frame. */
    record Fate(boolean drop, long delayMillis, int copies, boolean inOrder) {
        static final Fate DELIVER = new Fate(false, 0, 1, true);
    }

    /** Decides the fate of each frame (a firewall). */
    interface Shaper {
        Fate fate(End from, String frame);
    }

    /**
     * The loop threads of the hosts at the ends (a {@link LocalNetwork#cpu} model): each host encodes and decodes
     * one frame at a time, at a cost per byte, so its frames wait for the frames it handles before them.
     */
    interface Cpu {
        /** The host spends time on a frame of {@code bytes} that reaches it at {@code at} (ms); when it is done (ms). */
        long spend(String host, long bytes, long at);
    }

    /** Sees every frame: sent by an end (accepted by {@code send}) and delivered to an end's handler. */
    interface Tap {
        void sent(End from, String frame);

        void delivered(End to, String frame);
    }

    private static final Tap NO_TAP = new Tap() {
        @Override
        public void sent(End from, String frame) {
        }

        @Override
        public void delivered(End to, String frame) {
        }
    };

    private final Loop loop;
    private final End left;
    private final End right;
    /** How often a capped link reports the bytes of a frame that is crossing, in ms. */
    static final long SLICE_MILLIS = 100;

    private long latency;
    /** Bytes per second each direction carries, or 0: no cap. */
    private long bandwidth;
    private Shaper shaper;
    private Tap tap = NO_TAP;
    private Cpu cpu;

    /**
     * @param leftAddress  what the right end reports as its peer's address
     * @param rightAddress what the left end reports as its peer's address
     */
    Link(Loop loop, String leftAddress, String rightAddress, long latencyMillis) {
        this.loop = loop;
        this.latency = latencyMillis;
        this.left = new End(leftAddress);
        this.right = new End(rightAddress);
        left.other = right;
        right.other = left;
    }

    End left() {
        return left;
    }

    End right() {
        return right;
    }

    void latency(long millis) {
        latency = millis;
    }

    /** Caps each direction at {@code bytesPerSecond} for frames sent from now on; 0 removes the cap. */
    void bandwidth(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("bandwidth must be >= 0, got " + bytesPerSecond);
        }
        bandwidth = bytesPerSecond;
    }

    /** The UTF-8 length of a frame, without encoding it. */
    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    void shaper(Shaper s) {
        shaper = s;
    }

    void tap(Tap t) {
        tap = t;
    }

    void cpu(Cpu c) {
        cpu = c;
    }

    /** Whether both ends are closed. */
    boolean isClosed() {
        return left.closed && right.closed;
    }

    /** Closes both ends at once, losing what is in flight (a dropped network, not a clean close). */
    void cut(String reason) {
        for (End e : List.of(left, right)) {
            if (!e.closed) {
                e.closed = true;
                e.closeReason = reason;
                loop.execute(() -> e.deliverClose(reason));
            }
        }
    }

    /** One end of the link. */
    final class End implements Connection {
        private final String address;
        private End other;
        private Handler handler;
        private boolean started;
        private boolean opened;
        private boolean closed;
        private boolean closeDelivered;
        private boolean silent;
        private String closeReason = "closed";
        /** Due time of the last in-order delivery from this end, so later frames never overtake it. */
        private long lastDue = Long.MIN_VALUE;
        /** With a {@link #bandwidth} cap: when this end's direction is free of the frames sent before. */
        private long pipeFreeAt = Long.MIN_VALUE;
        /** Frames that arrived before the handler's {@code onOpen} (a socket buffers them too). */
        private List<String> early;

        End(String address) {
            this.address = address;
        }

        /** The link this end belongs to. */
        Link link() {
            return Link.this;
        }

        /** The other end. */
        End other() {
            return other;
        }

        /** This end's own address (what the other end reports as {@code remoteAddress}). */
        String address() {
            return address;
        }

        @Override
        public void start(Handler h) {
            if (started) {
                throw new IllegalStateException("started twice");
            }
            started = true;
            handler = h;
            loop.execute(() -> {
                if (!closed) {
                    opened = true;
                    h.onOpen();
                    List<String> buffered = early;
                    early = null;
                    if (buffered != null) {
                        for (String f : buffered) {
                            receive(f, true);
                        }
                    }
                } else {
                    // closed before anyone listened (a refused dial): the contract still owes onClose
                    deliverClose(closeReason);
                }
            });
        }

        @Override
        public boolean send(String frame) {
            if (closed) {
                return false;
            }
            tap.sent(this, frame);
            if (silent) {
                return true;
            }
            Fate fate = shaper == null ? Fate.DELIVER : shaper.fate(this, frame);
            if (fate.drop()) {
                return true;
            }
            long now = loop.now();
            End to = other;
            // the sender's loop encodes it after the frames it handles before it (with a cpu model)
            long ready = cpu == null ? now : cpu.spend(address, utf8Length(frame), now);
            long due = ready + latency + fate.delayMillis();
            if (bandwidth > 0) {
                // the frame crosses after those before it, at the cap; its bytes reach the other end in slices
                long bytes = utf8Length(frame) * fate.copies();
                long start = Math.max(ready, pipeFreeAt);
                long crossing = (bytes * 1000 + bandwidth - 1) / bandwidth;
                pipeFreeAt = start + crossing;
                due = pipeFreeAt + latency + fate.delayMillis();
                long perSlice = bandwidth * SLICE_MILLIS / 1000;
                long reported = 0;
                for (long t = SLICE_MILLIS; t < crossing && perSlice > 0; t += SLICE_MILLIS) {
                    reported += perSlice;
                    loop.schedule(start + t + latency - now, () -> to.receiveBytes(perSlice));
                }
                long rest = bytes - reported;
                if (rest > 0) {
                    loop.schedule(due - now, () -> to.receiveBytes(rest));
                }
            }
            if (fate.inOrder()) {
                due = Math.max(due, lastDue);
                lastDue = due;
            }
            for (int i = 0; i < fate.copies(); i++) {
                loop.schedule(due - now, cpu == null ? () -> to.receive(frame, bandwidth == 0) : () -> to.decode(frame));
            }
            return true;
        }

        /** Part of a frame reached this end (a capped link): the handler hears of the bytes. */
        private void receiveBytes(long count) {
            if (!closed && opened && early == null) {
                handler.onBytes(count);
            }
        }

        /** The frame reached this host: its loop decodes it after the frames it handles before it (a cpu model). */
        private void decode(String frame) {
            long now = loop.now();
            long done = cpu.spend(address, utf8Length(frame), now);
            End self = this;
            // in order: every frame of this end goes through the same host clock, which never goes back
            loop.schedule(done - now, () -> self.receive(frame, bandwidth == 0));
        }

        /** Delivers raw text to this end, after the link's latency, as if the other end sent it. */
        void inject(String frame) {
            loop.schedule(latency, () -> receive(frame, true));
        }

        /** @param countBytes whether to report the frame's bytes first (not if a capped link reported them) */
        private void receive(String frame, boolean countBytes) {
            if (closed) {
                return;
            }
            if (!opened || early != null) {
                if (early == null) {
                    early = new ArrayList<>();
                }
                early.add(frame);
                return;
            }
            tap.delivered(this, frame);
            if (countBytes) {
                handler.onBytes(utf8Length(frame));
            }
            handler.onFrame(frame);
        }

        @Override
        public void close(String reason) {
            if (closed) {
                return;
            }
            closed = true;
            closeReason = reason;
            long now = loop.now();
            // after what this end sent before (a WebSocket close frame queues behind the data)
            long due = Math.max(now + latency, lastDue);
            loop.schedule(due - now, () -> {
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

        /** Makes this end a dial that fails: once started it reports {@code onClose} and never opens. */
        End refuse(String reason) {
            closed = true;
            closeReason = reason;
            return this;
        }

        /** Drops everything this end sends from now on, without closing (a peer that went silent). */
        void silence() {
            silent = true;
        }

        /** Whether this end is closed (by itself, by the other end, or by a cut). */
        boolean isClosed() {
            return closed;
        }

        @Override
        public String remoteAddress() {
            return other.address;
        }

        @Override
        public String toString() {
            return address + "->" + other.address + (closed ? " (closed)" : started ? "" : " (not started)");
        }
    }
}
