package dev.logmesh.internal.mesh;

import dev.logmesh.internal.protocol.MessageConnection;
import dev.logmesh.internal.session.SyncSession;

import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.protocol.ProtocolError;
import dev.logmesh.spi.Loop;
import java.net.URI;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps dialing one peer URL: dials, and after every disconnect dials again after a jittered exponential
 * backoff (Logux's numbers: 1–1.5 s, 2–3 s, 4–5 s, then 5 s; after {@link #GONE_AFTER} failed attempts in a
 * row, every {@link #GONE_DELAY_MILLIS} ms). A session that connects but ends within {@link #HEALTHY_AFTER_MILLIS}
 * counts as a failed attempt (see there); only a session that lasted that long starts the sequence again, and so does,
 * once, the first dial whose link opens after dials that reached nobody (an outage that ended: see
 * {@link #disconnected}). A static
 * peer that refuses the TCP connect before its first session is polled every {@link #LISTEN_POLL_MILLIS} instead
 * (see {@link #pollUntilListening}). After {@code wrong-protocol}, {@code wrong-subprotocol} or
 * {@code wrong-credentials} from the peer (it refused this node), and for a peer this node refuses (no or wrong
 * mesh key, another mesh), it dials again after {@link #REFUSED_FIRST_MILLIS}, doubled at each refusal in a row up to
 * every {@link #REFUSED_DELAY_MILLIS} ms, and says so once (Logux's
 * Reconnect stops for good instead: a mesh node outlives its peers' misconfigurations). Stops after reaching
 * itself.
 * {@link #lastError()} and {@link #nextDialAt()} tell how it goes (shown in the node's peer list).
 *
 * <p>Remembers which node answered at the URL (in the store's state), so the next {@code connect} carries
 * that node's cursor. Owned by the node's loop.
 */
public final class Redialer implements SyncSession.Events {
    private static final Logger LOG = LoggerFactory.getLogger(Redialer.class);

    /** First retry delay. */
    public static final long MIN_DELAY_MILLIS = 1_000;
    /** Largest retry delay while the peer is presumed to come back soon. */
    public static final long MAX_DELAY_MILLIS = 5_000;
    /** Failed attempts in a row after which a peer counts as gone. */
    public static final int GONE_AFTER = 12;
    /**
     * How long a session must last for the next redial to start again from the first delay. Logux's Reconnect
     * starts again on every {@code connect}; a session that then ends at once (this node cannot store what it
     * receives on a full disk, the peer closes every session, a protocol error right after the handshake) was then
     * redialled every 1-1.5 s forever, and with the overlay in a loop. A shorter session counts as a failed attempt,
     * so the delays grow to {@link #MAX_DELAY_MILLIS} and then {@link #GONE_DELAY_MILLIS} as for a peer that does
     * not answer. By time rather than by the session's state (e.g. "ended before synchronized"): it does not
     * depend on why the session ended, and it bounds the dial rate whatever the cause. Equal to the longest
     * retry delay: a peer failing this way is dialled at most about once per 5 s + the delay.
     */
    public static final long HEALTHY_AFTER_MILLIS = MAX_DELAY_MILLIS;
    /** Retry delay for a peer that is gone. */
    public static final long GONE_DELAY_MILLIS = 30_000;
    /**
     * Retry delay (before up to +50 % jitter) of a static peer that refuses the TCP connect and never had a
     * session with this dialer ({@link #pollUntilListening}): its process is most likely not started yet (two
     * terminals, or nodes started by one script), and a user expects the link within a few hundred ms of its
     * start. A refused connect costs one SYN and one RST, and no node is loaded by it (nothing listens), so
     * Logux's back-off, made to spare a server that clients reconnect to after an outage, is not needed there.
     * Session 21's measure: a one-way {@code --peer} started first had its first session 1.6-3.6 s after the
     * peer's {@code ready}; by the back-off's numbers, up to 5 s once the dialer had waited 8 s, and up to 30 s
     * after its 12th failed dial (about a minute).
     */
    public static final long LISTEN_POLL_MILLIS = 250;
    /**
     * How long after {@link #start} a static peer that refuses is polled every {@link #LISTEN_POLL_MILLIS}; then
     * the back-off goes on as for any peer (1-1.5 s, ..., 5 s, then every {@link #GONE_DELAY_MILLIS}). A user
     * starts the other terminal within this; a mistyped {@code --peer} costs at most this long of ~3 connects a
     * second (measured: a CLI node polling a closed port used 0.99 s of CPU a minute, 0.25 s without it).
     */
    public static final long LISTEN_POLL_WINDOW_MILLIS = 3 * 60_000;
    /**
     * Retry delay for a peer this node refused (no or wrong mesh key, another mesh, a subprotocol out of range):
     * it may be fixed by its operator, but dialing it every few seconds only makes both sides flap.
     */
    public static final long REFUSED_DELAY_MILLIS = 10 * 60_000;
    /** How messages say that wait: "only every 10 min". */
    public static final String REFUSED_WAIT = "only every " + REFUSED_DELAY_MILLIS / 60_000 + " min";
    /**
     * The first wait after a refusal for the mesh's credentials or protocol ({@link #refusedDelay}); each refusal in
     * a row doubles it, up to {@link #REFUSED_DELAY_MILLIS}: 5 s, 10 s, 20 s, ... 320 s, then every 10 min. A node
     * whose key is fixed, or whose peer's is (a key rotated one node after the other), is dialed again soon after;
     * one that stays wrong costs its peer 8 refused handshakes in the first 10 min, then one every 10 min. Before
     * (break38), the first wait was the whole 10 min: a mesh whose nodes were restarted one by one with a new key
     * stayed split for 590 s after the last had it.
     */
    public static final long REFUSED_FIRST_MILLIS = 5_000;

    /**
     * The first wait before dialing again a peer that said its log is full ({@link SyncSession#peerFull}): doubled for
     * each such session in a row, at most {@link #FULL_DELAY_MILLIS}. Before (session 44) such a peer was dialed every
     * 5 s for as long as it stayed full, each session sending entries it could only refuse.
     */
    public static final long FULL_FIRST_MILLIS = 5_000;

    /**
     * The longest wait before dialing again a peer whose log is full, 30 s: how late the sending resumes at most once
     * the peer has room (an operator who freed space waits no longer), against one refused session per sender per 30 s.
     */
    public static final long FULL_DELAY_MILLIS = 30_000;

    /**
     * The most a dialer waits, at random, before it dials again a peer that closed its session because its log can be
     * written again ({@code SyncSession.ROOM_NOTICE}), or after this node closed one for that: spreads the senders of
     * a node that regained room over a quarter of a second rather than all at once.
     */
    public static final long ROOM_JITTER_MILLIS = 250;
    /** How messages say those waits. */
    public static final String REFUSED_STEPS = "after " + REFUSED_FIRST_MILLIS / 1000 + " s, then less and less often, "
        + "at most every " + REFUSED_DELAY_MILLIS / 60_000 + " min";
    /**
     * The words that end every refusal for clocks too far apart ({@code MeshAuth.clockRefusal}: "the dialer's clock is
     * 3 h ahead of this node's: a mesh proof may be at most 5 min off; set the clocks right (NTP)"). Such a refusal is
     * dialed again every {@link #GONE_DELAY_MILLIS}, not {@link #REFUSED_DELAY_MILLIS}: NTP sets a clock right without
     * a restart of either node. Before (break38) a keyed node whose clock had been 3 h ahead stayed cut off for 9.8 min
     * after it was set right, its dials and its peers' waiting out the 10 min.
     */
    static final String CLOCK_REFUSAL = "set the clocks right (NTP)";

    private final PeerTable hub;
    private final Loop loop;
    private final Log log;
    private final String fixedPeer;
    private volatile java.util.List<URI> urls;
    private int next;
    private URI url;
    private final Function<URI, MessageConnection> dial;
    private final Random random;
    private final Consumer<String> onGiveUp;
    /** Refusals for credentials or protocol since the last session that connected ({@link #refusedDelay}). */
    private int refusedInARow;
    /** Dials since the last session that lasted {@link #HEALTHY_AFTER_MILLIS} (polls excluded). */
    private int attempts;
    /**
     * Whether the link of the last dial opened (the peer's address answered), whatever became of its session; true
     * before the first dial (no outage yet).
     */
    private boolean lastLinkOpened = true;
    /** Whether a refused static peer is polled until it listens ({@link #pollUntilListening}). */
    private boolean pollUntilListening;
    /** Whether any session of this dialer connected (no polling after that: an outage has the back-off). */
    private boolean everConnected;
    /** When {@link #start} ran (the loop's monotonic clock, ms). */
    private long startedAt;
    /** The connection of the current dial ({@link #current}'s), asked whether it was refused. */
    private MessageConnection dialing;
    /** When the current session connected (the loop's monotonic clock, ms), or -1. */
    private long connectedAt = -1;
    private boolean stopped;
    private SyncSession current;
    private Loop.Cancellable pending;
    /** Why the last attempt or session ended (without the URL, which is {@link #url}), or null after a handshake. */
    private String lastError;
    /** The node that answered at {@link #url} last, as this dialer last read or wrote it (see {@link #knownPeer}). */
    private String remembered;
    /** When the next dial is due (loop time, ms), or -1 when none is scheduled. */
    /**
     * When the next dial is due, on the loop's monotonic clock ({@link dev.logmesh.spi.Loop#monotonicMillis}), or -1:
     * a wall clock set back while a dial waits does not move it (before, break38, a node whose clock was set back 3 h
     * said "again in 11373 s" of a dial due in 10 min).
     */
    private long nextDialMonotonic = -1;
    /** The latest session this dialer opened, and its URL (kept after it ended: {@link #urlOf}); loop only. */
    private SyncSession last;
    private URI lastUrl;
    /** Whether the refusal was reported since the last handshake (once, not at every retry). */
    private boolean refusalReported;
    /** Whether a peer it cannot reach is logged (a static peer: the operator named it), once per outage. */
    private boolean reportUnreachable;
    /** Whether the current outage was logged (reset by a handshake). */
    private boolean unreachableReported;
    /** Told a refusal in words, once until a session connects ({@link #refusalsTo}); {@link #onGiveUp} by default. */
    private Consumer<String> onRefusal;
    /** [overlay hook] Told the node id and URL of each session this dialer connects, or null. */
    private java.util.function.BiPredicate<String, URI> onPeer;

    public Redialer(PeerTable hub, Loop loop, Log log, URI url, Function<URI, MessageConnection> dial, Random random,
                    Consumer<String> onGiveUp) {
        this(hub, loop, log, java.util.List.of(url), null, dial, random, onGiveUp);
    }

    /**
     * A dialer for a peer known by node id (from discovery) at one or more URLs, tried in turn.
     *
     * @param peer the peer's node id, or null when only the URL is known
     */
    public Redialer(PeerTable hub, Loop loop, Log log, java.util.List<URI> urls, String peer,
                    Function<URI, MessageConnection> dial, Random random, Consumer<String> onGiveUp) {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("a dialer needs at least one URL");
        }
        this.hub = hub;
        this.loop = loop;
        this.log = log;
        this.urls = java.util.List.copyOf(urls);
        this.url = this.urls.get(0);
        this.fixedPeer = peer;
        this.dial = dial;
        this.random = random;
        this.onGiveUp = onGiveUp;
        this.onRefusal = onGiveUp;
    }

    /**
     * Tells the words of a refusal ({@link ProtocolError#isRefusal}: the peer refused this node, or this node refused
     * the peer's credentials) to {@code words} instead of the give-up callback: the node's {@code refusalError}, for a
     * dialer whose refused sessions the node names to its listeners.
     *
     * @return this
     */
    public Redialer refusalsTo(Consumer<String> words) {
        onRefusal = words;
        return this;
    }

    /**
     * [overlay hook] Tells {@code hook} the node id and URL of every session this dialer connects (the overlay pins
     * static peers by node id); when it answers false the dialer stops, leaving that session as it is.
     *
     * @return this
     */
    public Redialer onPeer(java.util.function.BiPredicate<String, URI> hook) {
        onPeer = hook;
        return this;
    }

    /**
     * Logs a WARN when a dial fails (once, until a handshake works again: an operator who mistyped a {@code --peer}
     * learns it without asking {@code logmesh peers}) and an INFO when the peer is reached (again, if it had been
     * reached before the outage). For static peers.
     *
     * @return this
     */
    public Redialer reportUnreachable() {
        reportUnreachable = true;
        return this;
    }

    /**
     * Polls a peer that refuses connections every {@link #LISTEN_POLL_MILLIS} (+ up to 50 %) until its first
     * session, for up to {@link #LISTEN_POLL_WINDOW_MILLIS} after {@link #start}, instead of Logux's back-off: for
     * static peers, which a user names and may start after this node. A peer that was reached once, then refuses
     * (an outage, a restart), has the back-off as before; so has any other failure (timeouts, TLS, refusals by the
     * peer's node, sessions that end at once).
     *
     * @return this
     */
    public Redialer pollUntilListening() {
        pollUntilListening = true;
        return this;
    }

    /** The URL this dialer dials (or dialed last). */
    public URI url() {
        return url;
    }

    /** Replaces the URLs to try (a discovered peer's addresses changed). */
    public void setUrls(java.util.List<URI> newUrls) {
        if (!newUrls.isEmpty()) {
            urls = java.util.List.copyOf(newUrls);
        }
    }

    /**
     * The node id expected at the URL: given, or the one that answered there last time, or null. A store that
     * cannot be read now (a full disk, with a batch still to be written before any read) answers with what this
     * dialer last knew: the redialing never stops on it (a chaos run's {@code diskfull}: the exception thrown
     * out of {@link #disconnected} left no dial scheduled, and the peer was not dialed again until a restart).
     */
    public String knownPeer() {
        if (fixedPeer != null) {
            return fixedPeer;
        }
        try {
            remembered = log.store().state(stateKey()).orElse(null);
        } catch (dev.logmesh.StoreException e) {
            LOG.debug("cannot read which node answers at {} ({}); taking {}", url, e.getMessage(), remembered);
        }
        return remembered;
    }

    private String stateKey() {
        return "peer-url:" + url;
    }

    /** Dials now. */
    public void start() {
        startedAt = loop.monotonicMillis();
        dialNow();
    }

    /**
     * Why the last attempt or session with this peer ended (null since a handshake succeeded), without the URL:
     * whoever shows it shows {@link #url} next to it.
     */
    public String lastError() {
        return lastError;
    }

    /** When the next dial is due, in the loop's time (ms), or -1 if none is scheduled (connected or stopped). */
    public long nextDialAt() {
        return nextDialMonotonic < 0 ? -1 : loop.now() + (nextDialMonotonic - loop.monotonicMillis());
    }

    private void dialNow() {
        pending = null;
        nextDialMonotonic = -1;
        if (stopped) {
            return;
        }
        String expected = knownPeer();
        if (expected != null && hub.session(expected) != null) {
            // Already connected to that node another way (it dialed us): check again later.
            schedule(MAX_DELAY_MILLIS);
            return;
        }
        attempts++;
        java.util.List<URI> choices = urls;
        url = choices.get(Math.floorMod(next++, choices.size()));
        dialing = dial.apply(url);
        current = hub.open(dialing, SyncSession.Role.DIALER, expected, this);
        last = current;
        lastUrl = url;
    }

    /**
     * The URL this dialer dialed {@code session} at, or null when the session is not its latest one (also after the
     * session ended: the node's listeners hear of its end after this dialer may have). Loop only.
     */
    public URI urlOf(SyncSession session) {
        return session != null && session == last ? lastUrl : null;
    }

    @Override
    public void connected(SyncSession session) {
        // attempts start again only when the session proves healthy (disconnected, HEALTHY_AFTER_MILLIS)
        connectedAt = loop.monotonicMillis();
        boolean reachedBefore = everConnected;
        everConnected = true;
        lastError = null;
        refusalReported = false;
        refusedInARow = 0;
        if (unreachableReported) {
            unreachableReported = false;
            // "again" only for a peer this dialer had reached (session 23: a peer started after this node was
            // "reached again" at its first session)
            if (reachedBefore) {
                LOG.info("reached {} again", url);
            } else {
                LOG.info("reached {}: its first session since this node started", url);
            }
        }
        String peer = session.peerNode();
        next--; // keep the URL that worked first in line
        if (fixedPeer == null && !peer.equals(knownPeer())) {
            rememberPeer(peer);
        }
        if (onPeer != null && !stopped && !onPeer.test(peer, url)) {
            stop(false);
        }
    }

    @Override
    public void disconnected(SyncSession session, ProtocolError error, String reason) {
        if (session != current) {
            return;
        }
        current = null;
        boolean refused = dialing != null && dialing.refused();
        dialing = null;
        lastError = error != null ? error.getMessage() : reason;
        if (connectedAt >= 0 && loop.monotonicMillis() - connectedAt >= HEALTHY_AFTER_MILLIS) {
            attempts = 0; // a healthy session dropped: redial promptly
        } else if (session.linkOpened() && !lastLinkOpened) {
            // the first link that opens after dials that reached nobody (a cut healed, the peer's process back): the
            // peer is reachable again, so a handshake that failed on it (a frame lost or damaged on its way) is
            // tried again at the first step, as Logux's Reconnect does on every open, instead of the outage's 5 s
            // (session 37's chaos partition: 5 s more after the heal). Once per outage: a peer that ends every
            // session at once (a full disk) meets only short sessions, and the delays grow as before
            attempts = 0;
        }
        lastLinkOpened = session.linkOpened();
        connectedAt = -1;
        if (stopped) {
            return;
        }
        String instead = fixedPeer != null || session.expectedPeer() == null ? null
            : dev.logmesh.internal.session.SyncSession.answeredInstead(error, session.expectedPeer());
        if (instead != null) {
            // Another node answers at this URL now (a memory node restarted with a new id, or another node took the
            // port): not a refusal. A keyed dialer names the node it expects in its proof, so dialing the old id
            // again was refused at every dial (break47: an error blaming wrong-credentials, then the refusal back-off
            // up to 10 min); the next dial names the new node, whose key is then checked as any peer's
            LOG.info("the peer at {} is now node {} (was {}): it restarted with a new id, or another node took its "
                + "address; dialing {}", url, instead, session.expectedPeer(), instead);
            rememberPeer(instead);
            attempts = 0;
            lastError = null;
            schedule(nextDelay());
            return;
        }
        if (error != null && error.type() != null && error.type().stopsReconnect()) {
            // Either side refused the other (no or wrong mesh key, another mesh, a (sub)protocol out of range).
            // Logux's Reconnect stops for good when the peer refuses; a mesh node runs for months and either
            // operator may fix it, so it dials again, less and less often up to every REFUSED_DELAY_MILLIS, and says
            // so once
            boolean clocks = String.valueOf(error.getMessage()).contains(CLOCK_REFUSAL);
            if (!refusalReported) {
                refusalReported = true;
                String every = clocks
                    ? "dialing it again every " + GONE_DELAY_MILLIS / 1000 + " s until the clocks agree"
                    : "dialing it again " + REFUSED_STEPS;
                (error.isRefusal() ? onRefusal : onGiveUp).accept(error.isReceived()
                    ? url + " refused this node (" + error.wireType() + refusal(error) + "): " + every
                        + " (restart this node to try at once)"
                    // this node refused it (before, session 37, "U was refused (...)", which did not say by whom)
                    : "this node refused " + url + " (" + error.getMessage() + "): " + every
                        + " (restart this node to try at once)");
            }
            schedule(clocks ? GONE_DELAY_MILLIS : refusedDelay());
            return;
        }
        if (session.peerHasRoom() || session.waitedForRoom()) {
            // a full log on either side has room again (SyncSession.roomAgain): what it did not acknowledge goes now,
            // not at the next redial of the full back-off (up to FULL_DELAY_MILLIS, session 45)
            attempts = 0;
            if (fullInARow > 0 && fullReported) {
                LOG.info("peer {} says it can write its log again: sending it what it did not acknowledge", url);
            }
            fullInARow = 0;
            fullReported = false;
            schedule((long) (random.nextDouble() * ROOM_JITTER_MILLIS));
            return;
        }
        if (session.peerFull() != null) {
            // what status, logmesh peers and PeerStatus show for it: not the timeout the peer closed with
            lastError = "the peer cannot write its log: " + session.peerFull();
            // the node said it when the peer did (MeshNode's peerFull, for every session with it); its session ended
            // before the peer had room (the peer restarted, or the link broke): dialed again less and less often
            fullReported = true;
            schedule(fullDelay());
            return;
        }
        if (fullInARow > 0) {
            fullInARow = 0;
            if (fullReported) {
                fullReported = false;
                LOG.info("peer {} no longer says its log is full: dialing it as usual again", url);
            }
        }
        if (dev.logmesh.internal.session.SyncSession.TWIN.equals(reason)) {
            // before (session 28) said "is this node itself", which sent the user looking for a wrong URL
            stop();
            onGiveUp.accept(url + " answered with this node's own id " + log.nodeId() + ": "
                + dev.logmesh.internal.session.SyncSession.TWIN + " (a copy of this node's data directory?); two nodes"
                + " with one id lose actions: stop one and start it on a data directory of its own; not dialing it");
            return;
        }
        if (reason != null && (reason.startsWith(dev.logmesh.internal.session.SyncSession.TWIN_TOLD)
            || reason.equals(dev.logmesh.internal.session.SyncSession.PEER_TWIN))) {
            // two live nodes with one id (this one and a copy, or the peer and a copy of it), found by the peer or by
            // this node: the node said so once; dialing again at once would only meet the other copy again
            schedule(REFUSED_DELAY_MILLIS);
            return;
        }
        if ("connected to itself".equals(reason)) {
            stop();
            onGiveUp.accept(url + " is this node itself: not dialing it");
            return;
        }
        if (fixedPeer == null && session.peerNode() != null && !session.peerNode().equals(knownPeer())) {
            // Another node answered at this URL: remember it, so the next connect carries its cursor.
            rememberPeer(session.peerNode());
            attempts = 0;
        }
        long delay;
        boolean polling = pollUntilListening && refused && !everConnected
            && loop.monotonicMillis() - startedAt < LISTEN_POLL_WINDOW_MILLIS;
        if (polling) {
            // nothing listens there yet: most likely a peer not started yet; Logux's sequence stays where it was
            attempts--;
            delay = LISTEN_POLL_MILLIS + (long) (random.nextDouble() * 0.5 * LISTEN_POLL_MILLIS);
        } else {
            delay = nextDelay();
        }
        if (reportUnreachable && !unreachableReported && session.peerNode() == null) {
            // no node answered (refused, unknown host, no route, no handshake): said once per outage
            unreachableReported = true;
            // the URL once: the transport's reasons leave it out (session 22: "cannot reach peer U (connection
            // error with U: ...)")
            if (polling) {
                // not "with back-off": it is dialed 3-4 times a second now (session 22: the warning understated it)
                String then = "then with back-off, at least every " + GONE_DELAY_MILLIS / 1000 + " s until it answers";
                LOG.warn("cannot reach peer {}: {}; dialing it again every {}-{} ms while it may be starting (for {} min "
                    + "after this node's start), {} (logmesh peers shows its state)", url, lastError, LISTEN_POLL_MILLIS,
                    LISTEN_POLL_MILLIS * 3 / 2, LISTEN_POLL_WINDOW_MILLIS / 60_000, then);
            } else {
                LOG.warn("cannot reach peer {}: {}; dialing it again with back-off, at least every {} s until it "
                    + "answers (logmesh peers shows its state)", url, lastError, GONE_DELAY_MILLIS / 1000);
            }
        }
        schedule(delay);
    }

    /**
     * What a refusal asks for, in words (a Logux server's {@code wrong-subprotocol {supported, used}}), led by
     * {@code ": "} or {@code " "}: {@code ": it says: SAID"}, {@code ": the mesh keys differ, ..."}; the overlay's
     * refused dials say it too.
     */
    static String refusal(ProtocolError error) {
        com.fasterxml.jackson.databind.JsonNode o = error.options();
        if (error.type() == ProtocolError.Type.WRONG_SUBPROTOCOL && o != null && o.has("supported")) {
            return ": it needs subprotocol " + o.get("supported").asText() + " or later, this node sent "
                + o.path("used").asText("?") + "; set the node's subprotocol (--subprotocol N)";
        }
        String keys = ": the mesh keys differ, or this node has none: give both nodes the same key";
        if (error.said() != null) {
            // the listener's words (a clock too far off, another mesh); the key advice where they are about the key
            boolean key = error.said().contains("key") || error.said().contains("credentials")
                || error.said().contains("proof");
            return ": it says: " + error.said() + (key && !error.said().contains("clock")
                && !error.said().contains("--key-file") ? keys.replace(": the", "; the") : "");
        }
        if (error.type() == ProtocolError.Type.WRONG_CREDENTIALS) {
            return keys + " (a Logux server wants a token it accepts)";
        }
        return o == null || o.isNull() ? "" : " " + o;
    }

    /**
     * Remembers which node answers at this URL, so the next connect carries its cursor. A store that cannot
     * write loses only that hint (the next session starts from cursor 0 and anti-entropy): it must not stop the
     * redialing.
     */
    private void rememberPeer(String peer) {
        remembered = peer;
        String key = "remember " + url;
        try {
            log.store().setState(stateKey(), peer);
            log.lastingFailures().worked(LOG, key, "remembering which node answers at " + url);
        } catch (dev.logmesh.StoreException e) {
            // said once while it lasts, not at every redial (ux41: 16 lines in 19 s on a full disk)
            log.lastingFailures().failed(LOG, key, "remember that " + peer + " answers at " + url, e);
        }
    }

    /**
     * The next retry delay, as Logux's Reconnect computes it: {@code base = MIN_DELAY × 2^attempts}, where
     * {@code attempts} counts dials since the last session that lasted {@link #HEALTHY_AFTER_MILLIS} (0 right
     * after losing a healthy link, so 1–1.5 s; then 2–3 s, 4–5 s, 5 s), plus up to 50 % jitter, or minus up to 10 % one time in ten.
     */
    long nextDelay() {
        if (attempts >= GONE_AFTER) {
            return GONE_DELAY_MILLIS;
        }
        double base = MIN_DELAY_MILLIS * Math.pow(2, attempts);
        double r = random.nextDouble();
        double dev = r * 0.5 * base;
        if ((int) Math.floor(r * 10) == 1) {
            dev = -dev;
        }
        return (long) Math.min(base + dev, MAX_DELAY_MILLIS);
    }

    /**
     * The wait after one more refusal for credentials or protocol: {@link #REFUSED_FIRST_MILLIS} doubled for each
     * refusal in a row before it, at most {@link #REFUSED_DELAY_MILLIS}, with up to +20 % jitter below that (so the
     * dialers of one refusing peer spread out).
     */
    long refusedDelay() {
        long base = REFUSED_FIRST_MILLIS << Math.min(refusedInARow, 20);
        refusedInARow++;
        if (base >= REFUSED_DELAY_MILLIS) {
            return REFUSED_DELAY_MILLIS;
        }
        return Math.min(REFUSED_DELAY_MILLIS, base + (long) (random.nextDouble() * 0.2 * base));
    }

    /** How many sessions in a row ended with the peer's log full ({@link SyncSession#peerFull}); loop only. */
    private int fullInARow;

    /** Whether the peer's full log was said (once until a session ends otherwise); loop only. */
    private boolean fullReported;

    /**
     * The wait after one more session that found the peer's log full: {@link #FULL_FIRST_MILLIS} doubled for each one
     * in a row before it, at most {@link #FULL_DELAY_MILLIS}, with up to +20 % jitter below that.
     */
    long fullDelay() {
        long base = FULL_FIRST_MILLIS << Math.min(fullInARow, 20);
        fullInARow++;
        if (base >= FULL_DELAY_MILLIS) {
            return FULL_DELAY_MILLIS;
        }
        return Math.min(FULL_DELAY_MILLIS, base + (long) (random.nextDouble() * 0.2 * base));
    }

    private void schedule(long delay) {
        LOG.debug("dialing {} again in {} ms", url, delay);
        nextDialMonotonic = loop.monotonicMillis() + delay;
        pending = loop.schedule(delay, this::dialNow);
    }

    /** Stops dialing and closes the current session, if any. */
    public void stop() {
        stop(true);
    }

    /**
     * Stops dialing.
     *
     * @param closeSession whether to close a session this dialer opened; false leaves a live session to its
     *                     ping/pong (a discovery's "lost" is only a hint)
     */
    public void stop(boolean closeSession) {
        stopped = true;
        nextDialMonotonic = -1;
        if (pending != null) {
            pending.cancel();
        }
        if (closeSession && current != null) {
            SyncSession s = current;
            current = null;
            s.close("stopped dialing");
        }
    }

    /** Whether this dialer gave up or was stopped. */
    public boolean stopped() {
        return stopped;
    }
}
