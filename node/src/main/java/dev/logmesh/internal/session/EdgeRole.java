package dev.logmesh.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.internal.protocol.WireMeta;
import java.util.List;
import java.util.Map;

/**
 * What a {@link SyncSession} does differently when its peer is not a logmesh node (no {@code logmesh} options in
 * its {@code connect} or {@code connected}): it is then the edge of the mesh, where filtering happens (between
 * logmesh nodes everything flows). Two roles:
 * <ul>
 *   <li>{@link ClientRole}: the peer dialed this node and is a Logux client ({@code @logux/client} in a browser or
 *       Node.js, a bare {@code @logux/core} node); this node plays {@code @logux/server}'s part.</li>
 *   <li>{@link UpstreamRole}: this node dialed a Logux server ({@code @logux/server}, a stock
 *       {@code @logux/core} server); this node plays a client's part.</li>
 * </ul>
 * Either way only {@code id}, {@code time} and {@code subprotocol} cross in a meta ({@link #toWire}).
 *
 * <p>The session asks its role at a few marked places: which entries go out ({@link #sends}), how a received
 * {@code sync} is handled ({@link #received}), whether the peer has a sync cursor ({@link #keepsCursor}), and tells
 * it when the session ends ({@link #closed}). Called on the node's loop only.
 */
abstract class EdgeRole {

    /**
     * Whether a peer's handshake options make it a logmesh node: they carry the {@code logmesh} object
     * ({@link dev.logmesh.internal.auth.MeshAuth#OPTION}), which stock Logux never sends.
     */
    static boolean isMeshPeer(JsonNode ext) {
        return ext != null && ext.isObject();
    }

    /** Whether this entry of the log goes to the peer. */
    abstract boolean sends(Entry entry);

    /**
     * Handles the entries of a received {@code sync} (decoded, times in this node's clock), or of one slice of it: a
     * large frame comes in slices of at most {@link SessionConfig#receiveSlice} entries, in order, each in a task of
     * its own ({@code SyncSession}, "Large frames"), and only the last one is acknowledged.
     *
     * @param added   the {@code sync}'s number, to answer with {@code synced}
     * @param entries the frame's entries, or the slice's
     * @param refused why each of {@code entries} must not be added, as the words after its id ({@code is nested 40
     *                levels deep, ...}, {@code holds the number 1e999999 at /v, ...}), or null for one that may be:
     *                the session has logged (but for a client) and counted the refused ones; as long as {@code
     *                entries}
     * @param last    whether these are the frame's last entries (true for a frame in one slice)
     * @return the entries the session adds (and, with the last slice, acknowledges) as for any peer (none of
     *     {@code refused}), or null when the role handled them (added them; answered with the last slice, after
     *     which it calls {@code SyncSession.frameHandled})
     */
    abstract List<Entry> received(long added, List<Entry> entries, String[] refused, boolean last);

    /** Whether the session keeps a sync cursor for the peer's node id. */
    abstract boolean keepsCursor();

    /**
     * The peer acknowledged ({@code synced}) this log's entries up to {@code added} (at most what was sent), in a
     * session whose peer has no sync cursor ({@link #keepsCursor} false).
     */
    void acknowledged(long added) {
    }

    /**
     * Part of the entries that the session held for want of room ({@code SyncSession.addReceived}: a role that adds
     * its peer's entries itself) was stored when the session tried them again: {@code entries} (the held ones, from
     * the start), {@code results} what the log gave for each ({@code null} for one it had already). Nothing is
     * answered for them: the session holds, then ends ({@code SyncSession.roomAgain}), and the peer sends its frame
     * again. The session may have ended already (the log's add event ends held sessions). Loop only.
     */
    void heldStored(List<Entry> entries, List<Meta> results) {
    }

    /** The session ended. */
    void closed() {
    }

    /**
     * The wire form of a meta across the edge: only {@code id}, {@code time} and {@code subprotocol}, as
     * {@code @logux/server}'s {@code ALLOWED_META} (no {@code reasons}: a client would keep every received action;
     * no address keys: a user would learn who else receives what; a Logux server denies actions with other keys).
     */
    static WireMeta toWire(Meta meta, String ownNode, long baseTime, long timeFix) {
        WireMeta w = WireMeta.toWire(meta, ownNode, baseTime, timeFix);
        return new WireMeta(w.form(), w.idTime(), w.idNode(), w.idSeq(), w.time(), null, w.subprotocol(), Map.of());
    }
}
