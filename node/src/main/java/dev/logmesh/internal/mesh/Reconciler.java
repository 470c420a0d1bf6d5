package dev.logmesh.internal.mesh;

import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.reconcile.Bound;
import dev.logmesh.internal.reconcile.Fingerprint;
import dev.logmesh.internal.reconcile.Initiator;
import dev.logmesh.internal.reconcile.Item;
import dev.logmesh.internal.reconcile.ItemId;
import dev.logmesh.internal.reconcile.ItemIndex;
import dev.logmesh.internal.reconcile.ItemStorage;
import dev.logmesh.internal.reconcile.Need;
import dev.logmesh.internal.reconcile.ReconcileOptions;
import dev.logmesh.internal.reconcile.Responder;
import dev.logmesh.internal.session.Reconciliation;
import dev.logmesh.spi.Loop;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's side of anti-entropy: an index ({@link ItemIndex}) of every id this node holds or has seen
 * (cleaned ones included) from the reconciliation cutoff on, kept up to date from the log's {@code add}
 * events, over which sessions run range-based set reconciliation rounds (Meyer 2022; Negentropy protocol v1).
 *
 * <h2>Design notes</h2>
 * <ul>
 *   <li><b>What is compared.</b> The seen index, not only the log: an id cleaned here but held by a peer is
 *       not a difference (the peer would push it, and this node would drop it as seen, every round).</li>
 *   <li><b>Cutoff.</b> Seen ids older than the seen horizon are forgotten, at different moments on
 *       different nodes, so a round compares only ids from {@code now − horizon + margin} on; the initiator
 *       chooses it and sends it with the round.</li>
 *   <li><b>Quarantine.</b> An entry the store finds corrupt leaves the index with the log's seen ids, so the
 *       next round fetches a peer's good copy.</li>
 *   <li><b>Gone.</b> An id a peer has seen but cleaned cannot be sent: the peer answers {@code gone}, and
 *       this node counts it as known (in the index only, in memory: after a restart one more round asks
 *       again and learns it again), so rounds with that peer stop finding it. Only a cleaned id is gone: one
 *       whose read found it corrupt (quarantined meanwhile) is left out of the answer, or the peer would never
 *       fetch it from a node that holds it.</li>
 *   <li><b>Gone here, held elsewhere.</b> Counted as known, such an id is no difference in a round with any
 *       peer either, also one that holds it: with cursors that say the two are in sync (a stale cursor, a
 *       restored store), it would never come (a breaker's run: 19 seeds of 20 never fetched it from the node
 *       that held it, 10 rounds each). So each gone id is also remembered ({@link #MAX_GONE} at most, oldest
 *       dropped first), and {@link #toAsk} gives it once to every other peer's session, which asks for it with
 *       {@code logmesh:want} after its next round: a peer that holds it sends it, one that cleaned it says
 *       gone. One want key per id and peer, once a session: a session that ends may have lost its wants
 *       ({@link #forgetAsked}), so the peer's next session is asked again (before, a want lost with a broken link
 *       was never sent again).</li>
 *   <li><b>Past the bound.</b> An id dropped from the remembered ones is no longer counted as known either (it
 *       leaves the index): rounds find it again, so a peer that holds it sends it. Before, it stayed known in the
 *       index and no round nor want asked for it any more (a breaker's run: 27,413 of 40,960 ids cleaned on one
 *       peer and held by another never came).</li>
 *   <li><b>Deferred adds.</b> The log's {@code add} events only queue the id ({@link #MAX_PENDING} at most): the
 *       SHA-256 of the id and the insertion into the index are done in one pass when a round, a lookup or a
 *       removal needs the index. A catch-up of 100k entries would otherwise hash and insert each on the loop
 *       while the entries stream in, on interpreted code in a fresh process (issue 12: the cold path).</li>
 *   <li><b>Threads.</b> Every method runs on the node's loop. The index is built at start from the store's
 *       seen index, which for millions of ids takes a while, on the starting thread.</li>
 * </ul>
 */
public final class Reconciler implements Reconciliation {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    /** Ids this close to the horizon are not compared: the two sides may forget them at different times. */
    static final long MARGIN_MILLIS = 3_600_000L;
    /** Ids added to the log and not yet in the index; past this many they are indexed at once. */
    static final int MAX_PENDING = 1 << 20;
    /** Ids answered gone that are remembered to ask other peers for; past this many the oldest are dropped. */
    static final int MAX_GONE = 16_384;
    /** Peers whose progress through {@link #gone} is remembered; past this many the longest unseen is forgotten. */
    static final int MAX_ASKED_PEERS = 1_024;

    private final Log log;
    private final Loop loop;
    private final long horizonMillis;
    private final ItemIndex index = new ItemIndex();
    /** Ids of the log's {@code add} events not yet in {@link #index}, in the order they came. */
    private final ArrayList<ActionId> pending = new ArrayList<>();
    /**
     * What rounds read: the index with the queued ids put in first. A round's later messages read it too, so
     * they see what was added between two messages, as when every add went straight into the index.
     */
    private final ItemStorage view = new ItemStorage() {
        @Override
        public int size() {
            return flush().size();
        }

        @Override
        public Item get(int i) {
            return flush().get(i);
        }

        @Override
        public int lowerBound(Bound bound) {
            return flush().lowerBound(bound);
        }

        @Override
        public Fingerprint fingerprint(int begin, int end) {
            return flush().fingerprint(begin, end);
        }
    };
    private final Runnable unsubscribe;
    /** Ids peers answered gone for, first answer first; {@link #goneBase} is the number of the first. */
    private final ArrayList<Gone> gone = new ArrayList<>();
    private final java.util.Set<ActionId> goneIds = new java.util.HashSet<>();
    private long goneBase;
    /** Per peer, the number of the first id of {@link #gone} not given to it yet (absent: {@link #goneBase}). */
    private final Map<String, Long> askedUpTo = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_ASKED_PEERS;
        }
    };

    /** An id a peer answered gone for. */
    private record Gone(ActionId id, String from) {
    }

    /**
     * @param horizonMillis how long seen ids are kept (the node's seen horizon)
     */
    public Reconciler(Log log, Loop loop, long horizonMillis) {
        this.log = log;
        this.loop = loop;
        this.horizonMillis = horizonMillis;
        long from = cutoff();
        log.store().forEachSeen(from, Long.MAX_VALUE, index::add);
        LOG.debug("reconciliation index: {} ids from {}", index.size(), from);
        Runnable offAdd = log.onAdd(e -> {
            pending.add(e.id());
            if (pending.size() >= MAX_PENDING) {
                flush();
            }
        });
        // an entry found corrupt leaves the log and the seen ids (quarantine): it must leave the index too, or
        // a round would count it as held here and never fetch the peer's good copy
        Runnable offCorrupt = log.store().onCorrupt(c -> {
            flush();
            index.remove(c.id());
        });
        this.unsubscribe = () -> {
            offAdd.run();
            offCorrupt.run();
        };
    }

    @Override
    public long cutoff() {
        return Math.max(0, loop.now() - horizonMillis + MARGIN_MILLIS);
    }

    /** Puts the ids queued by {@code add} events into the index, in the order they came. */
    private ItemIndex flush() {
        if (!pending.isEmpty()) {
            for (ActionId id : pending) {
                index.add(id);
            }
            pending.clear();
            pending.trimToSize();
        }
        return index;
    }

    /** Drops ids below the cutoff from the index (call after the store forgot old seen ids). */
    public void trim() {
        flush().removeBefore(cutoff());
    }

    @Override
    public Initiator initiator(long cutoffMs, int frameSizeLimit) {
        return Initiator.create(view, options(cutoffMs, frameSizeLimit));
    }

    @Override
    public Responder responder(long cutoffMs, int frameSizeLimit) {
        return Responder.create(view, options(cutoffMs, frameSizeLimit));
    }

    private static ReconcileOptions options(long cutoffMs, int frameSizeLimit) {
        return ReconcileOptions.DEFAULT.withCutoffMs(cutoffMs).withFrameSizeLimit(
            Math.max(ReconcileOptions.MIN_FRAME_SIZE_LIMIT, frameSizeLimit));
    }

    @Override
    public Resolved resolve(Collection<Item> items) {
        List<Entry> entries = new ArrayList<>();
        List<ActionId> gone = new ArrayList<>();
        if (items.isEmpty()) {
            return new Resolved(entries, gone);
        }
        Map<ItemId, Item> wanted = new HashMap<>(items.size() * 2);
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (Item i : items) {
            wanted.put(i.id(), i);
            min = Math.min(min, i.timestamp());
            max = Math.max(max, i.timestamp());
        }
        List<ActionId> ids = new ArrayList<>();
        log.store().forEachSeen(min, max, id -> {
            Item item = wanted.get(ItemId.of(id));
            if (item != null && item.timestamp() == id.ms()) {
                ids.add(id);
            }
        });
        ids.sort(null);
        for (ActionId id : ids) {
            Optional<Entry> e = log.byId(id);
            if (e.isPresent()) {
                entries.add(e.get());
            } else if (log.store().seen(id)) {
                gone.add(id); // cleaned here: the peer counts it as known
            }
            // else the read found it corrupt and quarantined it: not gone, just not here any more (a "gone" would
            // make the peer count it as known and never fetch it from a node that holds it)
        }
        return new Resolved(entries, gone);
    }

    @Override
    public Resolved resolveNeeds(Collection<Need> needs) {
        return resolve(flush().findAll(needs));
    }

    @Override
    public void known(String peer, Collection<ActionId> ids) {
        flush();
        long cutoff = cutoff();
        for (ActionId id : ids) {
            if (id.ms() >= cutoff && !log.seen(id)) {
                index.add(id);
                if (goneIds.add(id)) {
                    gone.add(new Gone(id, peer));
                }
            }
        }
        if (gone.size() > MAX_GONE) {
            int drop = gone.size() - MAX_GONE / 2;
            int unknown = 0;
            for (Gone g : gone.subList(0, drop)) {
                goneIds.remove(g.id());
                // no longer remembered to ask for, so no longer counted as known: rounds find it again, with a
                // peer that holds it (fetched) or with one that cleaned it (gone again, remembered again)
                if (!log.seen(g.id()) && index.remove(g.id())) {
                    unknown++;
                }
            }
            gone.subList(0, drop).clear();
            goneBase += drop;
            LOG.debug("{} ids answered gone dropped from the {} remembered; {} of them not known any more", drop,
                MAX_GONE, unknown);
        }
    }

    @Override
    public void forgetAsked(String peer) {
        askedUpTo.remove(peer);
    }

    @Override
    public List<ActionId> toAsk(String peer) {
        long end = goneBase + gone.size();
        Long from = askedUpTo.get(peer);
        long start = from == null ? goneBase : Math.max(from, goneBase);
        if (start >= end) {
            return List.of();
        }
        askedUpTo.put(peer, end);
        long cutoff = cutoff();
        List<ActionId> out = new ArrayList<>();
        for (Gone g : gone.subList((int) (start - goneBase), gone.size())) {
            if (!g.from().equals(peer) && g.id().ms() >= cutoff && !log.seen(g.id())) {
                out.add(g.id());
            }
        }
        return out;
    }

    /** How many ids the index holds. */
    public int size() {
        return flush().size();
    }

    /** Stops following the log. */
    public void close() {
        unsubscribe.run();
    }
}
