package dev.logmesh.internal.mesh;

import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.reconcile.Bound;
import dev.logmesh.internal.reconcile.Fingerprint;
import dev.logmesh.internal.reconcile.Initiator;
import dev.logmesh.internal.reconcile.Item;
import dev.logmesh.internal.reconcile.ItemHasher;
import dev.logmesh.internal.reconcile.ItemId;
import dev.logmesh.internal.reconcile.ItemIndex;
import dev.logmesh.internal.reconcile.ItemStorage;
import dev.logmesh.internal.reconcile.Need;
import dev.logmesh.internal.reconcile.ReconcileOptions;
import dev.logmesh.internal.reconcile.Responder;
import dev.logmesh.internal.reconcile.UnionStorage;
import dev.logmesh.internal.session.Reconciliation;
import dev.logmesh.spi.Loop;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
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
 *   <li><b>Gone.</b> An id a peer has seen but cleaned cannot be sent: the peer answers {@code gone}. Only a
 *       cleaned id is gone: one whose read found it corrupt (quarantined meanwhile) is left out of the answer, or
 *       the peer would never fetch it from a node that holds it.</li>
 *   <li><b>Gone marks, per peer.</b> This node keeps the ids each peer answered gone for ({@link #known}) in an
 *       {@link ItemIndex} of that peer's (about 44 bytes an id), and its rounds with that peer compare the index
 *       <em>and</em> that peer's marks ({@link UnionStorage}: the two indexes' range sums added, no copy). So the
 *       id is no difference with the peer that cleaned it, and still one with every other peer: a peer that holds
 *       it sends it (then it leaves every peer's marks), one that cleaned it answers gone once and is marked too.
 *       Cost: one {@code want}/{@code gone} exchange per id and peer, not per round. Marks leave with the cutoff
 *       ({@link #trim}), and are kept when a session ends (the peer comes back). A round that finds the peer
 *       lacks a marked id (its store wiped, or restored from before it saw it) drops the mark ({@link #resolve},
 *       {@link #resolveNeeds}): else every round would find it, and this node cannot send it. A peer that holds a
 *       marked id again (restored from before it cleaned it) is not asked for it; another holder is.</li>
 *   <li><b>Why not one set for all peers.</b> Before (sessions 18 to 22) a gone id was counted as known in the
 *       index, so in rounds with every peer: a peer that held it was never asked by a round (a breaker's run: 19
 *       seeds of 20 never fetched it from the holder behind a stale cursor), so each gone id was also remembered
 *       (16,384 at most) and asked of every other peer with {@code logmesh:want}; past that bound the oldest left
 *       the index, and ids that every peer had cleaned were asked for again at every round, for as long as the
 *       peers' seen horizon kept them (session 23, {@code GoneAtScaleTest}: 50,000 ids cleaned on 3 peers cost a
 *       node that joined about 23 MB of {@code range}/{@code want}/{@code gone} each 30 s, as much in the tenth
 *       window as in the second). Nor are gone ids added to this node's durable seen index: that would mean
 *       "applied or cleaned here", which this node never did, and a holder it reaches later (HyParView's active
 *       view changes) would never be asked.</li>
 *   <li><b>Bound.</b> {@link #MAX_GONE_BYTES} of marks for all peers and {@link #MAX_GONE_PEERS} peers: past them
 *       the least recently reconciled peer's marks are dropped, then the oldest half of the newest peer's. A dropped
 *       mark costs traffic (that peer's next round asks again), never an action. A peer left without marks (all
 *       dropped, arrived, or lacked by the peer) is forgotten: its empty index would take some 700 bytes of the bound
 *       (before session 24 it stayed, and a bound below that could not be kept).</li>
 *   <li><b>Kept across restarts.</b> Each mark made, dropped or bounded away is written to the store too
 *       ({@link dev.logmesh.spi.Store#addGone}: SqliteStore's table {@code gone}, one transaction per {@code gone}
 *       answer, made durable by its group commit, never an fsync on the loop), and the marks are loaded at start
 *       after the index, except ids the index holds by then (their rows are dropped). So a restart does not ask each
 *       peer again for what it cleaned (session 23, {@code GoneAtScaleTest}: 22.5 MB for 3 peers and 50,000 ids
 *       before, about one round's {@code range} frames now). The store forgets marks with the seen ids
 *       ({@link dev.logmesh.spi.Store#forgetSeen}, same cutoff). Ids that arrive leave the marks in memory only (no
 *       write per arriving id): their rows go at the next start. What is not kept: the peers' least-recently-used
 *       order (after a start it is the store's order), and marks a failed write missed (logged; the next round asks
 *       again). A store that keeps none (the SPI's default) asks again after each restart, as before.</li>
 *   <li><b>Deferred adds.</b> The log's {@code add} events only queue the id ({@link #MAX_PENDING} at most): the
 *       SHA-256 of the id and the insertion into the index are done in one pass when a round, a lookup or a
 *       quarantine needs the index; a sweep ({@link #trim}) drops the queued ids below its cutoff and hashes none
 *       (session 52). A catch-up of 100k entries would otherwise hash and insert each on the loop while the
 *       entries stream in, on interpreted code in a fresh process (issue 12: the cold path).</li>
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
    /**
     * Bytes of heap the ids peers answered gone for may take, all peers together ({@link ItemIndex#memoryBytes}:
     * about 44 bytes an id and peer, so some 760,000); past it the marks of the peer least recently reconciled
     * with are dropped first, and the oldest half of the last one's.
     */
    public static final long MAX_GONE_BYTES = 32L << 20;
    /** Peers whose gone answers are kept; past this many, the one least recently reconciled with is dropped. */
    static final int MAX_GONE_PEERS = 1_024;

    private final Log log;
    private final Loop loop;
    private final long horizonMillis;
    private final long maxGoneBytes;
    /** The time the horizon counts from, ms: the node's {@link HorizonClock}, or the loop's clock. */
    private final java.util.function.LongSupplier horizonNow;
    /** Whether this node's horizon clock is confirmed by a peer's ({@link HorizonClock#confirmed()}). */
    private final java.util.function.BooleanSupplier horizonConfirmed;
    private final ItemIndex index = new ItemIndex();
    /** Hashes the queued ids at {@link #flush}; the loop thread's, as the index. */
    private final ItemHasher hasher = new ItemHasher();
    /** Ids of the log's {@code add} events not yet in {@link #index}, in the order they came. */
    private final ArrayList<ActionId> pending = new ArrayList<>();
    private final Runnable unsubscribe;
    /**
     * Per peer (node id), the ids it answered {@code gone} for that this node lacks: none of them in {@link #index}
     * (an id that arrives leaves them all, {@link #flush}). The least recently used peer first.
     */
    private final LinkedHashMap<String, ItemIndex> goneFrom = new LinkedHashMap<>(16, 0.75f, true);

    /**
     * @param horizonMillis how long seen ids are kept (the node's seen horizon)
     */
    public Reconciler(Log log, Loop loop, long horizonMillis) {
        this(log, loop, horizonMillis, MAX_GONE_BYTES);
    }

    /**
     * As {@link #Reconciler(Log, Loop, long)}, with another bound of the gone marks' bytes, all peers together (for
     * tests: a tiny one makes a simulated mesh drop marks).
     */
    public Reconciler(Log log, Loop loop, long horizonMillis, long maxGoneBytes) {
        this(log, loop, horizonMillis, maxGoneBytes, loop::now);
    }

    /**
     * As {@link #Reconciler(Log, Loop, long, long)}, with the cutoff counted from {@code horizonNow} (ms; the node's
     * {@link HorizonClock#now()}, which a wall clock far ahead does not move) instead of the loop's clock: a node
     * started with its clock 31 days ahead would otherwise load no id of the last 30 days into its index.
     */
    public Reconciler(Log log, Loop loop, long horizonMillis, long maxGoneBytes,
                      java.util.function.LongSupplier horizonNow) {
        this(log, loop, horizonMillis, maxGoneBytes, horizonNow, () -> true);
    }

    /**
     * As {@link #Reconciler(Log, Loop, long, long, java.util.function.LongSupplier)}, with whether this node trusts
     * its horizon over a peer's ({@link HorizonClock#confirmed()}: a peer's clock has agreed with it): only then does
     * it answer a round from its own cutoff when that is later than the initiator's ({@link #responder}).
     */
    public Reconciler(Log log, Loop loop, long horizonMillis, long maxGoneBytes,
                      java.util.function.LongSupplier horizonNow, java.util.function.BooleanSupplier horizonConfirmed) {
        this.horizonConfirmed = horizonConfirmed;
        this.horizonNow = horizonNow;
        this.maxGoneBytes = maxGoneBytes;
        this.log = log;
        this.loop = loop;
        this.horizonMillis = horizonMillis;
        long from = cutoff();
        loadSeen(from);
        LOG.debug("reconciliation index: {} ids from {}", index.size(), from);
        loadGoneMarks(from);
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

    /** Most ids read from the store at start per {@link ItemIndex#addAll} batch. */
    private static final int LOAD_BATCH = 1 << 16;

    /**
     * Puts the seen ids from {@code fromMs} on into the index, in batches of up to {@link #LOAD_BATCH} ({@link
     * ItemIndex#addAll}): a store gives them in created order, whose ids of one millisecond sort by hash in the index.
     * The batch grows with what the store holds: an empty one costs a node's start no more than before.
     */
    private void loadSeen(long fromMs) {
        IdBatch batch = new IdBatch(64);
        log.store().forEachSeen(fromMs, Long.MAX_VALUE, id -> {
            if (batch.size == LOAD_BATCH) {
                batch.addTo(index);
                batch.size = 0;
            }
            batch.add(id, hasher);
        });
        batch.addTo(index);
    }

    /**
     * Ids as {@link ItemIndex#addAll} takes them: timestamps and their ids' four words ({@link ItemHasher}), no object
     * an id; grows as ids come. The start's load and {@link #flush} fill one each. Loop only.
     */
    private static final class IdBatch {
        long[] timestamps;
        long[] words;
        int size;

        IdBatch(int capacity) {
            timestamps = new long[capacity];
            words = new long[4 * capacity];
        }

        void add(ActionId id, ItemHasher hasher) {
            if (size == timestamps.length) {
                timestamps = java.util.Arrays.copyOf(timestamps, 2 * size);
                words = java.util.Arrays.copyOf(words, 8 * size);
            }
            timestamps[size] = id.ms();
            hasher.words(id, words, 4 * size);
            size++;
        }

        /** Item {@code i} of the batch. */
        Item item(int i) {
            int w = 4 * i;
            return new Item(timestamps[i], ItemId.ofWords(words[w], words[w + 1], words[w + 2], words[w + 3]));
        }

        void addTo(ItemIndex index) {
            index.addAll(timestamps, words, size);
        }
    }

    /**
     * Loads the gone marks the store kept ({@link dev.logmesh.spi.Store#forEachGone}) from {@code from} on, except ids
     * the index holds by then (fetched since they were marked: their rows are dropped from the store), and bounds them
     * as {@link #known} does. A store that cannot be read for them leaves this node without marks (logged): the first
     * round with each peer asks again, as a store that keeps none.
     */
    private void loadGoneMarks(long from) {
        Map<String, List<ActionId>> stale = new HashMap<>();
        int[] loaded = new int[1];
        try {
            log.store().forEachGone(from, Long.MAX_VALUE, (peer, id) -> {
                Item item = Item.of(id);
                if (index.indexOf(item) >= 0) {
                    stale.computeIfAbsent(peer, p -> new ArrayList<>()).add(id);
                } else if (goneFrom.computeIfAbsent(peer, p -> new ItemIndex()).add(item)) {
                    loaded[0]++;
                }
            });
        } catch (dev.logmesh.StoreException e) {
            LOG.warn("gone marks not loaded, the first round with each peer asks for its cleaned ids again: {}",
                e.getMessage());
            goneFrom.clear();
            return;
        }
        stale.forEach((peer, ids) -> persist(() -> log.store().removeGone(peer, ids)));
        if (loaded[0] > 0) {
            bound(null);
            LOG.debug("gone marks: {} ids of {} peers loaded, {} dropped as seen here", loaded[0], goneFrom.size(),
                stale.values().stream().mapToInt(List::size).sum());
        }
    }

    /**
     * Runs a write of gone marks to the store: a failure (a full disk) is logged and leaves the marks in memory as
     * they are, since a mark the store lacks costs a round's traffic after a restart, never an action.
     */
    private static void persist(Runnable write) {
        try {
            write.run();
        } catch (dev.logmesh.StoreException e) {
            LOG.warn("gone marks not saved (a restart asks the peers for them again): {}", e.getMessage());
        }
    }

    @Override
    public long cutoff() {
        return Math.max(0, Math.min(loop.now(), horizonNow.getAsLong()) - horizonMillis + MARGIN_MILLIS);
    }

    /**
     * Puts the ids queued by {@code add} events into the index: hashed into arrays ({@link ItemHasher}, no object an
     * id) and added as one batch ({@link ItemIndex#addAll}, sorted once), where adding them one by one in the order
     * they came shifted the last millisecond's items for each id of a catch-up (session 48's profile: 13% of the
     * receiving loop). Each id added leaves the gone marks.
     */
    private ItemIndex flush() {
        int n = pending.size();
        if (n > 0) {
            IdBatch batch = new IdBatch(n);
            for (ActionId id : pending) {
                batch.add(id, hasher);
            }
            if (hasGoneMarks()) {
                // fetched from a holder (or added here): no longer a gone mark, and the two stay disjoint
                for (int i = 0; i < n; i++) {
                    Item item = batch.item(i);
                    for (ItemIndex g : goneFrom.values()) {
                        g.remove(item);
                    }
                }
                dropEmptyMarks();
            }
            batch.addTo(index);
            pending.clear();
            pending.trimToSize();
        }
        return index;
    }

    /**
     * Drops ids below the cutoff from the index (call after the store forgot old seen ids).
     *
     * @param nowMillis the time the store's sweep counted from (ms; the node's {@code sweepNow}, which a wall clock
     *                  stepped forward does not move): the cutoff is this less the horizon, plus the margin
     */
    public void trim(long nowMillis) {
        if (pending.isEmpty() && index.size() == 0 && goneFrom.isEmpty()) {
            // nothing to drop: an empty index's work would load the digest's classes, which a fresh node's first
            // sweep (a second after its start) does not need (StartupPathTest, session 45)
            return;
        }
        long cutoff = Math.max(0, Math.min(Math.min(loop.now(), horizonNow.getAsLong()), nowMillis) - horizonMillis
            + MARGIN_MILLIS);
        // the queued ids stay queued, not hashed for a sweep: those below the cutoff leave the queue, the others go in
        // at the next read of the index (flush), the same index as putting them in here and dropping the old ones.
        // Before (session 52) the first sweep, a second after the start, hashed every id of a catch-up still under
        // way, on the loop (SHA-256 in Java code until C2 has compiled it): 0.3 s of a 500k catch-up's loop under C1
        pending.removeIf(id -> id.ms() < cutoff);
        index.removeBefore(cutoff);
        goneFrom.values().removeIf(g -> {
            g.removeBefore(cutoff);
            return g.size() == 0;
        });
    }

    /**
     * Forgets the peers left without marks: an empty {@link ItemIndex} still takes its arrays (some 700 bytes), which
     * would count against {@link #MAX_GONE_BYTES} and {@link #MAX_GONE_PEERS} for nothing.
     */
    private void dropEmptyMarks() {
        goneFrom.values().removeIf(g -> g.size() == 0);
    }

    private boolean hasGoneMarks() {
        return !goneFrom.isEmpty();
    }

    @Override
    public Initiator initiator(String peer, long cutoffMs, int frameSizeLimit) {
        return Initiator.create(viewFor(peer), options(cutoffMs, frameSizeLimit));
    }

    @Override
    public Responder responder(String peer, long cutoffMs, int frameSizeLimit) {
        // this node's own cutoff when it is later (the initiator's clock behind): what lies before it is settled, not
        // pushed here (ids older than this node's horizon, which it may have applied, cleaned and forgotten); only
        // when a peer's clock has agreed with this node's: a new log whose clock is far ahead (its cutoff in the
        // future) would otherwise settle everything and never be repaired by a round (break51b)
        long own = horizonConfirmed.getAsBoolean() ? cutoff() : 0;
        return Responder.create(viewFor(peer), options(Math.max(cutoffMs, own), frameSizeLimit));
    }

    /**
     * What rounds with {@code peer} read: the index (queued ids put in first) and the ids {@code peer} answered gone
     * for, looked up at each call, so answers that come between two messages of a round count from the next one.
     */
    private ItemStorage viewFor(String peer) {
        return new ItemStorage() {
            private ItemIndex marks;
            private UnionStorage union;

            private ItemStorage storage() {
                flush();
                ItemIndex g = goneFrom.get(peer);
                if (g == null || g.size() == 0) {
                    return index;
                }
                if (g != marks) {
                    marks = g;
                    union = new UnionStorage(index, g);
                }
                return union;
            }

            @Override
            public int size() {
                return storage().size();
            }

            @Override
            public Item get(int i) {
                return storage().get(i);
            }

            @Override
            public int lowerBound(Bound bound) {
                return storage().lowerBound(bound);
            }

            @Override
            public Fingerprint fingerprint(int begin, int end) {
                return storage().fingerprint(begin, end);
            }
        };
    }

    private static ReconcileOptions options(long cutoffMs, int frameSizeLimit) {
        return ReconcileOptions.DEFAULT.withCutoffMs(cutoffMs).withFrameSizeLimit(
            Math.max(ReconcileOptions.MIN_FRAME_SIZE_LIMIT, frameSizeLimit));
    }

    @Override
    public Resolved resolve(String peer, Collection<Item> items) {
        dropMarks(peer, items);
        return resolve(items);
    }

    /**
     * {@code peer} lacks these items (a round found so): those it had answered gone for leave its marks, or every
     * round with a peer that lost them (a wiped or restored store) would find them again, and no one here can send
     * them.
     */
    private void dropMarks(String peer, Collection<Item> items) {
        ItemIndex g = goneFrom.get(peer);
        if (g == null || g.size() == 0) {
            return;
        }
        java.util.Set<Item> dropped = new java.util.HashSet<>();
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (Item i : items) {
            if (g.remove(i)) {
                dropped.add(i);
                min = Math.min(min, i.timestamp());
                max = Math.max(max, i.timestamp());
            }
        }
        if (!dropped.isEmpty()) {
            if (g.size() == 0) {
                goneFrom.remove(peer);
            }
            LOG.debug("{} lacks {} ids it had answered gone for: no marks any more", peer, dropped.size());
            // the store keeps ids, the marks their hashes: its marks of this peer in the range are matched (rare)
            List<ActionId> ids = new ArrayList<>();
            long from = min;
            long to = max;
            persist(() -> {
                log.store().forEachGone(from, to, (p, id) -> {
                    if (p.equals(peer) && dropped.contains(Item.of(id))) {
                        ids.add(id);
                    }
                });
                log.store().removeGone(peer, ids);
            });
        }
    }

    private Resolved resolve(Collection<Item> items) {
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
    public Resolved resolveNeeds(String peer, Collection<Need> needs) {
        ItemIndex g = goneFrom.get(peer);
        if (g != null && g.size() > 0) {
            dropMarks(peer, g.findAll(needs));
        }
        return resolve(flush().findAll(needs));
    }

    /**
     * A peer's instance, how many sessions in a row ended on a round it left unanswered, and whether this node said
     * so ({@link #sayUnansweredOnce}).
     */
    private record Unanswered(String instance, int sessions, boolean said) {
    }

    /**
     * Per peer: {@link Unanswered} (see {@link #unansweredRounds}); bounded (the least recently written go first).
     * Loop only.
     */
    private final java.util.LinkedHashMap<String, Unanswered> unanswered =
        new java.util.LinkedHashMap<>(16, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(java.util.Map.Entry<String, Unanswered> eldest) {
                return size() > 1_024;
            }
        };

    @Override
    public int unansweredRounds(String peer, String instance) {
        Unanswered kept = unanswered.get(peer);
        return kept == null || !java.util.Objects.equals(kept.instance(), instance) ? 0 : kept.sessions();
    }

    @Override
    public void roundEnded(String peer, String instance, boolean answered) {
        if (answered) {
            unanswered.remove(peer);
        } else {
            int count = unansweredRounds(peer, instance) + 1;
            Unanswered kept = unanswered.remove(peer); // re-inserted: the most recently written
            boolean said = count > 1 && kept != null && kept.said();
            unanswered.put(peer, new Unanswered(instance, count, said));
        }
    }

    /**
     * Whether this node has yet to say that {@code peer}, as {@code instance}, leaves rounds unanswered: true once
     * per such run of sessions (until it answers a round, or runs as another instance), then false. Kept with the
     * count, so per node: before (session 36) a set shared by every node of the process was asked, and a second
     * node embedded in the same JVM never said it of the same peer.
     */
    @Override
    public boolean sayUnansweredOnce(String peer, String instance) {
        Unanswered kept = unanswered.get(peer);
        if (kept == null || !java.util.Objects.equals(kept.instance(), instance) || kept.said()) {
            return false;
        }
        unanswered.put(peer, new Unanswered(instance, kept.sessions(), true));
        return true;
    }

    @Override
    public void known(String peer, Collection<ActionId> ids) {
        flush();
        long cutoff = cutoff();
        ItemIndex marks = null;
        List<ActionId> added = new ArrayList<>();
        for (ActionId id : ids) {
            // an id seen here is in the index already (or was quarantined here: then a good copy is wanted, not a
            // mark that would hide it from the rounds with this peer)
            if (id.ms() >= cutoff && !log.seen(id)) {
                Item item = Item.of(id);
                if (index.indexOf(item) >= 0) {
                    continue; // in the index already: a mark would count it twice in the fingerprints
                }
                if (marks == null) {
                    marks = goneFrom.computeIfAbsent(peer, p -> new ItemIndex());
                }
                if (marks.add(item)) {
                    added.add(id);
                }
            }
        }
        if (marks != null) {
            persist(() -> log.store().addGone(peer, added));
            bound(peer);
        }
    }

    /**
     * Keeps the gone marks within {@link #MAX_GONE_PEERS} and {@link #MAX_GONE_BYTES}: the least recently used
     * peers' are dropped first, then the oldest half of {@code peer}'s own. A dropped mark costs traffic, never an
     * action: the next round with that peer finds the id again and the peer answers gone again. What it drops leaves
     * the store too.
     *
     * @param peer the peer whose marks were just added, or null (at start: no peer is spared)
     */
    private void bound(String peer) {
        long bytes = goneBytes();
        Iterator<Map.Entry<String, ItemIndex>> it = goneFrom.entrySet().iterator();
        while (it.hasNext() && (bytes > maxGoneBytes || goneFrom.size() > MAX_GONE_PEERS)) {
            Map.Entry<String, ItemIndex> e = it.next();
            if (peer == null || !e.getKey().equals(peer)) {
                bytes -= e.getValue().memoryBytes();
                LOG.debug("gone marks of {} dropped ({} ids): past {} bytes or {} peers", e.getKey(),
                    e.getValue().size(), maxGoneBytes, MAX_GONE_PEERS);
                it.remove();
                String dropped = e.getKey();
                persist(() -> log.store().removeGoneBefore(dropped, Long.MAX_VALUE));
            }
        }
        ItemIndex own = peer == null ? null : goneFrom.get(peer);
        while (own != null && own.size() > 0 && own.memoryBytes() > maxGoneBytes) {
            long before = own.get(own.size() / 2).timestamp();
            int n = own.removeBefore(before);
            if (n == 0) {
                n = own.size();
                own.clear();
                before = Long.MAX_VALUE;
            }
            long cut = before;
            persist(() -> log.store().removeGoneBefore(peer, cut));
            LOG.debug("the oldest {} gone marks of {} dropped: past {} bytes", n, peer, maxGoneBytes);
        }
        if (own != null && own.size() == 0) {
            goneFrom.remove(peer);
        }
    }

    /** Bytes of heap the gone marks take, all peers together ({@link ItemIndex#memoryBytes}). */
    long goneBytes() {
        long bytes = 0;
        for (ItemIndex g : goneFrom.values()) {
            bytes += g.memoryBytes();
        }
        return bytes;
    }

    /** How many gone marks {@code peer} has here: ids it answered gone for that this node lacks. */
    int goneMarks(String peer) {
        flush();
        ItemIndex g = goneFrom.get(peer);
        return g == null ? 0 : g.size();
    }

    /** How many ids the log's adds queued that are not in the index yet ({@link #flush} puts them in). Loop only. */
    int queued() {
        return pending.size();
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
