package dev.logmesh.internal.mesh;

import dev.logmesh.ActionId;
import dev.logmesh.internal.session.Gossip;
import dev.logmesh.spi.Loop;
import java.util.ArrayList;
import java.util.HashMap;
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
 *   <li><b>Graft cap (gossip44).</b> A peer is asked for at most its cap of ids within one graft delay
 *       ({@link #GRAFT_START_IDS} at first, grown {@link #GRAFT_GROWTH} times by an answer of only new entries up
 *       to {@link #GRAFT_MAX_IDS}, set back by an answer holding an entry the log had or by a tree copy of an entry
 *       grafted lately), oldest announcement first; the due ids past it wait for the window's end and leave the wait
 *       when they arrive by the tree. On busy loops the ids run seconds ahead of the tree's payload, and one graft
 *       of thousands of ids brought each twice.</li>
 *   <li><b>Optimisation.</b> The paper's optional tree optimisation (swap an eager link for a lazy one that
 *       is consistently faster) is not done: on a LAN the gain is small and the churn costs more.</li>
 * </ul>
 */
public final class Plumtree implements Gossip {
    private static final Logger LOG = LoggerFactory.getLogger(Plumtree.class);
    /** The graft delay doubles at most this many times for an id that no announcer delivered. */
    static final int MAX_BACKOFF = 5;
    /** The most ids a peer is asked for in one graft delay at first, and again after an answer of duplicates. */
    static final int GRAFT_START_IDS = 64;
    /** The factor by which an answer of only new entries grows a peer's graft cap (as the payload ramp grows). */
    static final int GRAFT_GROWTH = 4;
    /**
     * The most a peer's graft cap grows to: one growth. With 16,384 a busy-loop burst (GossipBurstTest, links of 5
     * ms) grew it to 4,096 on answers that came before the tree's copy and got 21,302 duplicates for 80,000 entries.
     */
    static final int GRAFT_MAX_IDS = GRAFT_START_IDS * GRAFT_GROWTH * GRAFT_GROWTH;

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
    /** The graft ramp of each peer asked for ids since its session came up. */
    private final Map<String, GraftRamp> ramps = new HashMap<>();
    /** How many grafted ids {@link #recentlyGrafted} keeps. */
    static final int RECENT_GRAFTS = 16_384;
    /**
     * The ids grafted lately and the peer each was asked from, at most {@link #RECENT_GRAFTS} (the oldest leave
     * first): a copy of one that the tree brings too shows that graft was not needed ({@link #treeDuplicates}).
     */
    private final Map<ActionId, String> recentlyGrafted = new LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<ActionId, String> eldest) {
            return size() > RECENT_GRAFTS;
        }
    };
    private long grafts;
    private long prunes;
    private int largestGraft;

    /**
     * The graft ramp of one peer: the ids it is asked for within one graft delay are capped, the cap grown by an
     * answer of only new entries and set back to its start when a graft proves unneeded: its answer held entries
     * the log had (the tree brought them first), or the tree brought a copy of a grafted entry after the answer.
     */
    private static final class GraftRamp {
        long cap = GRAFT_START_IDS;
        /** When the current graft window began (loop's monotonic ms), and how many ids it asked for so far. */
        long windowStart = Long.MIN_VALUE / 2;
        long askedInWindow;
        /** Whether a graft went out whose answer has not been counted yet. */
        boolean awaiting;
    }

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
            armIn(graftMillis << Math.min(round, MAX_BACKOFF));
        }

        /** Sets the timer to fire in {@code delay} ms (cancelling a pending one). */
        void armIn(long delay) {
            if (timer != null) {
                timer.cancel();
            }
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
        ramps.remove(peer);
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
        String to = nextAnnouncer(m);
        long now = loop.monotonicMillis();
        GraftRamp ramp = ramps.computeIfAbsent(to, p -> new GraftRamp());
        if (now - ramp.windowStart >= graftMillis) {
            ramp.windowStart = now;
            ramp.askedInWindow = 0;
        }
        long room = ramp.cap - ramp.askedInWindow;
        long windowEnd = ramp.windowStart + graftMillis;
        if (room <= 0) {
            // the cap: this peer was asked for its share in this graft delay; the next graft timer is at its end
            // (the id leaves the wait if the tree brings it before; arrived)
            m.armIn(windowEnd - now);
            return;
        }
        // One graft per announcer: take along every other missing id whose next announcer is the same peer
        // and whose timer is due within half a delay (ids of one ihave expire together), oldest announcement
        // first, up to the peer's cap; the due ids past it wait for the window's end.
        long horizon = now + graftMillis / 2;
        List<ActionId> ids = new ArrayList<>();
        for (Missing o : missing.values()) {
            if (o == m || (o.due <= horizon && !o.announcers.isEmpty() && to.equals(nextAnnouncer(o)))) {
                if (ids.size() < room || o == m) {
                    ids.add(o.id);
                    recentlyGrafted.put(o.id, to);
                    o.asked++;
                    o.arm();
                } else if (o.due < windowEnd) {
                    o.armIn(windowEnd - now);
                }
            }
        }
        ramp.askedInWindow += ids.size();
        ramp.awaiting = true;
        lazy.remove(to);
        grafts++;
        largestGraft = Math.max(largestGraft, ids.size());
        LOG.debug("graft {} ids from {} (cap {}): {} still missing after {} grafts", ids.size(), to, ramp.cap, m.id,
            m.asked);
        if (!sender.graft(to, ids)) {
            LOG.debug("graft of {} ids to {} not sent (no session)", ids.size(), to);
        }
    }

    /**
     * A graft answer (a {@code sync} numbered 0) from this peer was added to the log: {@code fresh} of its entries
     * were new, {@code duplicates} were here already (the tree brought them first). Grows the peer's graft cap
     * {@link #GRAFT_GROWTH} times when all were new, up to {@link #GRAFT_MAX_IDS}; sets it back to
     * {@link #GRAFT_START_IDS} when any was a duplicate. Ignored from a peer not grafted since its session came up
     * or since its last answer (a reconciliation answer is numbered 0 too).
     */
    @Override
    public void graftAnswered(String peer, int fresh, int duplicates) {
        GraftRamp ramp = ramps.get(peer);
        if (ramp == null || !ramp.awaiting) {
            return;
        }
        ramp.awaiting = false;
        if (duplicates > 0) {
            ramp.cap = GRAFT_START_IDS;
        } else if (fresh > 0) {
            ramp.cap = Math.min(GRAFT_MAX_IDS, ramp.cap * GRAFT_GROWTH);
        }
        LOG.debug("graft answer from {}: {} new, {} duplicates; its cap now {}", peer, fresh, duplicates, ramp.cap);
    }

    /**
     * A {@code sync} of the tree from {@code peer} brought these entries, which the log had. Each that was grafted
     * lately shows its graft was not needed (the tree was on its way): the graft cap of the peer it was grafted
     * from goes back to {@link #GRAFT_START_IDS}.
     */
    @Override
    public void treeDuplicates(String peer, List<ActionId> ids) {
        if (recentlyGrafted.isEmpty()) {
            return;
        }
        for (ActionId id : ids) {
            String from = recentlyGrafted.remove(id);
            GraftRamp ramp = from == null ? null : ramps.get(from);
            if (ramp != null && ramp.cap > GRAFT_START_IDS) {
                LOG.debug("{} grafted from {} came by the tree from {} too: its graft cap back to {} from {}", id,
                    from, peer, GRAFT_START_IDS, ramp.cap);
                ramp.cap = GRAFT_START_IDS;
            }
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

    /** The most ids one graft asked for so far. */
    public int largestGraft() {
        return largestGraft;
    }

    /** For tests: the ids this peer may be asked for in one graft delay now (its graft ramp's cap). */
    long graftCap(String peer) {
        GraftRamp ramp = ramps.get(peer);
        return ramp == null ? GRAFT_START_IDS : ramp.cap;
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
        ramps.clear();
        recentlyGrafted.clear();
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
