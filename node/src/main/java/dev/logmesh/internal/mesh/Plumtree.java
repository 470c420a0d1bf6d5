package dev.logmesh.internal.mesh;

import dev.logmesh.ActionId;
import dev.logmesh.internal.session.Gossip;
import dev.logmesh.spi.Loop;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plumtree gossip of one node (Leitão, Pereira, Rodrigues, "Epidemic Broadcast Trees", SRDS 2007,
 * Algorithm 1): every peer link is <em>eager</em> (it carries payload: {@code sync}) or <em>lazy</em> (it
 * carries only ids: {@code logmesh:ihave}). The eager links form a spanning tree: a link that delivers a
 * duplicate is pruned to lazy ({@code logmesh:prune}); an id announced on a lazy link that does not arrive
 * by another path within {@link #graftMillis} is requested from its announcer ({@code logmesh:graft}),
 * which also makes that link eager again, repairing the tree.
 *
 * <h2>Design notes</h2>
 * <ul>
 *   <li><b>Threads.</b> Every method runs on the node's loop.</li>
 *   <li><b>No socket.</b> Messages go out through {@link Sender}; time comes from the {@link Loop}; the
 *       log answers "is this id here" ({@code have}). The session tells this class what it received; the
 *       class never touches a session's acknowledgement: a session answers an {@code ihave} with
 *       {@code synced} only once every announced id is in the log, so nothing is acknowledged that this
 *       node does not hold.</li>
 *   <li><b>Missing ids.</b> Each announced id that is not here is tracked with every peer that announced
 *       it, in announcement order (the paper's {@code missing} set and its per-id timer). When the timer
 *       fires, the id is grafted from the next announcer not yet asked (§3.6: "the node selects the first
 *       announcement ... and sends a GRAFT"), and the timer is set again. When every announcer was asked
 *       it starts over from the first, with the delay doubled up to {@link #MAX_BACKOFF} times: an answer
 *       can sit behind megabytes of queued writes, so a slow answer is not a lost one. It never gives up
 *       by acknowledging: if no announcer can deliver (it cleaned the entry after announcing), the
 *       announcing session's batch stays unacknowledged until the session ends, and the peer's next
 *       session (or anti-entropy) settles it.</li>
 *   <li><b>Optimisation.</b> The paper's optional tree optimisation (swap an eager link for a lazy one that
 *       is consistently faster) is not done: on a LAN the gain is small and the churn costs more.</li>
 * </ul>
 */
public final class Plumtree implements Gossip {
    private static final Logger LOG = LoggerFactory.getLogger(Plumtree.class);
    /** The graft delay doubles at most this many times for an id that no announcer delivered. */
    static final int MAX_BACKOFF = 5;

    /** Where this class's messages go; implemented by the node's peer table. */
    public interface Sender {
        /** Sends {@code logmesh:graft} with these ids to a peer; false if it has no session now. */
        boolean graft(String peer, List<ActionId> ids);

        /** Sends {@code logmesh:prune} to a peer; false if it has no session now. */
        boolean prune(String peer);
    }

    private final Loop loop;
    private final long graftMillis;
    private final Predicate<ActionId> have;
    private final Sender sender;
    /** Peers whose link is lazy (ids only); every other connected peer is eager. */
    private final Set<String> lazy = new HashSet<>();
    /** Announced ids not in the log, oldest announcement first. */
    private final Map<ActionId, Missing> missing = new LinkedHashMap<>();
    private long grafts;
    private long prunes;

    /** One announced id not in the log yet. */
    private final class Missing {
        final ActionId id;
        /** Every peer that announced it, first announcer first. */
        final LinkedHashSet<String> announcers = new LinkedHashSet<>();
        /** How many grafts were sent for it. */
        int asked;
        /** When the timer fires, on the loop's monotonic clock (ms). */
        long due;
        Loop.Cancellable timer;

        Missing(ActionId id) {
            this.id = id;
        }

        void arm() {
            int round = announcers.isEmpty() ? 0 : asked / announcers.size();
            long delay = graftMillis << Math.min(round, MAX_BACKOFF);
            due = loop.monotonicMillis() + delay;
            timer = loop.schedule(delay, () -> expire(this));
        }
    }

    /**
     * @param graftMillis how long an announced id may stay missing before it is grafted, {@code > 0}
     * @param have        whether the log holds an id now
     */
    public Plumtree(Loop loop, long graftMillis, Predicate<ActionId> have, Sender sender) {
        if (graftMillis <= 0) {
            throw new IllegalArgumentException("graft delay must be > 0, got " + graftMillis);
        }
        this.loop = loop;
        this.graftMillis = graftMillis;
        this.have = have;
        this.sender = sender;
    }

    /** Whether entries go to this peer as payload ({@code sync}) rather than as ids only. */
    @Override
    public boolean eager(String peer) {
        return !lazy.contains(peer);
    }

    /** A session with this peer came up: links start eager (§3.3: "initially, all links are eager"). */
    public void peerUp(String peer) {
        lazy.remove(peer);
    }

    /** The session with this peer ended: forget its link, and it as an announcer. */
    public void peerDown(String peer) {
        lazy.remove(peer);
        for (Missing m : missing.values()) {
            m.announcers.remove(peer);
        }
    }

    /**
     * A {@code sync} from this peer delivered only entries the log already had (§3.4: on a duplicate, send
     * PRUNE and move the link to lazy). Graft answers (numbered 0) are not duplicates of the tree and must
     * not be reported here.
     */
    @Override
    public void duplicate(String peer) {
        if (lazy.add(peer)) {
            prunes++;
            LOG.debug("prune {}: it delivered a duplicate", peer);
            sender.prune(peer);
        }
    }

    /** The peer sent {@code logmesh:prune}: send it ids only from now on. */
    @Override
    public void pruned(String peer) {
        LOG.debug("pruned by {}", peer);
        lazy.add(peer);
    }

    /** The peer sent {@code logmesh:graft}: send it payload from now on (the caller answers the ids). */
    @Override
    public void grafted(String peer) {
        LOG.debug("grafted by {}", peer);
        lazy.remove(peer);
    }

    /**
     * The peer announced these ids ({@code logmesh:ihave}); the caller passes only those not in the log.
     * Each is grafted if it is still missing after the graft delay.
     */
    @Override
    public void announced(String peer, List<ActionId> ids) {
        for (ActionId id : ids) {
            Missing m = missing.get(id);
            if (m == null) {
                m = new Missing(id);
                missing.put(id, m);
                m.announcers.add(peer);
                m.arm();
            } else {
                m.announcers.add(peer);
            }
        }
    }

    /** An entry reached the log (by any path): it is no longer missing. */
    public void arrived(ActionId id) {
        if (missing.isEmpty()) {
            return;
        }
        Missing m = missing.remove(id);
        if (m != null && m.timer != null) {
            m.timer.cancel();
        }
    }

    private void expire(Missing m) {
        if (missing.get(m.id) != m) {
            return;
        }
        if (have.test(m.id)) {
            missing.remove(m.id);
            return;
        }
        if (m.announcers.isEmpty()) {
            // every announcer left; its next session (or anti-entropy) brings the id
            missing.remove(m.id);
            return;
        }
        // One graft per announcer: take along every other missing id whose next announcer is the same peer
        // and whose timer is due within half a delay (ids of one ihave expire together).
        String to = nextAnnouncer(m);
        long horizon = loop.monotonicMillis() + graftMillis / 2;
        List<ActionId> ids = new ArrayList<>();
        for (Missing o : missing.values()) {
            if (o == m || (o.due <= horizon && !o.announcers.isEmpty() && to.equals(nextAnnouncer(o)))) {
                if (o != m && o.timer != null) {
                    o.timer.cancel();
                }
                ids.add(o.id);
                o.asked++;
                o.arm();
            }
        }
        lazy.remove(to);
        grafts++;
        LOG.debug("graft {} ids from {}: {} still missing after {} grafts", ids.size(), to, m.id, m.asked);
        if (!sender.graft(to, ids)) {
            LOG.debug("graft of {} ids to {} not sent (no session)", ids.size(), to);
        }
    }

    private String nextAnnouncer(Missing m) {
        int i = m.asked % m.announcers.size();
        for (String p : m.announcers) {
            if (i-- == 0) {
                return p;
            }
        }
        throw new IllegalStateException("unreachable");
    }

    /** How many ids are announced but missing now. */
    public int missingCount() {
        return missing.size();
    }

    /** Whether this id is announced and missing. */
    public boolean isMissing(ActionId id) {
        return missing.containsKey(id);
    }

    /** Grafts sent so far. */
    public long grafts() {
        return grafts;
    }

    /** Prunes sent so far. */
    public long prunes() {
        return prunes;
    }

    /** Peers whose link is lazy now. */
    public Set<String> lazyPeers() {
        return Set.copyOf(lazy);
    }

    /** Cancels every timer. */
    public void close() {
        for (Missing m : missing.values()) {
            if (m.timer != null) {
                m.timer.cancel();
            }
        }
        missing.clear();
        lazy.clear();
    }

    /** For tests: the announcers recorded for a missing id, in order. */
    List<String> announcers(ActionId id) {
        Missing m = missing.get(id);
        return m == null ? List.of() : new ArrayList<>(m.announcers);
    }

    /** For tests: how many grafts were sent for a missing id. */
    int asked(ActionId id) {
        Missing m = missing.get(id);
        return m == null ? 0 : m.asked;
    }

    @Override
    public String toString() {
        return "Plumtree{lazy=" + lazy + ", missing=" + missing.size() + "}";
    }
}
