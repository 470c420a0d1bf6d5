package dev.logmesh.internal.overlay;

/**
 * What {@link HyParView} needs from its host: send a message to a node, open and close the session with a
 * node. In logmesh an active-view entry <em>is</em> a sync session, so the state machine asks the host for
 * sessions and the host tells it, through {@link HyParView#sessionOpened} and {@link HyParView#sessionClosed},
 * what became of them.
 *
 * <h2>Threading</h2>
 * Every method is called on the node's loop thread, from inside a {@link HyParView} method. None may block or
 * throw, and none may call back into the {@link HyParView} synchronously: report outcomes by posting a task to
 * the loop (the same rule as for any session event).
 *
 * <h2>Session contract</h2>
 * <ul>
 *   <li>The host keeps at most one session per peer. Sessions are reported per peer, not per socket: if both
 *       sides dial at once, the host keeps one and reports it once.</li>
 *   <li>After {@link #connect}, the host calls exactly one of {@link HyParView#sessionOpened} (the session is
 *       up and the peer authenticated as that node id; a session that opened from the other side at the same
 *       time counts) or {@link HyParView#sessionClosed} (the attempt failed, timed out or was cancelled).</li>
 *   <li>A session the peer opened is reported with {@link HyParView#sessionOpened} once it is authenticated;
 *       the overlay closes it if the peer does not ask to join or to be a neighbour within the request
 *       timeout.</li>
 *   <li>After {@link HyParView#sessionOpened}, the host calls {@link HyParView#sessionClosed} exactly once
 *       when that session ends, for any reason, including the overlay's own {@link #disconnect}.</li>
 * </ul>
 */
public interface Sender {
    /**
     * Sends a message to a node. Over the open session with {@code to} if there is one, in order after the
     * messages sent before it (messages sent just before {@link #disconnect} are flushed before the close).
     * With no session (only a {@link HpvMessage.ShuffleReply} to a shuffle's origin, §4.4 "temporary TCP
     * connection"), the host may deliver it over a short-lived connection or drop it. Loss is tolerated:
     * a lost request times out.
     *
     * @param to the node id
     * @param message the message; wrap it as {@code [HpvMessage.WIRE_TYPE, message.toJson()]}
     */
    void send(String to, HpvMessage message);

    /**
     * Opens a session with a node (a would-be active peer). Must not block; the outcome is reported later, see
     * the session contract above. Never called while a session with {@code to} is open or being opened.
     *
     * @param to the node id the session must authenticate as (a different id is a failed attempt)
     * @param address where to dial it, as given by discovery, a static peer or another node
     */
    void connect(String to, String address);

    /**
     * Closes the session with a node after flushing what was sent on it, or cancels the attempt to open it.
     * Idempotent. {@link HyParView#sessionClosed} follows (once) as per the session contract.
     *
     * @param to the node id
     */
    void disconnect(String to);

    /**
     * {@link #disconnect(String)}, saying why in words for the host's logs and peer lists (the session's close reason,
     * a static peer's last error): {@code "the peer left the mesh (it is stopping or restarting)"}, {@code "dropped to
     * make room for another peer"}. Before (session 36) every such close said "not an active peer": {@code logmesh
     * peers} showed a {@code --peer} that was restarting that way until it was dialled again.
     *
     * @param to the node id
     * @param why why the overlay closes the session, in words
     */
    default void disconnect(String to, String why) {
        disconnect(to);
    }
}
