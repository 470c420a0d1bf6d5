package dev.logmesh.internal.log;

import dev.logmesh.Criteria;
import dev.logmesh.StoreException;
import dev.logmesh.spi.Order;
import dev.logmesh.spi.PeerCursor;
import dev.logmesh.spi.Store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only log of {@code [action, meta]} entries in a {@link Store}, with Logux's semantics.
 *
 * <h2>Design notes</h2>
 * <ul>
 *   <li><b>Order.</b> The created order compares ids ({@link ActionId#compareTo}); ids come from a
 *       {@link HybridClock} at the origin and are never rewritten, so every node orders the same actions
 *       the same way. {@code meta.time} is only this node's view of when the action happened.</li>
 *   <li><b>Exactly once.</b> An id is applied at most once: {@link #add} skips ids in the store's seen
 *       index, which keeps ids of cleaned entries until {@link #forgetSeen}. Duplicates are reported as
 *       {@code null} results and fire no events.</li>
 *   <li><b>Cleaning.</b> An entry without reasons is not stored: {@code add} then {@code clean} events fire at
 *       once (Logux does the same). An entry whose last reason is removed is deleted and fires {@code clean}.
 *       {@code meta.extra.keepLast = "r"} adds reason {@code r} and removes it from every older entry.</li>
 *   <li><b>Clock across restarts.</b> The clock starts after this node's own ids and its reservation (see
 *       {@link HybridClock}, "Across restarts"), never from a peer's raw time ({@link #clockStart}), so the drift
 *       bound holds across restarts and a store that lost its last transactions never makes the node issue an
 *       id again (issue 10, faults 4 and 11).</li>
 *   <li><b>Store failures.</b> A failed {@code add} throws {@link StoreException}: nothing was written, no event
 *       fires, pending cursor moves stay pending, and the ids issued for it are never issued again. Corrupt
 *       entries are skipped by reads and reported through {@link #onCorrupt}.</li>
 *   <li><b>Threads.</b> Not thread-safe: owned by one thread (the node's loop). Listeners run on that
 *       thread, synchronously, in registration order; a listener that throws propagates to the caller.</li>
 * </ul>
 */
public final class Log {
    private static final Logger LOG = LoggerFactory.getLogger(Log.class);

    /** Meta key whose value names a reason of which only the newest entry is kept (Logux's {@code keepLast}). */
    public static final String KEEP_LAST = "keepLast";
    /** Store state key of the node id. */
    public static final String NODE_ID_KEY = "nodeId";

    private static final int PAGE = 512;
    private static final char[] ALPHABET =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-".toCharArray();

    private final Store store;
    /** The store writes that fail and were said once ({@link LastingFailures}); any thread. */
    private final LastingFailures lastingFailures = new LastingFailures();
    private final HybridClock clock;
    private final LongSupplier wall;
    private final Listeners<PreAdd> preAdd = new Listeners<>();
    private final Listeners<Consumer<Entry>> onAdd = new Listeners<>();
    private final Listeners<Consumer<Entry>> onClean = new Listeners<>();
    /** Cursor moves not saved yet; see {@link #advanceCursor}. */
    private final Map<String, PeerCursor> pendingCursors = new java.util.HashMap<>();
    /** Client cursor moves and touches not saved yet, in the order they came; see {@link #advanceClientCursor}. */
    private final Map<String, Long> pendingClients = new java.util.LinkedHashMap<>();
    /** How many client cursors the store keeps ({@link Store#setClientCursors}). */
    private int clientCursorLimit = Store.CLIENT_CURSORS;
    /** {@link #lastAdded} when this log was opened: see {@link #openedAt}. */
    private final long openedAt;
    /** {@link Store#clockReservation()} when this log was opened, before its clock reserved: see its getter. */
    private final long reservationAtOpen;
    /**
     * Client epochs confirmed since this log was opened, by {@link #clientEpochKey} (see {@link #confirmClientEpoch});
     * the most recently confirmed {@link #clientCursorLimit} at most.
     */
    private final Map<String, Long> epochsThisLife = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > clientCursorLimit;
        }
    };

    /** A hook that may change the meta of an entry before it is added (not its id or time). */
    @FunctionalInterface
    public interface PreAdd {
        /** Returns the meta to add with (the same {@code id} and {@code time}). */
        Meta apply(Action action, Meta meta);

        /**
         * The reasons {@link #apply} gives any meta that has {@code reasons} and no custom keys, whatever its action and
         * other fields ({@code apply} then returns that meta with them, or the meta itself when they are its reasons),
         * or null when the hook cannot say without the entry (the default). Lets a receiving session make a meta as it
         * is stored in one step ({@link Log#storedReasons}). Called on the loop.
         */
        default List<String> reasonsFor(List<String> reasons) {
            return null;
        }
    }

    /** Most ids {@link #foundCorrupt} remembers; the oldest go first. */
    static final int MAX_FOUND_CORRUPT = 1 << 16;

    /** Ids the store found corrupt in this run ({@link Store#onCorrupt}), bounded; guarded by itself. */
    private final Set<ActionId> foundCorrupt = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ActionId, Boolean> eldest) {
            return size() > MAX_FOUND_CORRUPT;
        }
    });

    /**
     * A log over a store. The clock starts after every id the store has seen, so ids never go backwards
     * across restarts even if the wall clock does.
     *
     * @param store    the store, owned by this log from now on
     * @param nodeId   this node's id
     * @param wall     the wall clock in ms
     * @param maxDrift see {@link HybridClock}
     */
    public Log(Store store, String nodeId, LongSupplier wall, long maxDrift) {
        this.instance = Entropy.chars(12, ALPHABET);
        this.store = Objects.requireNonNull(store, "store");
        this.wall = Objects.requireNonNull(wall, "wall");
        this.openedAt = store.lastAdded();
        this.reservationAtOpen = store.clockReservation();
        this.clock = new HybridClock(nodeId, wall, maxDrift, clockStart(store, nodeId, wall, maxDrift),
            store.clockReservation(), new HybridClock.Reservations() {
                @Override
                public long durable() {
                    return store.clockReservation();
                }

                @Override
                public void reserve(long upTo) {
                    store.reserveClock(upTo);
                }

                @Override
                public void reserveAhead(long upTo) {
                    store.reserveClockAhead(upTo);
                }
            });
        store.onCorrupt(c -> {
            synchronized (foundCorrupt) {
                foundCorrupt.add(c.id());
            }
        });
        try {
            clock.reserveNext(); // at open (not on the loop): the first id need not wait for the disk
        } catch (RuntimeException e) {
            LOG.warn("cannot reserve the clock of {} at open ({}); the first id tries again", nodeId, e.toString());
        }
    }

    /**
     * Where a restarted clock starts: after every id this node issued (its reservation, and the largest id of its
     * own in the store) and after every received id the clock took note of, as bounded then (the reservation
     * covers them). A store without a reservation (new, or written before reservations existed) counts received
     * ids only up to the drift bound from now: never the raw {@link Store#maxSeenMs()}, which may be an id of a peer
     * with a wild clock (issue 10, fault 4).
     */
    static long clockStart(Store store, String nodeId, LongSupplier wall, long maxDrift) {
        long reserved = store.clockReservation();
        long start = Math.max(reserved, store.maxSeenMs(nodeId));
        if (reserved == 0) {
            start = Math.max(start, Math.min(store.maxSeenMs(), wall.getAsLong() + maxDrift));
        }
        return start;
    }

    /**
     * Opens the log of a store with the node id saved in it, or saves a new one made of {@code name} and a
     * random suffix ({@code "alice:Xk3v9QaB"}), so a node keeps its id across restarts. A {@code name} that the saved
     * id does not start with is not used: a warning says so (a data directory made by another node, or by
     * {@code logmesh add} without a name, keeps its node id).
     */
    public static Log open(Store store, String name, LongSupplier wall, long maxDrift) {
        String id = store.state(NODE_ID_KEY).orElse(null);
        if (id == null) {
            id = newNodeId(name);
            store.setState(NODE_ID_KEY, id);
        } else {
            requireStoredId(id);
        }
        if (name != null && !name.isEmpty() && !id.startsWith(name + ":")) {
            LOG.warn("this log's node id is {}: the name {} is not used (a log keeps the node id it was made with; "
                + "another node needs a data directory of its own)", id, name);
        }
        return new Log(store, id, wall, maxDrift);
    }

    /**
     * Checks a node id read back from a store by the rules every node id meets: those of action ids ({@link
     * ActionId#requireNodeId}: not empty, no space) and of the overlay ({@link
     * dev.logmesh.internal.overlay.PeerInfo#requireId}: no control character, not too long). A log whose stored id
     * was edited by hand failed later, each case in its own way ("node id must not contain spaces", "IllegalStateException:
     * java.lang.IllegalArgumentException: node id holds a control character at index 1").
     *
     * @throws StoreException saying the id (its control characters escaped), what is wrong with it and what to do
     */
    static void requireStoredId(String id) {
        try {
            ActionId.requireNodeId(id);
            dev.logmesh.internal.overlay.PeerInfo.requireId(id);
        } catch (IllegalArgumentException e) {
            throw new StoreException("the node id kept in this log, \"" + escaped(id) + "\", is not valid ("
                + escaped(e.getMessage()) + "): the log was edited or damaged; restore its data directory from a "
                + "backup, or start the node on an empty one (its peers send the log again)");
        }
    }

    /** {@code text} with each control character as a backslash-u escape of four hex digits, for a message. */
    private static String escaped(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            sb.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return sb.toString();
    }

    /** Characters of the random part of a fresh node id ({@code alice:Xk3v9QaB}). */
    public static final int RANDOM_ID_CHARS = 8;

    /**
     * Longest name a fresh node id is made of: the id, {@code NAME:} and {@value #RANDOM_ID_CHARS} random characters,
     * is at most the overlay's {@link dev.logmesh.internal.overlay.PeerInfo#MAX_ID_LENGTH} (256), so 247. The command
     * line's {@code --name} and {@code NodeConfig} take their limit from here.
     */
    public static final int MAX_NAME_CHARS = dev.logmesh.internal.overlay.PeerInfo.MAX_ID_LENGTH - 1 - RANDOM_ID_CHARS;

    /**
     * Longest name, in UTF-8 bytes, of a node that runs mDNS: its id ({@code NAME:} and {@value #RANDOM_ID_CHARS}
     * random characters) is the mDNS instance name, one DNS label of at most 63 bytes, so 54.
     */
    public static final int MAX_MDNS_NAME_BYTES = 63 - 1 - RANDOM_ID_CHARS;

    /**
     * What makes {@code name} unfit to start a node id, beyond its length ({@link #MAX_NAME_CHARS}) and a space or a
     * control character, which callers check first with their own words; null when it is fit. Refused: a blank other
     * than a space (U+00A0, U+2003, ...: mDNS refuses those ids, and no one can tell them from a space), an empty part
     * between colons ({@code ":"}, {@code "a:"}, {@code ":a"}, {@code "a::b"}: Logux reads a node id as {@code
     * USER:CLIENT:...}, and {@code @logux/server} takes the part before the first colon as the user id, so an empty
     * part is an empty user or client id), and with {@code mdns} a name over {@link #MAX_MDNS_NAME_BYTES} bytes.
     * Before session 34 {@code --name ":"} ran as {@code ::dc-VotG9}, and a 60-character name or {@code a\u00a0b}
     * with mDNS on failed after its store was made, with mDNS's own words about the node id, the log then keeping
     * an id that no later start with mDNS could use.
     *
     * @return a phrase to follow the name in a message ({@code "has an empty part ..."}), or null
     */
    public static String nameProblem(String name, boolean mdns) {
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            if (Character.isWhitespace(c) || Character.isSpaceChar(c) || Character.isISOControl(c)) {
                return String.format(java.util.Locale.ROOT, "holds the blank character U+%04X at index %d (no spaces,"
                    + " blanks or control characters)", c, i);
            }
            i += Character.charCount(c);
        }
        if (name.startsWith(":") || name.endsWith(":") || name.contains("::")) {
            return "has an empty part between colons (a node id is read as USER:CLIENT:..., and an empty user or "
                + "client part is not a valid Logux node id)";
        }
        int bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (mdns && bytes > MAX_MDNS_NAME_BYTES) {
            return "is " + bytes + " bytes long: with mDNS on, the node id NAME:" + "x".repeat(RANDOM_ID_CHARS)
                + " is announced as one DNS label of at most 63 bytes, so a name of at most " + MAX_MDNS_NAME_BYTES
                + " (or turn mDNS off)";
        }
        return null;
    }

    /** A fresh node id: {@code name:random} ({@value #RANDOM_ID_CHARS} random characters), or just the random part. */
    public static String newNodeId(String name) {
        StringBuilder sb = new StringBuilder();
        if (name != null && !name.isEmpty()) {
            ActionId.requireNodeId(name);
            sb.append(name).append(':');
        }
        // /dev/urandom, not a SecureRandom: the same source without the providers' set-up (Entropy)
        return sb.append(Entropy.chars(RANDOM_ID_CHARS, ALPHABET)).toString();
    }

    /**
     * A random token of this open log, kept in memory only: two nodes that run with one node id (a data directory
     * copied to a second machine) have different ones, so a handshake tells such a twin from a node that dialed
     * itself.
     */
    public String instance() {
        return instance;
    }

    private final String instance;

    /** This node's id. */
    public String nodeId() {
        return clock.node();
    }

    /**
     * A time in ms that keeps growing over restarts, also with the wall clock set back ({@link HybridClock#reservedNow}):
     * the clock's reservation covers it. The loop's.
     */
    public long reservedNow() {
        return clock.reservedNow();
    }

    /**
     * This node's wall clock in ms (the {@code wall} given at construction): the clock behind new ids and
     * their {@code meta.time}, and so the clock a sync session's time fix must measure.
     */
    public long now() {
        return wall.getAsLong();
    }

    /**
     * The {@link Store#state} key under which a node keeps the frame limits of the mesh's nodes that are smaller than
     * its own, one line {@code "<bytes> <node id> <seen ms>"} per node ({@link MeshFrameLimits}; session 38 kept one
     * line {@code "<bytes> <peer node id>"}); {@code logmesh add} honours it too.
     */
    public static final String PEER_FRAME_LIMIT_KEY = "peerFrameLimit";

    /**
     * The smallest frame limit kept in {@code store} ({@link #PEER_FRAME_LIMIT_KEY}) of a node seen within
     * {@link MeshFrameLimits#HORIZON_MILLIS} before {@code now} (ms), and whose it is, or null when none is kept or the
     * value does not read as one.
     */
    public static java.util.Map.Entry<Integer, String> peerFrameLimit(Store store, long now) {
        MeshFrameLimits t = MeshFrameLimits.decode(store.state(PEER_FRAME_LIMIT_KEY).orElse(null), Integer.MAX_VALUE,
            now);
        return t.smallest() > 0 ? java.util.Map.entry(t.smallest(), t.smallestNode()) : null;
    }

    /** The lasting failures of this log's store writes, said once each ({@link LastingFailures}). */
    public LastingFailures lastingFailures() {
        return lastingFailures;
    }

    /** The store behind this log. */
    public Store store() {
        return store;
    }

    /** A new id from this node's hybrid logical clock. */
    public ActionId generateId() {
        return clock.next();
    }

    /**
     * Takes note of an id for the clock (done by {@link #add} for every id): a received id pulls the clock (within
     * the drift bound), an id of this node not issued by this clock moves it past that id.
     */
    public void observe(ActionId id) {
        if (id.node().equals(nodeId())) {
            clock.observeOwn(id);
        } else {
            clock.observe(id);
        }
    }

    /** This log's epoch ({@link Store#epoch}): sessions send it so that peers drop cursors kept for another log. */
    public String epoch() {
        return store.epoch();
    }

    /**
     * Registers a listener for entries the store found corrupt (see {@link Store#onCorrupt}): each is reported
     * once, after the call that found it, and is already out of the log and out of the seen index, so a peer's
     * copy is accepted again.
     *
     * @return a handle that unregisters it
     */
    public Runnable onCorrupt(Consumer<Store.Corruption> listener) {
        return store.onCorrupt(listener);
    }

    /** A new local entry: a fresh id, {@code time} = the id's time part, and the given reasons. */
    public Entry create(Action action, List<String> reasons) {
        return create(action, reasons, Map.of());
    }

    /** A new local entry with custom meta keys. */
    public Entry create(Action action, List<String> reasons, Map<String, JsonNode> extra) {
        ActionId id = generateId();
        return new Entry(action, new Meta(id, id.ms(), 0, reasons, 0, extra));
    }

    /**
     * Adds one entry. @return its meta as added (with {@code added}), or {@code null} if the id was seen
     * before
     */
    public Meta add(Entry entry) {
        return add(List.of(entry)).get(0);
    }

    /** Creates and adds a local action; see {@link #create}. @return the added meta */
    public Meta add(Action action, List<String> reasons) {
        return add(create(action, reasons));
    }

    /**
     * Adds a batch in one store write. Pre-add hooks run first, then the write, then for each added entry
     * the {@code add} event (and {@code clean} at once for entries without reasons), then {@code keepLast}.
     *
     * @return per entry, in order: its meta as added, or {@code null} for an id seen before (a duplicate)
     */
    public List<Meta> add(List<Entry> entries) {
        // the loops call a method per entry: the JIT compiles those after a few hundred entries, while a loop body
        // here (called once per batch) stays interpreted until the loop's on-stack replacement (~60,000 turns: past
        // a whole catch-up). So each loop is an array, an index and one call: no iterator or list calls per turn
        Object[] given = entries.toArray(); // any List, in one call
        Entry[] prepared = new Entry[given.length];
        long keepLastBefore = keepLastSeen;
        for (int i = 0; i < given.length; i++) {
            prepared[i] = prepare((Entry) given[i]);
        }
        boolean keepsLast = keepLastSeen != keepLastBefore; // a count, not a flag: a hook may add to the log meanwhile
        List<Entry> batch = Arrays.asList(prepared);
        List<Meta> result;
        try {
            result = write(batch);
        } catch (StoreException e) {
            // a full log whose node cleans by retention: room made now, and the batch tried once more (nothing of
            // it was written: the Store contract's "Failures")
            BooleanSupplier room = onFull;
            if (room == null || makingRoom || storeClosed()) {
                throw e;
            }
            boolean made;
            makingRoom = true;
            try {
                made = room.getAsBoolean();
            } finally {
                makingRoom = false;
            }
            if (!made) {
                throw e;
            }
            result = write(batch);
        }
        Object[] metas = result.toArray();
        for (int i = 0; i < prepared.length; i++) {
            added(prepared[i], (Meta) metas[i]);
        }
        if (keepsLast) { // an entry with a keepLast reason: rare (no custom meta key, no loop)
            for (int i = 0; i < prepared.length; i++) {
                Meta m = (Meta) metas[i];
                String keepLast = m == null ? null : keepLastReason(m);
                if (keepLast != null && m.hasReasons()) {
                    removeReason(keepLast, Criteria.ALL.olderThan(m.id()));
                }
            }
        }
        return result;
    }

    /** The store's write of a prepared batch, with the cursors waiting for it; a failure as a StoreException. */
    private List<Meta> write(List<Entry> batch) {
        try {
            if (pendingCursors.isEmpty()) {
                return store.add(batch);
            }
            List<Meta> result = store.add(batch, Map.copyOf(pendingCursors));
            pendingCursors.clear();
            return result;
        } catch (StoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw notStoreException(e);
        }
    }

    /** What {@link #add} calls when its write fails, or null; see {@link #onFull}. */
    private BooleanSupplier onFull;
    /** Whether {@link #onFull} runs (an add it makes meanwhile fails as it is: no second call). */
    private boolean makingRoom;

    /**
     * Sets what a failed {@link #add} calls before it gives up: it may clean entries (a node's retention) and says
     * whether it did, and the add then tries its batch once more; if that fails too, or nothing was cleaned, the add
     * fails with the write's {@link StoreException} as before. Called on the log's thread (the node's loop).
     */
    public void onFull(BooleanSupplier makeRoom) {
        onFull = makeRoom;
    }

    /**
     * A {@link StoreException} for a {@link RuntimeException} of another kind that the store's {@code add} threw (an
     * application's store: an {@code IllegalStateException} of its own checks, a bug). The {@link Store} contract has a
     * failed write throw {@code StoreException}; every caller handles that one (a local add's future fails and the
     * node's health says it cannot write; a peer's batch ends its session unacknowledged, "try again later"), so the
     * other kind is taken as one. Before (embed35) it escaped a received batch's task: the loop logged "task on the
     * node loop failed" with a stack trace, the session was left without an answer, its peer timed it out 8 s later
     * ("no synced for 8922 ms ... the peer is gone or the link is slower than 16384 bytes/s") and sent the batch again
     * at each reconnect, while this node's health said writable ({@code StoreFailureNodeTest}).
     */
    private StoreException notStoreException(RuntimeException e) {
        if (storeClosed()) {
            return new StoreException(closedMessage(store) + "; nothing of the batch was written", e);
        }
        return new StoreException("the log's store " + store.getClass().getName() + " threw " + e + " in add, not a "
            + "StoreException (a store's failed write); taken as a failed write, nothing of the batch acknowledged", e);
    }

    /**
     * Whether the log's store says it is closed ({@link Store#isClosed}): closed under the node by its application,
     * which gave it to the node ({@code NodeConfig.Builder.store}) and closed it first. Any thread.
     */
    public boolean storeClosed() {
        return store.isClosed();
    }

    /**
     * What a store closed under its node is, in one line: {@code the log's store com.example.AuditStore is closed: its
     * application closed it while the node ran (close the node first, then the store given to it)}. Before (embed35)
     * its {@code IllegalStateException} was taken as a failed write ("taken as a failed write"), and the node said it
     * "cannot write its log ... until it can", which it never could again ({@code StoreFailureNodeTest}).
     */
    public static String closedMessage(Store store) {
        return "the log's store " + store.getClass().getName() + " is closed: its application closed it while the node "
            + "ran (close the node first, then the store given to it)";
    }

    /** How many entries with a keepLast reason {@link #prepare} has seen: {@link #add} checks a batch only if it grew. */
    private long keepLastSeen;

    /** An entry as {@link #add} stores it: observed by the clock, through the pre-add hooks, with its keepLast reason. */
    private Entry prepare(Entry e) {
        observe(e.id());
        Entry stored = asStored(e);
        if (keepLastReason(stored.meta()) != null) {
            keepLastSeen++;
        }
        return stored;
    }

    /**
     * The reasons {@link #asStored} gives an entry whose meta has {@code reasons} and no custom keys, whatever its
     * action, id and time, when every pre-add hook can say so ({@link PreAdd#reasonsFor}; a keepLast reason comes from
     * a custom key, so none here); else null. A meta made with them is stored as it is: {@code asStored} returns its
     * entry itself. Called on the loop.
     */
    public List<String> storedReasons(List<String> reasons) {
        List<String> r = reasons;
        for (Object h : preAdd.snapshot()) {
            r = ((PreAdd) h).reasonsFor(r);
            if (r == null) {
                return null;
            }
        }
        return r;
    }

    /**
     * The entry as {@link #add} would store it: through the pre-add hooks (a node's keep reason), with its keepLast
     * reason. Its size is what a frame carries to peers, so a size limit is checked on it, not on the entry given: a
     * local action within the limit by 9 bytes or less was added, and then, its keep reason {@code "mesh"} added, too
     * large to send to any peer (break36). Touches nothing (the hooks are pure); an entry already so is returned as
     * it is. Called on the loop.
     */
    @SuppressWarnings("ReferenceEquality") // "meta == e.meta()": was the meta replaced? (free, unlike equals)
    public Entry asStored(Entry e) {
        Meta meta = e.meta();
        for (Object h : preAdd.snapshot()) {
            PreAdd hook = (PreAdd) h;
            Meta changed = hook.apply(e.action(), meta);
            if (!changed.id().equals(meta.id()) || changed.time() != meta.time()) {
                throw new IllegalStateException("a pre-add hook may not change id or time");
            }
            meta = changed;
        }
        String keepLast = keepLastReason(meta);
        if (keepLast != null && !meta.reasons().contains(keepLast)) {
            List<String> rs = new ArrayList<>(meta.reasons());
            rs.add(keepLast);
            meta = meta.withReasons(rs);
        }
        return meta == e.meta() ? e : e.withMeta(meta);
    }

    /**
     * The events of an entry the store added with meta {@code m}: {@code add}, and {@code clean} at once without reasons;
     * none when {@code m} is null (not added: a seen id).
     */
    private void added(Entry prepared, Meta m) {
        if (m == null) {
            return;
        }
        Entry added = prepared.withMeta(m);
        fire(onAdd, added);
        if (!m.hasReasons()) {
            fire(onClean, added);
        }
    }

    private static String keepLastReason(Meta meta) {
        // most metas have no custom keys: no lookup then (a hash and a probe per entry added, and Map.of's get to
        // compile for a catch-up's first second: docs/performance.md, "The CLI catch-up's stdout line")
        if (meta.extra().isEmpty()) {
            return null;
        }
        JsonNode k = meta.extra().get(KEEP_LAST);
        return k != null && k.isTextual() && !k.asText().isEmpty() ? k.asText() : null;
    }

    @SuppressWarnings("unchecked") // the array holds only what register() took: Consumer<Entry>
    private static void fire(Listeners<Consumer<Entry>> listeners, Entry entry) {
        for (Object l : listeners.snapshot()) {
            ((Consumer<Entry>) l).accept(entry);
        }
    }

    /**
     * Registered callbacks as an array replaced on every change (copy on write, as {@code CopyOnWriteArrayList}, whose
     * iteration would allocate an iterator for every entry added): one read of a volatile field per call, and a
     * callback that registers or unregisters while they run changes the next call, not this one. Registration may
     * come from any thread; the callbacks run on the log's.
     */
    private static final class Listeners<T> {
        private static final Object[] NONE = {};
        private volatile Object[] all = NONE;

        Object[] snapshot() {
            return all;
        }

        synchronized Runnable register(T listener) {
            Object[] now = Arrays.copyOf(all, all.length + 1);
            now[now.length - 1] = listener;
            all = now;
            return () -> unregister(listener);
        }

        /** Removes the first registration of {@code listener}, if any. */
        private synchronized void unregister(T listener) {
            Object[] now = all;
            for (int i = 0; i < now.length; i++) {
                if (now[i].equals(listener)) {
                    Object[] rest = new Object[now.length - 1];
                    System.arraycopy(now, 0, rest, 0, i);
                    System.arraycopy(now, i + 1, rest, i, now.length - i - 1);
                    all = rest;
                    return;
                }
            }
        }
    }

    /**
     * Runs {@code action} once everything written to the log so far is durable ({@link Store#whenDurable}): at once
     * if it is (a memory store), else later on {@code executor}, in registration order. Acknowledgements wait for it.
     */
    public void whenDurable(Runnable action, java.util.concurrent.Executor executor) {
        store.whenDurable(action, executor);
    }

    /**
     * {@link #whenDurable(Runnable, java.util.concurrent.Executor)} of {@code action.accept(value)} ({@link
     * Store#whenDurable(java.util.function.Consumer, Object, java.util.concurrent.Executor)}): with a memory store,
     * no object made per call.
     */
    public <T> void whenDurable(java.util.function.Consumer<? super T> action, T value,
                                java.util.concurrent.Executor executor) {
        store.whenDurable(action, value, executor);
    }

    /** The entry with this id, if it is in the log. */
    public Optional<Entry> byId(ActionId id) {
        return store.byId(id);
    }

    /**
     * Whether a read in this run found this id's entry corrupt (it was quarantined: out of the log and the seen ids)
     * and the log does not hold it again yet: a peer's copy has been asked for ({@code Broadcast}). The last
     * {@link #MAX_FOUND_CORRUPT} such ids are remembered. A client that sends back such an entry it received is
     * acknowledged, not undone ({@code ClientRole}). Any thread.
     */
    public boolean foundCorrupt(ActionId id) {
        synchronized (foundCorrupt) {
            if (!foundCorrupt.contains(id)) {
                return false;
            }
        }
        return !store.has(id);
    }

    /** Whether an entry with this id is in the log now. */
    public boolean has(ActionId id) {
        return store.has(id);
    }

    /** Whether this id was ever added here (and not forgotten), even if it was cleaned since. */
    public boolean seen(ActionId id) {
        return store.seen(id);
    }

    /**
     * Changes the meta of an entry. Reasons set to empty remove the entry (with a {@code clean} event).
     *
     * @throws IllegalArgumentException if the change touches {@code id}, {@code time} or {@code added}
     * @return whether the entry was found
     */
    public boolean changeMeta(ActionId id, UnaryOperator<Meta> change) {
        Optional<Entry> found = store.byId(id);
        if (found.isEmpty()) {
            return false;
        }
        Meta old = found.get().meta();
        Meta updated = change.apply(old);
        if (!updated.id().equals(old.id()) || updated.time() != old.time() || updated.added() != old.added()) {
            throw new IllegalArgumentException("meta id, time and added are read-only");
        }
        if (!updated.hasReasons()) {
            store.remove(id).ifPresent(e -> fire(onClean, e));
        } else {
            store.changeMeta(id, updated);
        }
        return true;
    }

    /**
     * Changes meta keys as Logux's {@code changeMeta(id, diff)} does: {@code reasons} (array of strings),
     * {@code subprotocol} (number) and custom keys (a JSON null removes a custom key).
     *
     * @throws IllegalArgumentException for {@code id}, {@code time}, {@code added} or a value of the wrong type
     */
    public boolean changeMeta(ActionId id, Map<String, JsonNode> diff) {
        return changeMeta(id, diff, (before, after) -> { });
    }

    /**
     * As {@link #changeMeta(ActionId, Map)}, giving the entry as it is and as it would be after the change to {@code
     * check} before anything is written: a check that throws leaves the entry as it was (the node refuses a meta that
     * would make its entry too large or too deep for a frame, as it does at an add).
     */
    public boolean changeMeta(ActionId id, Map<String, JsonNode> diff,
                              java.util.function.BiConsumer<Entry, Entry> check) {
        for (String key : diff.keySet()) {
            if (Meta.READ_ONLY.contains(key)) {
                throw new IllegalArgumentException("meta \"" + key + "\" is read-only");
            }
        }
        Map<String, JsonNode> copy = new LinkedHashMap<>(diff);
        Optional<Entry> found = store.byId(id);
        if (found.isEmpty()) {
            return false;
        }
        Action action = found.get().action();
        return changeMeta(id, meta -> {
            Meta updated = applyDiff(meta, copy);
            check.accept(new Entry(action, meta), new Entry(action, updated));
            return updated;
        });
    }

    private static Meta applyDiff(Meta meta, Map<String, JsonNode> diff) {
        Meta m = meta;
        for (Map.Entry<String, JsonNode> d : diff.entrySet()) {
            JsonNode v = d.getValue();
            switch (d.getKey()) {
                case "reasons" -> m = m.withReasons(MetaJson.reasons(v));
                case "subprotocol" -> {
                    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0) {
                        throw new IllegalArgumentException("meta subprotocol must be a non-negative integer");
                    }
                    m = m.withSubprotocol(v.asInt());
                }
                default -> m = m.withExtra(d.getKey(), v == null || v.isNull() ? null : v);
            }
        }
        return m;
    }

    /**
     * Removes a reason from the entries that have it and match the criteria; entries left without reasons
     * are removed and fire {@code clean}.
     *
     * @return how many entries were removed
     */
    public int removeReason(String reason, Criteria criteria) {
        List<Entry> removed = store.removeReason(reason, criteria);
        for (Entry e : removed) {
            fire(onClean, e);
        }
        return removed.size();
    }

    /** Keeps only the newest {@code n} entries (created order) that have {@code reason}; removes it from the rest. */
    public int keepLast(String reason, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0");
        }
        ActionId boundary = null;
        int seen = 0;
        for (Entry e : entries(Order.CREATED, false, null)) {
            if (e.meta().reasons().contains(reason)) {
                seen++;
                if (seen == n + 1) {
                    boundary = e.id();
                    break;
                }
            }
        }
        if (boundary == null) {
            return 0;
        }
        // boundary itself is the newest one to drop: remove from it and everything older.
        int removed = removeReason(reason, Criteria.ALL.olderThan(boundary));
        return removed + removeReason(reason, Criteria.id(boundary));
    }

    /**
     * Entries in an order, read lazily page by page (the whole log is never loaded). The iterable reads
     * the store as it goes: do not change the log while iterating.
     *
     * @param after start strictly after this position: an {@code added} ({@link Long}) for
     *              {@link Order#ADDED}, an {@link ActionId} for {@link Order#CREATED}; null from the start
     */
    public Iterable<Entry> entries(Order order, boolean ascending, Object after) {
        return () -> new Iterator<>() {
            private Object position = after;
            private List<Entry> page = List.of();
            private int index;
            private boolean done;

            @Override
            public boolean hasNext() {
                if (index < page.size()) {
                    return true;
                }
                if (done) {
                    return false;
                }
                page = store.page(order, ascending, position, PAGE);
                index = 0;
                if (page.size() < PAGE) {
                    done = true;
                }
                if (!page.isEmpty()) {
                    Entry last = page.get(page.size() - 1);
                    position = order == Order.ADDED ? (Object) last.meta().added() : last.id();
                }
                return !page.isEmpty();
            }

            @Override
            public Entry next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.get(index++);
            }
        };
    }

    /** Entries in created order, oldest first. */
    public Iterable<Entry> entries() {
        return entries(Order.CREATED, true, null);
    }

    /**
     * About {@code entries} more entries are on their way: a hint for the store's indexes ({@link Store#expectAdds}).
     * Loop only.
     */
    public void expectAdds(long entries) {
        store.expectAdds(entries);
    }

    /** The highest {@code added} assigned so far. */
    public long lastAdded() {
        return store.lastAdded();
    }

    /**
     * Bytes of entries one {@link #add} of a batch should carry at most ({@link Store#writeBudget}; cut a batch with
     * {@code EntrySize.withinBudget}); loop only.
     */
    public long writeBudget() {
        return store.writeBudget();
    }

    /** The highest {@code added} whose commit is durable ({@link Store#durableAdded}). */
    public long durableAdded() {
        return store.durableAdded();
    }

    /** The highest {@code added} that may be sent to a peer that reconciles ({@link Store#sendableAdded}). */
    public long sendableAdded() {
        return store.sendableAdded();
    }

    /** How many entries are in the log. */
    public long size() {
        return store.size();
    }

    /** The {@code added} numbers this log skipped ({@link Store#skippedAdded}), pairs. */
    public long[] skippedAdded() {
        return store.skippedAdded();
    }

    /**
     * How many entries this log numbered in {@code (from, to]}: the numbers minus those it skipped (entries removed
     * since count); 0 when {@code to <= from}.
     */
    public long entriesBetween(long from, long to) {
        return to <= from ? 0 : to - from - Store.countSkipped(store.skippedAdded(), from, to);
    }

    /** The sync cursor for a peer. */
    public PeerCursor cursor(String peerNode) {
        PeerCursor pending = pendingCursors.get(peerNode);
        return pending != null ? pending : store.cursor(peerNode);
    }

    /**
     * Moves the sync cursor for a peer, never backwards. The move is saved with the next {@link #add} (in its
     * transaction) or by {@link #flushCursors}: a cursor is a hint, and one that is a little behind after a
     * crash only makes a peer send again what is then recognised as seen, while saving every move on its own
     * would cost a durable write (an fsync) per {@code sync} and per {@code synced}.
     */
    public PeerCursor advanceCursor(String peerNode, long received, long sent) {
        PeerCursor old = cursor(peerNode);
        PeerCursor updated = old.withReceived(received).withSent(sent);
        if (!updated.equals(old)) {
            pendingCursors.put(peerNode, updated);
        }
        return updated;
    }

    /**
     * Forgets a peer's cursor (both numbers back to 0): for a peer whose log went back, so the next session
     * starts from the beginning. Saved at once.
     */
    public void resetCursor(String peerNode) {
        pendingCursors.remove(peerNode);
        if (!store.cursor(peerNode).equals(PeerCursor.NONE)) {
            store.setCursor(peerNode, PeerCursor.NONE);
        }
    }

    /**
     * The cursor kept for a Logux client ({@link Store#clientCursor}, under {@link #clientKey}: the highest
     * {@code added} of this log it acknowledged here), saved or not yet; empty when there is no record.
     *
     * @param client the client id ({@code user:client}, the node id without its tab)
     */
    public java.util.OptionalLong clientCursor(String client) {
        String key = clientKey(client);
        Long pending = pendingClients.get(key);
        return pending != null ? java.util.OptionalLong.of(pending) : store.clientCursor(key);
    }

    /** The longest client id kept under itself ({@link #clientKey}); {@code user123456:Xk3v9QaB} has 19 chars. */
    public static final int CLIENT_KEY_CHARS = 64;

    /**
     * The key a client's cursor is kept under in the store: the client id itself when it has at most
     * {@link #CLIENT_KEY_CHARS} chars, else {@code "sha-256 "} and the SHA-256 of its UTF-16 units in base64url
     * (51 chars). A client chooses its id (a user id of any length, up to a frame's size), and the store keeps up
     * to {@link Store#CLIENT_CURSORS} records: keys of bounded size bound the records' bytes (before session 20,
     * 40 clients with ids of 900,000 chars made a 72 MB database). The space keeps a digest apart from every id
     * (a node id has none); two ids share a key only if SHA-256 collides.
     */
    public static String clientKey(String client) {
        if (client.length() <= CLIENT_KEY_CHARS) {
            return client;
        }
        return digestKey(client);
    }

    /** {@code "sha-256 "} and the SHA-256 of the text's UTF-16 units in base64url: 51 chars. */
    private static String digestKey(String client) {
        java.nio.ByteBuffer units = java.nio.ByteBuffer.allocate(client.length() * 2);
        units.asCharBuffer().put(client); // every UTF-16 unit as it is, an unpaired surrogate too
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(units.array());
            return "sha-256 " + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /**
     * Raises a client's cursor to {@code acked} (never lowers it), and counts the client as seen now (the store keeps
     * the most recently written {@link #clientCursorLimit} records). Saved as peer cursors are, lazily
     * ({@link #flushCursors}): a record behind after a crash only makes the client be sent more; a record is never
     * saved above what the client acknowledged.
     *
     * @param acked an {@code added} of this log the client acknowledged ({@code synced}), or 0 to only touch the record
     *              (a client that connected, so that an active client is not evicted)
     */
    public void advanceClientCursor(String client, long acked) {
        java.util.OptionalLong old = clientCursor(client);
        long value = Math.max(acked, old.orElse(0));
        if (acked == 0 && old.isEmpty()) {
            return; // touching a client that has no record: nothing to keep yet
        }
        String key = clientKey(client);
        pendingClients.remove(key);
        pendingClients.put(key, value);
    }

    /**
     * {@link #advanceClientCursor} written at once, in a transaction of its own, with the other client records not
     * saved yet (it survives the death of the process when this returns): for a position the node learns from the
     * client only once, such as a trusted {@code connect.synced} before the client takes a new epoch
     * ({@code SyncSession}, "Clients' positions"). A store that fails keeps the raise for the next
     * {@link #flushCursors} (a crash before that only makes the client be sent more). Loop only.
     *
     * @param acked an {@code added} of this log the client acknowledged, {@code >= 0}
     */
    public void saveClientCursor(String client, long acked) {
        advanceClientCursor(client, acked);
        try {
            flushClientCursors();
        } catch (dev.logmesh.StoreException e) {
            LOG.warn("the cursor of client {} could not be saved now ({}): kept to save with the next flush", client,
                e.getMessage());
        }
    }

    /**
     * The store's clock reservation (ms) when this log was opened, before its clock reserved anew: about the wall
     * clock of the last life's last activity (up to 10 s ahead), 0 for a new store. The seen horizon's clock starts
     * from it when the log recorded nothing better ({@code HorizonClock}).
     */
    public long clockReservationAtOpen() {
        return reservationAtOpen;
    }

    /**
     * {@link #lastAdded} when this log was opened. Every {@code added} up to it names the same entry as it did before the
     * open, whatever happened to the process (a crash keeps every commit; a restored backup numbers its new entries
     * after it); a number above it that was issued before the open may name nothing, or (a restored backup) another
     * entry now.
     */
    public long openedAt() {
        return openedAt;
    }

    /**
     * The key a client node's epoch is kept under among the client cursors ({@link Store#clientCursor}): {@code "e "}
     * and {@link #clientKey} of the node id (with its tab), so never a client id's key (those have no {@code "e "}
     * prefix: a node id has no space, and a digest key starts with {@code "sha-256 "}); at most 64 chars, a longer
     * node id under its digest.
     */
    public static String clientEpochKey(String clientNode) {
        return Store.CLIENT_EPOCH_PREFIX
            + (clientNode.length() <= CLIENT_KEY_CHARS - 2 ? clientNode : digestKey(clientNode));
    }

    /**
     * The highest client epoch confirmed for this client node (its node id with the tab: {@code user:client:tab}) on
     * this log, and whether it was confirmed since this log was opened; empty when there is none (never confirmed
     * here, or evicted with the client cursors). See "Clients' positions" in {@code SyncSession}.
     *
     * @return {@code [epoch, 1 if confirmed since the open else 0]}, or null
     */
    public long[] clientEpoch(String clientNode) {
        String key = clientEpochKey(clientNode);
        Long now = epochsThisLife.get(key);
        if (now != null) {
            return new long[] {now, 1};
        }
        Long pending = pendingClients.get(key);
        java.util.OptionalLong kept = pending != null ? java.util.OptionalLong.of(pending) : store.clientCursor(key);
        return kept.isPresent() ? new long[] {kept.getAsLong(), 0} : null;
    }

    /**
     * Records that this client node processed a position of {@code epoch} this node sent it (it answered a
     * {@code ping} carrying one): written at once, in a transaction of its own (survives the death of the process
     * when this returns; the caller waits for the log's durability before it relies on it across a power loss).
     * Never lowers the epoch kept.
     *
     * @throws dev.logmesh.StoreException if the store fails (nothing written)
     */
    public void confirmClientEpoch(String clientNode, long epoch) {
        if (epoch <= 0) {
            throw new IllegalArgumentException("epoch must be > 0, got " + epoch);
        }
        String key = clientEpochKey(clientNode);
        long[] old = clientEpoch(clientNode);
        long value = old == null ? epoch : Math.max(old[0], epoch);
        store.setClientCursors(Map.of(key, value), clientCursorLimit);
        pendingClients.remove(key);
        if (value == epoch) {
            epochsThisLife.put(key, value); // a higher one kept stays as confirmed as it was
        }
    }

    /** How many client cursors the store keeps: {@link Store#CLIENT_CURSORS} unless set. */
    public int clientCursorLimit() {
        return clientCursorLimit;
    }

    /**
     * Sets how many client cursors the store keeps (the most recently written; older clients start again from 0).
     *
     * @throws IllegalArgumentException if {@code limit <= 0}
     */
    public void clientCursorLimit(int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be > 0, got " + limit);
        }
        clientCursorLimit = limit;
    }

    /**
     * Saves cursor moves not saved yet, of peers and then of clients (two writes at most), kept pending if a write
     * fails (the node does this every second and when it closes).
     */
    public void flushCursors() {
        if (!pendingCursors.isEmpty()) {
            store.setCursors(Map.copyOf(pendingCursors));
            pendingCursors.clear();
        }
        flushClientCursors();
    }

    /** Saves the client cursor moves not saved yet, in one write; kept pending if it fails (it throws then). */
    private void flushClientCursors() {
        if (!pendingClients.isEmpty()) {
            store.setClientCursors(new java.util.LinkedHashMap<>(pendingClients), clientCursorLimit);
            pendingClients.clear();
        }
    }

    /** Cursors of every peer, saved or not yet. */
    public Map<String, PeerCursor> cursors() {
        Map<String, PeerCursor> all = new java.util.HashMap<>(store.cursors());
        all.putAll(pendingCursors);
        return all;
    }

    /**
     * Forgets seen ids older than a horizon (and no longer in the log). After that, such an action
     * arriving again would be applied again: choose a horizon longer than any peer stays away.
     *
     * @return how many ids were forgotten
     */
    public long forgetSeen(long horizonMillis) {
        if (horizonMillis < 0) {
            throw new IllegalArgumentException("horizon must be >= 0");
        }
        return store.forgetSeen(wall.getAsLong() - horizonMillis);
    }

    /**
     * One step of a sweep that forgets seen ids below {@code beforeMs} ({@link Store#forgetSeenBatch}): the node
     * runs one step per loop turn, so the sweep never holds the loop for long.
     */
    public Store.ForgetBatch forgetSeenBatch(long beforeMs, ActionId after, int limit) {
        return store.forgetSeenBatch(beforeMs, after, limit);
    }

    /** One step of a scrub of the store's seen index ({@link Store#scrubSeen}); the loop's. */
    public Store.ScrubStep scrubSeen(boolean fromStart, int limit) {
        return store.scrubSeen(fromStart, limit);
    }

    /** A scrub that reads off the loop ({@link Store#scrubber}), or null when the store has none; the loop's. */
    public Store.Scrubber scrubber() {
        return store.scrubber();
    }

    /** Settles what a step of a {@link Store.Scrubber} found ({@link Store#settleScrub}); the loop's. */
    public void settleScrub(java.util.List<Store.Suspect> suspects) {
        store.settleScrub(suspects);
    }

    /** One step of a scrub of the store ({@link Store#scrub}); the loop's. */
    public long scrub(long afterAdded, int limit) {
        return store.scrub(afterAdded, limit);
    }

    /**
     * Whether pre-add hooks are registered: then an entry received without reasons may still be stored (a node's keep
     * reason is such a hook), which a session guessing the {@code added} numbers of a batch takes into account.
     */
    public boolean hasPreAddHooks() {
        return preAdd.snapshot().length > 0;
    }

    /** Registers a pre-add hook. @return a handle that unregisters it */
    public Runnable onPreAdd(PreAdd hook) {
        return preAdd.register(hook);
    }

    /** Registers a listener for every added entry. @return a handle that unregisters it */
    public Runnable onAdd(Consumer<Entry> listener) {
        return onAdd.register(listener);
    }

    /** Registers a listener for every cleaned entry. @return a handle that unregisters it */
    public Runnable onClean(Consumer<Entry> listener) {
        return onClean.register(listener);
    }

    /** Saves pending cursor moves and closes the store. */
    public void close() {
        close(true);
    }

    /**
     * Closes the store, first saving pending cursor moves if {@code saveCursors} (not after the store threw an {@link
     * Error}: the node then writes nothing more to it; a cursor behind only means some entries are sent again).
     */
    public void close(boolean saveCursors) {
        if (saveCursors) {
            try {
                flushCursors();
            } catch (StoreException e) {
                // closing anyway: a cursor behind only means some entries are sent again
            }
        }
        store.close();
    }
}
