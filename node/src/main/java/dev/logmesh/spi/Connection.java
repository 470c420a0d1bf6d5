package dev.logmesh.spi;

/**
 * One link to a peer carrying Logux protocol frames: each frame is one JSON array as text
 * ({@code ["sync",5,{...},{...}]}), as in the Logux WebSocket spec. The node encodes and decodes frames and
 * checks their size; a transport only carries them.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #send} never blocks and never throws: it returns {@code false} if the frame was not accepted
 *       (the link is closed, or its outbound queue is over the transport's limit, in which case the link
 *       closes itself). I/O failures arrive as {@link Handler#onClose}.</li>
 *   <li>Every {@link Handler} method is called on the node's loop, one at a time, in arrival order.</li>
 *   <li>{@link Handler#onClose} is called exactly once, after which nothing else is delivered; calls to
 *       {@link #send} after it return {@code false}.</li>
 * </ul>
 */
public interface Connection {

    /** Starts delivering events; {@link Handler#onOpen} follows once the link is usable. Call once. */
    void start(Handler handler);

    /** Queues a frame for the peer. @return false if it was not accepted */
    boolean send(String frame);

    /** Closes the link (after flushing what was queued); {@link Handler#onClose} follows. Idempotent. */
    void close(String reason);

    /** The peer's address for logs and brute-force accounting, e.g. {@code 127.0.0.1}. */
    String remoteAddress();

    /** Receives a link's events on the node's loop. */
    interface Handler {
        /** The link is open and frames can be sent. */
        void onOpen();

        /** A frame arrived (text as received; the node checks it). */
        void onFrame(String frame);

        /**
         * {@code count} bytes arrived from the peer, maybe in the middle of a frame. A transport that reports them
         * as they come (before the frame they belong to) lets a session on a slow link see that the peer is alive
         * while a large frame takes seconds to cross: without them, an answer queued behind such a frame can
         * time the session out. Optional: a transport that never calls it gets the plain Logux timeouts. The
         * default ignores them.
         */
        default void onBytes(long count) {
        }

        /** The link is closed; {@code reason} says why, for logs. */
        void onClose(String reason);
    }
}
