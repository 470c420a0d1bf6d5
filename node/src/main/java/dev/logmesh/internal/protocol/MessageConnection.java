package dev.logmesh.internal.protocol;


/**
 * One transport link to a peer, carrying {@link Message}s (a WebSocket in production, an in-memory pair in
 * tests).
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #send} never blocks and never throws: it returns {@code false} if the message was not
 *       accepted (the link is closed, or its outbound queue is over its limit, in which case the link
 *       closes itself). I/O failures arrive as {@link Handler#onClose}.</li>
 *   <li>Every {@link Handler} method is called on the node's loop, one at a time, in arrival order; frames
 *       are decoded before that (on transport threads), bad frames arrive as {@link Handler#onBadInput}.</li>
 *   <li>{@link Handler#onClose} is called exactly once, after which nothing else is delivered.</li>
 * </ul>
 */
public interface MessageConnection {

    /** Starts delivering events; {@link Handler#onOpen} follows once the link is usable. Call once. */
    void start(Handler handler);

    /** Queues a message for the peer. @return false if it was not accepted */
    boolean send(Message message);

    /** Closes the link (after flushing what was queued); {@link Handler#onClose} follows. Idempotent. */
    void close(String reason);

    /** The peer's address for logs and brute-force accounting, e.g. {@code 127.0.0.1}. */
    String remoteAddress();

    /**
     * The peer's end of the link with its port, e.g. {@code 127.0.0.1:40122}: what tells two processes on one host
     * apart (a dialer's port is the one its dial came from; {@code ss -tnp} names the process). Default:
     * {@link #remoteAddress()} (a transport without ports).
     */
    default String remoteEndpoint() {
        return remoteAddress();
    }

    /** This node's end of the link with its port, e.g. {@code 127.0.0.1:40122}; null when the transport has none. */
    default String localEndpoint() {
        return null;
    }

    /**
     * Whether this dial failed because nothing listens at the address: the host answered the TCP connect with a
     * reset (connection refused), so the peer's process is not running, or not listening yet. Any thread; settled
     * before {@link Handler#onClose} is delivered. The default: false (a transport that cannot tell).
     */
    default boolean refused() {
        return false;
    }

    /**
     * The session on this accepted link is a Logux client's, whose {@code connect} it accepted: from now on the link
     * takes frames up to the node's client frame limit ({@code NodeConfig.maxClientFrameBytes}) instead of its frame
     * limit. Called on the node's loop, before the session sends {@code connected}; a frame whose header was read
     * before stays under the old limit. The default: nothing (a transport with one limit for every link).
     */
    default void takeClientFrames() {
    }

    /**
     * The session on this dialed link found a mesh peer (its {@code connected} has logmesh options): from now on the
     * link takes frames up to the node's frame limit ({@code NodeConfig.maxFrameBytes}). A dialed link takes frames up
     * to the client frame limit until then, because a Logux server it may have dialed sends its catch-up, one
     * {@code sync} frame of any size, right after {@code connected}, before the session could raise a limit; a mesh
     * peer sends frames up to the smaller of both nodes' frame limits anyway. Called on the node's loop; a frame
     * whose header was read before stays under the old limit. The default: nothing (one limit for every link).
     */
    default void takeMeshFrames() {
    }

    /**
     * Stops reading from the peer ({@code true}) or lets it resume ({@code false}) for the session's own reason: it
     * is still handling an earlier message over several tasks of the loop (a large {@code sync} in slices), and keeps
     * what arrives meanwhile to handle after it. Messages the link had read already still arrive (a bounded backlog);
     * the peer's TCP window then fills. Independent of any other reason the link has to stop reading. Called on the
     * node's loop. The default: nothing (a link that cannot stop reading; its messages queue in the session).
     */
    default void pauseReading(boolean paused) {
    }

    /** Receives a link's events on the node's loop. */
    interface Handler {
        /** The link is open and messages can be sent. */
        void onOpen();

        /** A decoded message arrived. */
        void onMessage(Message message);

        /**
         * {@code count} bytes arrived from the peer, maybe in the middle of a frame: the link and the peer are
         * alive even while a large frame takes seconds to cross a slow link. A transport reports them as they
         * come (a coalesced count, before the message they belong to), or once per message; the default ignores
         * them.
         */
        default void onBytes(long count) {
        }

        /** A frame could not be decoded (not JSON, wrong shape, unknown type, too large, binary). */
        void onBadInput(ProtocolError error);

        /** The link is closed; {@code reason} says why, for logs. */
        void onClose(String reason);
    }
}
