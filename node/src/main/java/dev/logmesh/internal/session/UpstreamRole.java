package dev.logmesh.internal.session;

import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.internal.edge.Answers;
import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.protocol.EntrySize;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session's side when this node dialed a Logux server (its {@code connected} has no {@code logmesh}
 * options: {@code @logux/server}, a stock {@code @logux/core} server). Towards it the node is one client:
 * <ul>
 *   <li><b>Only its own actions go out</b> (id made by this node), meta {@code id}, {@code time},
 *       {@code subprotocol}. {@code @logux/server} denies any other meta key, {@code reasons} included, and any
 *       action whose id's client is not the connection's: an action this node relays for another node would be
 *       denied, so none is sent.</li>
 *   <li><b>What the server sends</b> goes into the log as from any peer (what it addresses to this node, its
 *       catch-up), except its answers about this node's own actions ({@code logux/processed},
 *       {@code logux/undo} with the id of one of them): they are for this node, not for the mesh, and are only
 *       logged.</li>
 *   <li>The subprotocol of {@code connect} is the node's; a server that refuses it answers
 *       {@code wrong-subprotocol}, and the node's dialer stops dialing it and says so (see
 *       {@code Redialer}).</li>
 * </ul>
 * Called on the node's loop only.
 */
final class UpstreamRole extends EdgeRole {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamRole.class);

    private final SyncSession session;
    private final Log log;
    private final String server;
    private final long maxEntry;

    /**
     * @param maxEntry the largest entry ({@link EntrySize#bound}) a mesh frame can carry ({@link EntrySize#maxEntry}
     *                 of the node's frame limit): a larger one from the server is not added (below)
     */
    UpstreamRole(SyncSession session, Log log, String server, long maxEntry) {
        this.session = session;
        this.log = log;
        this.server = server;
        this.maxEntry = maxEntry;
    }

    @Override
    boolean sends(Entry entry) {
        return entry.id().node().equals(log.nodeId());
    }

    @Override
    boolean keepsCursor() {
        return true;
    }

    @Override
    List<Entry> received(long added, List<Entry> entries, String[] refused, boolean last) {
        List<Entry> keep = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (refused[i] != null) {
                continue;
            }
            // measured as the log stores it, with this node's keep reason (break36: measured as it came, an action
            // within the limit by 9 bytes or less was added and could not be sent to any mesh peer)
            long size = EntrySize.boundOnAnyNode(log.asStored(e));
            if (size > maxEntry) {
                // the link takes the server's frames up to the client frame limit, so one entry may be larger than
                // any frame of the mesh: added here, it would never reach the mesh's other nodes (their logs would
                // differ for good), so it is not added, as a local add that large is refused
                session.refusedEntry(e.id(), SyncSession.TOO_LARGE);
                LOG.warn("Logux server {} sent action {} of about {} bytes (with its meta as this node stores it), over "
                    + "the limit of {} bytes that a frame of the mesh can carry (from --max-frame {}): not added; start "
                    + "the mesh's nodes with a larger --max-frame to take such actions", server, e.id(), size,
                    maxEntry, maxEntry + EntrySize.FRAME_OVERHEAD);
                continue;
            }
            ActionId answered = Answers.answeredId(e.action());
            if (answered == null || !answered.node().equals(log.nodeId())) {
                keep.add(e);
            } else if (Answers.UNDO.equals(e.action().type())) {
                LOG.warn("Logux server {} undid this node's action {}: {}", server, answered,
                    e.action().get("reason"));
            } else {
                LOG.debug("Logux server {} processed {}", server, answered);
            }
        }
        return keep;
    }
}
