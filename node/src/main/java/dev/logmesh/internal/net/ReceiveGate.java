package dev.logmesh.internal.net;

import dev.logmesh.internal.protocol.Message;
import dev.logmesh.internal.protocol.MessageConnection;
import dev.logmesh.internal.protocol.MessageTransport;
import dev.logmesh.internal.protocol.ProtocolError;
import dev.logmesh.spi.Loop;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flow control of what a node receives: while the gate is {@linkplain #pause() paused}, messages from peers
 * wait here, in order, instead of reaching their sessions, and the links under them stop reading, so the peers'
 * TCP windows fill and they stop sending. Nothing is dropped and nothing new is acknowledged (a session
 * acknowledges a {@code sync} only when it handles it); {@link #resume()} hands the waiting messages to their
 * sessions and reading starts again. A node pauses when something downstream of its log cannot keep up (the
 * command line's stdout), so that its memory stays bounded.
 *
 * <h2>How much waits</h2>
 * A WebSocket link ({@code NettyConnection}) stops reading as soon as its first message is held; what still
 * arrives is what it had read already, bounded by its inbound backlog ({@link WsTransport.Limits}). A link of
 * another transport cannot be told to stop reading: when more than {@link #maxHeldFallback} of its messages
 * wait, it is closed instead (its peer resends what was not acknowledged when it reconnects).
 *
 * <h2>Links that end while paused</h2>
 * A link that closes (either side) drops what it held and reports its close at once: those messages were never
 * acknowledged, so the peer sends them again on its next session. A pause longer than the session timeout
 * therefore ends the sessions (their pings go unanswered); they reconnect and catch up after {@link #resume()}.
 *
 * <p>Threads: {@link #pause()}, {@link #resume()} and {@link #paused()} from any thread; everything else on the
 * node's loop.
 */
public final class ReceiveGate {
    private static final Logger LOG = LoggerFactory.getLogger(ReceiveGate.class);

    /** Messages a link that cannot stop reading may hold before it is closed. */
    public static final int DEFAULT_MAX_HELD_FALLBACK = 256;

    private final Loop loop;
    private final int maxHeldFallback;
    private volatile boolean paused;
    /** Links that are open (started and not closed); loop only. */
    private final Set<Gated> links = new LinkedHashSet<>();

    public ReceiveGate(Loop loop) {
        this(loop, DEFAULT_MAX_HELD_FALLBACK);
    }

    /** @param maxHeldFallback messages a link that cannot stop reading may hold before it is closed */
    public ReceiveGate(Loop loop, int maxHeldFallback) {
        this.loop = loop;
        this.maxHeldFallback = maxHeldFallback;
    }

    /** A transport whose links pass through this gate. */
    public MessageTransport wrap(MessageTransport transport) {
        return new MessageTransport() {
            @Override
            public URI listen(String host, int port, Consumer<MessageConnection> acceptor) throws IOException {
                return transport.listen(host, port, c -> acceptor.accept(wrap(c)));
            }

            @Override
            public MessageConnection dial(URI url) {
                return wrap(transport.dial(url));
            }

            @Override
            public void close() {
                transport.close();
            }
        };
    }

    /** A link that passes through this gate. */
    public MessageConnection wrap(MessageConnection connection) {
        return new Gated(connection);
    }

    /** Holds received messages from now on (the message being handled now still completes). Any thread. */
    public void pause() {
        if (!paused) {
            paused = true;
            LOG.debug("receiving paused");
        }
    }

    /** Hands held messages to their sessions, in order, and lets the links read again. Any thread. */
    public void resume() {
        if (paused) {
            paused = false;
            LOG.debug("receiving resumed");
            if (loop.inLoop()) {
                releaseAll();
            } else {
                loop.execute(this::releaseAll);
            }
        }
    }

    /** Whether received messages are held now. */
    public boolean paused() {
        return paused;
    }

    /** Messages held now, over every link (for tests and status); loop only. */
    public int held() {
        int n = 0;
        for (Gated g : links) {
            n += g.held.size();
        }
        return n;
    }

    private void releaseAll() {
        for (Gated g : new ArrayList<>(links)) {
            g.release();
        }
    }

    /** One link through the gate. */
    private final class Gated implements MessageConnection {
        private final MessageConnection inner;
        /** Events held while paused, in arrival order; loop only. */
        private final ArrayDeque<Consumer<Handler>> held = new ArrayDeque<>();
        private Handler handler;
        private boolean readingHeld;

        Gated(MessageConnection inner) {
            this.inner = inner;
        }

        @Override
        public void start(Handler h) {
            handler = h;
            links.add(this);
            inner.start(new Handler() {
                @Override
                public void onOpen() {
                    h.onOpen();
                }

                @Override
                public void onMessage(Message message) {
                    if (open()) {
                        h.onMessage(message); // the common case: no event object
                    } else {
                        hold(x -> x.onMessage(message));
                    }
                }

                @Override
                public void onBytes(long count) {
                    h.onBytes(count); // liveness, not data: never held
                }

                @Override
                public void onBadInput(ProtocolError error) {
                    if (open()) {
                        h.onBadInput(error);
                    } else {
                        hold(x -> x.onBadInput(error));
                    }
                }

                @Override
                public void onClose(String reason) {
                    links.remove(Gated.this);
                    held.clear();
                    h.onClose(reason);
                }
            });
        }

        @Override
        public void takeClientFrames() {
            inner.takeClientFrames();
        }

        @Override
        public void takeMeshFrames() {
            inner.takeMeshFrames();
        }

        @Override
        public void pauseReading(boolean paused) {
            inner.pauseReading(paused); // the session's reason, apart from the gate's (holdReading)
        }

        /** Whether an event may reach the session now: not paused, and nothing older waits. */
        private boolean open() {
            return !paused && held.isEmpty();
        }

        private void hold(Consumer<Handler> event) {
            held.add(event);
            if (inner instanceof NettyConnection nc) {
                if (!readingHeld) {
                    readingHeld = true;
                    nc.holdReading(true);
                }
            } else if (held.size() > maxHeldFallback) {
                LOG.info("closing the link with {}: receiving is paused and {} messages wait", inner.remoteAddress(),
                    held.size());
                held.clear();
                inner.close("receiving paused: over " + maxHeldFallback + " messages wait");
            }
        }

        /** Hands what is held to the session while the gate stays open. */
        void release() {
            while (!paused && !held.isEmpty()) {
                held.poll().accept(handler);
            }
            if (held.isEmpty() && readingHeld && inner instanceof NettyConnection nc) {
                readingHeld = false;
                nc.holdReading(false);
            }
        }

        @Override
        public boolean send(Message message) {
            return inner.send(message);
        }

        @Override
        public void close(String reason) {
            held.clear(); // never acknowledged: the peer sends them again
            inner.close(reason);
        }

        @Override
        public String remoteAddress() {
            return inner.remoteAddress();
        }

        @Override
        public String remoteEndpoint() {
            return inner.remoteEndpoint();
        }

        @Override
        public String localEndpoint() {
            return inner.localEndpoint();
        }

        @Override
        public boolean refused() {
            return inner.refused();
        }

        @Override
        public String toString() {
            return inner.toString();
        }
    }
}
