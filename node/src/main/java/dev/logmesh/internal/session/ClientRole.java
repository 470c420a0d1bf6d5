package dev.logmesh.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.internal.edge.ChannelFilter;
import dev.logmesh.internal.edge.ChannelReplay;
import dev.logmesh.internal.edge.ReplayReads;
import dev.logmesh.internal.edge.ClientEdge;
import dev.logmesh.internal.edge.Subscribe;
import dev.logmesh.internal.edge.Answers;
import dev.logmesh.internal.edge.ClientId;
import dev.logmesh.internal.edge.Reply;
import dev.logmesh.internal.edge.UserTokens;
import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.protocol.EntrySize;
import dev.logmesh.internal.protocol.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session's side of the Logux server role towards one client (a peer whose {@code connect} has no
 * {@code logmesh} options): the pure logic of {@link ClientEdge} carried out on the wire and in the log.
 *
 * <h2>On the wire (interop/edge/README.md, "What the Java node must do")</h2>
 * <ul>
 *   <li><b>Handshake.</b> {@link #refusal} decides who may connect: not the reserved user {@code server}; on a
 *       keyed mesh, a per-node token ({@code MeshAuth.tokenFor}) or a per-user token ({@link UserTokens}). The
 *       session sends its {@code headers} before {@code connected} and no mesh options in it.</li>
 *   <li><b>To the client</b>, catch-up and live alike (one pump): the entries {@link ClientEdge#sends} lets
 *       through, each once per connection, with meta {@code id}, {@code time}, {@code subprotocol} only. The
 *       catch-up starts after the smaller of {@code connect.synced} and the cursor this node keeps for the client id
 *       (what it acknowledged here), or after 0 without one ({@link #acknowledged}; SyncSession, "Clients'
 *       cursors"); no peer cursor is kept for a client (a browser tab has a new node id each time it opens).</li>
 *   <li><b>From the client</b>, {@link #received}: every entry is checked by {@link ClientEdge#receive}; the
 *       accepted ones are added to the log in one write; once it is durable ({@code whenDurable}) {@code synced} answers
 *       the client's number, then the answers go out in the order of the client's entries, in one {@code sync}:
 *       {@code logux/undo} for a refused entry, the subscription replies, {@code logux/processed} for an added
 *       one (after its {@code process} hook). Answers are not log entries: they get fresh ids of this node and
 *       carry the connection's send cursor as their number. The undo of an entry whose {@code process} hook
 *       failed is an entry of the log (it may have gone elsewhere already), addressed where the entry went. An entry
 *       of the log the client sends back unchanged ({@link ClientEdge.Echo}: a bare {@code ClientNode} resends what it
 *       received) is acknowledged by {@code synced} alone.</li>
 * </ul>
 * Called on the node's loop only.
 */
final class ClientRole extends EdgeRole {
    private static final Logger LOG = LoggerFactory.getLogger(ClientRole.class);

    private final SyncSession session;
    private final Log log;
    private final EdgeConfig config;
    private final ClientEdge edge;
    /** The largest entry ({@link EntrySize#bound}) a frame of this node's mesh can carry. */
    private final long maxEntry;
    /** The node's limit on ERROR lines of failing hooks, shared by its client sessions ({@link SessionConfig}). */
    private final LineLimit hookErrors;
    /** This connection's refusals of what the client sent, said once and then counted. */
    private final PeerLines refusals = new PeerLines();
    /** {@link PeerLines}' kind for them. */
    private static final String REFUSALS = "refused actions and subscriptions";
    /** Entries handled (and answered) per loop task ({@link SessionConfig#receiveSlice}). */
    private final int slice;
    /** What the slices of a large frame decided and stored so far (answered with its last slice), or null. */
    private List<ClientEdge.Received> frameDecisions;
    private List<Meta> frameResults;
    /** Whether this connection said that a replay stopped at its bound ({@link #replayCut}). */
    private boolean replayCutSaid;
    /**
     * The ids this connection's replays sent, so that an entry of two channels the client subscribes to comes once;
     * at most {@link #MAX_REPLAYED} (about 1 MB), beyond which a further replay may send such an entry again.
     */
    private final java.util.Set<ActionId> replayed = new java.util.HashSet<>();
    /** The most ids {@link #replayed} holds. */
    static final int MAX_REPLAYED = 10_000;

    /** The connection's replays being read off the loop ({@link ReplayReads}): cancelled when it closes. */
    private final java.util.Set<ReplayReads.Reading> readings = new java.util.HashSet<>();
    /**
     * Whether the answers to a client's frame wait for a subscription's replay read off the loop
     * ({@link ClientEdge.Handled#later}): the answers to its later frames wait behind them ({@link #waiting}), so
     * that the client gets its answers in the order it sent, as when the replay read on the loop.
     */
    private boolean held;
    /** What the held answers do if the connection closes first (their stored actions are processed), or null. */
    private Runnable heldIfClosed;
    /** Answers of later frames waiting behind {@link #held} ones, in order: each with what it does if closed first. */
    private final ArrayDeque<Runnable[]> waiting = new ArrayDeque<>();
    /** Whether {@link #closed} ran. */
    private boolean ended;

    /** The least time (ms) between two ERROR lines of a node's failing hooks (all its client sessions together). */
    static final long HOOK_ERROR_EVERY_MILLIS = 60_000;

    /**
     * @param maxEntry   the largest entry ({@link EntrySize#bound}) a mesh frame can carry
     *                   ({@link EntrySize#maxEntry} of the node's frame limit): a client's larger one is refused
     * @param hookErrors the node's limit on ERROR lines of failing hooks ({@link SessionConfig#hookErrors})
     * @param catchUpStart the {@code added} after which this connection's catch-up starts: what the client had not
     *                   acknowledged on this node, which a resubscription's replay may send
     */
    ClientRole(SyncSession session, Log log, EdgeConfig config, ClientId client, int subprotocol, JsonNode headers,
               long maxEntry, LineLimit hookErrors, long catchUpStart) {
        this.session = session;
        this.maxEntry = maxEntry;
        this.log = log;
        this.hookErrors = hookErrors;
        this.slice = session.receiveSlice();
        this.config = config;
        this.edge = new ClientEdge(client, subprotocol, headers, config.rules(), config.options());
        ChannelReplay.Bounds bounds = config.options().replay();
        if (bounds != null) {
            ChannelReplay.Pages pages = (order, ascending, after, limit) ->
                log.store().page(order, ascending, after, limit);
            ReplayReads reads = config.reads();
            edge.history(new ClientEdge.History() {
                @Override
                public List<Reply> replay(Subscribe s, ChannelFilter filter, long uptoAdded) {
                    ChannelReplay.Result r = ChannelReplay.replay(pages, client, s, filter, catchUpStart, uptoAdded,
                        bounds, ClientRole.this::sentOtherwise, ClientRole.this::replayed);
                    return replayDone(s, r);
                }

                @Override
                public CompletableFuture<List<Reply>> start(Subscribe s, ChannelFilter filter, long uptoAdded) {
                    if (reads == null) {
                        return null;
                    }
                    ReplayReads.Reading reading = reads.start(new ChannelReplay.Read(client, s, catchUpStart,
                        uptoAdded, bounds), filter, ClientRole.this::sentOtherwise, ClientRole.this::replayed);
                    if (reading == null) {
                        return null;
                    }
                    readings.add(reading);
                    return reading.done().whenComplete((r, failure) -> readings.remove(reading))
                        .thenApply(r -> replayDone(s, r));
                }
            });
        }
    }

    /**
     * Whether the connection sends or sent {@code e} otherwise, so that a replay leaves it out: the catch-up or
     * another subscription sends it (the new one wants only later entries), or an earlier replay of this connection
     * took it (also one still being read: {@link #replayed(Entry)} is told as each takes an entry).
     */
    private boolean sentOtherwise(Entry e) {
        return edge.sends(e) || replayed.contains(e.id());
    }

    /** A replay of this connection took {@code e}: remembered (up to {@link #MAX_REPLAYED}) so none sends it again. */
    private void replayed(Entry e) {
        if (replayed.size() < MAX_REPLAYED) {
            replayed.add(e.id());
        }
    }

    /** A replay of {@code s} is done: says whether it was cut at a bound; returns what to send. */
    private List<Reply> replayDone(Subscribe s, ChannelReplay.Result r) {
        if (r.cut()) {
            replayCut(s, r);
        }
        return r.replies();
    }

    /**
     * Says that a subscription's default replay stopped at its bound: the client got part of what it may have missed.
     * Once per connection at WARN, then at DEBUG (a client may subscribe to many channels); the client gets a
     * {@code debug} message for each such subscription, before its {@code logux/processed}.
     */
    private void replayCut(Subscribe s, ChannelReplay.Result r) {
        // a first subscription gets the newest entries (older ones are left out); a resubscription the oldest it
        // missed (newer ones are left out: before break43 this line said "older" for both)
        String left = s.since() == null ? "older entries of the channel are not sent"
            : "the channel's entries it missed after those are not sent";
        String line = "client {}: the replay of channel {} stopped after {} entries read and {} sent (the bound of the "
            + "default load): " + left + "; {}";
        String remedy = config.options().replay().remedy();
        if (!replayCutSaid) {
            replayCutSaid = true;
            LOG.warn(line, edge.client(), ClientEdge.shown(s.channel()), r.read(), r.replies().size(), remedy);
        } else {
            LOG.debug(line, edge.client(), ClientEdge.shown(s.channel()), r.read(), r.replies().size(), remedy);
        }
        // the client is told as well, before the subscription's logux/processed, in the debug message @logux/server
        // sends and takes (["debug","error",text]: @logux/client prints it, an app sees it on client.node's "debug"
        // event); an action would enter the client's log. Before (session 44) only the node's log said so.
        session.sendMessage(new Message.Debug("error", "logmesh: the replay of channel " + ClientEdge.shown(s.channel())
            + " stopped at its bound (" + r.replies().size() + " entries sent, " + r.read() + " of the log read): "
            + left + "; reload the channel's state (the node's operator can have more sent)"));
    }

    /**
     * Why a client may not connect, or null if it may.
     *
     * @param nodeId  the node id of its {@code connect}
     * @param options the options of its {@code connect} (its {@code token}), or null
     */
    static String refusal(SessionConfig config, String nodeId, ObjectNode options) {
        ClientId id = ClientId.parse(nodeId);
        if (id.isReservedServer()) {
            return "the user id \"" + ClientId.SERVER + "\" is reserved";
        }
        if (config.auth() == null) {
            return null;
        }
        JsonNode token = options == null ? null : options.get("token");
        if (token == null || !token.isTextual() || token.asText().isEmpty()) {
            return "no credentials";
        }
        if (config.auth().checkToken(nodeId, token.asText())) {
            return null;
        }
        UserTokens users = config.edge().tokens();
        UserTokens.Verdict verdict = users == null ? null : users.check(nodeId, token.asText());
        if (verdict != null && verdict.accepted()) {
            // @logux/client's node ids are user:client:tab; user:client is a mesh node's form (the node alice:Xk3v9QaB
            // for user alice), which a user's token must not let its holder be
            return id.hasTab() ? null : "a user token is for node ids USER:CLIENT:TAB (as @logux/client makes them), "
                + "not " + nodeId;
        }
        return "wrong token" + (verdict == null ? "" : " (user token: " + verdict.name().toLowerCase(Locale.ROOT) + ")");
    }

    /** A {@code headers} message of the client while connected: the hooks see these from now on. */
    void headers(JsonNode headers) {
        edge.headers(headers);
    }

    /** The connection's client. */
    ClientId client() {
        return edge.client();
    }

    @Override
    boolean sends(Entry entry) {
        return edge.sends(entry);
    }

    @Override
    boolean keepsCursor() {
        return false;
    }

    /** Keeps the client's cursor ({@link Log#advanceClientCursor}): where its next catch-up on this node may start. */
    @Override
    void acknowledged(long added) {
        log.advanceClientCursor(edge.client().clientId(), added);
    }

    @Override
    List<Entry> received(long added, List<Entry> entries, String[] refused, boolean last) {
        List<ClientEdge.Received> decisions = new ArrayList<>(entries.size());
        List<Entry> accepted = new ArrayList<>();
        int echoes = 0;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            // nested too deep for the mesh or holding a number beyond a double's range (the session counted it),
            // or larger than a mesh frame can carry (a client's frame may be larger than a mesh frame:
            // NodeConfig.maxClientFrameBytes): refused as @logux/server refuses an action it fails on, with the
            // reason "error"
            ClientEdge.Received r;
            if (refused[i] != null) {
                r = new ClientEdge.Refuse(Reply.of(Answers.undo(Answers.asJavaScriptHoldsIt(e), Answers.ERROR)),
                    "action " + e.id() + " " + refused[i] + ": refused, not added");
            } else if (EntrySize.bound(e) > maxEntry) {
                r = tooLarge(e, EntrySize.bound(e), "");
            } else if (answerSentBack(e)) {
                r = new ClientEdge.Echo(e.id());
            } else {
                r = edge.receive(e, log.lastAdded(), log::byId);
                if (r instanceof ClientEdge.Refuse && log.foundCorrupt(e.id())) {
                    // an entry this node held and found corrupt (the read of it just now, or the scrub): it cannot be
                    // compared, and a peer's copy is on its way; a client sending it back received it from here.
                    // Acknowledged, not added (before, break50: 100 such got "denied" and the app undid them)
                    r = new ClientEdge.Echo(e.id());
                }
                long stored = r instanceof ClientEdge.Add a ? EntrySize.boundOnAnyNode(log.asStored(a.entry())) : 0;
                if (stored > maxEntry) {
                    // within the limit as the client sent it, over it as the log would store it (the node's keep
                    // reason added): added, it could not be sent to any mesh peer (break36)
                    r = tooLarge(e, stored, " as this node stores it");
                }
            }
            decisions.add(r);
            if (r instanceof ClientEdge.Add a) {
                accepted.add(a.entry());
            } else if (r instanceof ClientEdge.Echo) {
                echoes++;
            }
        }
        if (echoes > 0 && LOG.isDebugEnabled()) {
            LOG.debug("client {} sent back {} entries of the log it may have received from this node (a ClientNode "
                + "without an outFilter resends them): acknowledged, not added, no undo", edge.client(), echoes);
        }
        List<Meta> results = accepted.isEmpty() ? List.of() : session.addReceived(accepted);
        if (frameDecisions != null || !last) {
            // a slice of a large frame: answered with its last slice, for the whole frame
            if (frameDecisions == null) {
                frameDecisions = new ArrayList<>();
                frameResults = new ArrayList<>();
            }
            frameDecisions.addAll(decisions);
            frameResults.addAll(results);
            if (!last) {
                return null;
            }
            decisions = frameDecisions;
            results = frameResults;
            frameDecisions = null;
            frameResults = null;
        }
        List<ClientEdge.Received> all = decisions;
        List<Meta> stored = results;
        boolean sliced = session.slicing();
        // once durable: acknowledge the client's sync (before the answers, as @logux/server does), then answer; if
        // the client is gone by then, its stored actions are processed all the same (unanswered: see settle)
        Runnable ifClosed = () -> settle(all, stored, 0, 0);
        session.afterDurable(() -> inTurn(() -> answer(added, all, stored, sliced), ifClosed), ifClosed);
        return null;
    }

    /**
     * Whether {@code e} is an answer of this node ({@code logux/processed} or {@code logux/undo} under an id of this
     * node) that the client sends back: a bare {@code ClientNode} that keeps what it receives resends the answers it
     * got, as it resends the entries ({@link ClientEdge.Echo}). Answers are never in the log (fresh ids, see the class
     * docs), so they cannot be compared; nothing of the log decides this, so acknowledging one tells the client
     * nothing it did not know, and nothing is added. Before (apps37) each got a {@code logux/undo} {@code denied}:
     * an undo of an answer.
     */
    private boolean answerSentBack(Entry e) {
        String type = e.action().type();
        return (Answers.PROCESSED.equals(type) || Answers.UNDO.equals(type)) && e.id().node().equals(log.nodeId());
    }

    /** Refuses a client's action of about {@code size} bytes, over the mesh's entry limit; says so ({@code how}). */
    private ClientEdge.Refuse tooLarge(Entry e, long size, String how) {
        session.refusedEntry(e.id(), SyncSession.TOO_LARGE);
        return new ClientEdge.Refuse(undoOfLarge(e), "action " + e.id() + " of about " + size + " bytes (with its meta"
            + how + ") is over the limit of " + maxEntry + " bytes that a frame of the mesh can carry (from --max-frame "
            + (maxEntry + EntrySize.FRAME_OVERHEAD) + "): refused, not added");
    }

    /**
     * The {@code logux/undo} of a client's action too large for the mesh: with the action, as {@code @logux/server}
     * sends it (its text: since embed36 no tree is built, so a string longer than Jackson's 20,000,000 chars, which
     * the codec's scan takes but {@link dev.logmesh.Action#json} refuses, goes back as well); with only its {@code type}
     * when the undo cannot be made of it (before embed36 such a 40 MB action's undo failed on the loop and the client
     * waited for its answer until its timeout, then got its type only).
     */
    private static Reply undoOfLarge(Entry e) {
        try {
            return Reply.of(Answers.undo(e, Answers.ERROR));
        } catch (IllegalStateException | IllegalArgumentException unreadable) {
            // (the undo's text is read back as an action: past Jackson's string limit, IllegalArgumentException)
            LOG.debug("action {} cannot be read as a tree: its undo names its type only", e.id());
            return Reply.of(Answers.undo(new Entry(dev.logmesh.Action.ofType(e.action().type()), e.meta()),
                Answers.ERROR));
        }
    }

    /** Runs {@code answer} now, or after the answers held for a replay ({@link #held}); loop only. */
    private void inTurn(Runnable answer, Runnable ifClosed) {
        if (held) {
            waiting.add(new Runnable[] {answer, ifClosed});
        } else {
            answer.run();
        }
    }

    /** The held answers are out: those waiting behind them go, until one is held again; loop only. */
    private void released() {
        held = false;
        heldIfClosed = null;
        while (!held && !ended && !waiting.isEmpty()) {
            waiting.poll()[0].run();
        }
    }

    /**
     * The client's batch is durable: {@code synced}, then the answers ({@code logux/processed}, undo, replies), in the
     * order of its entries. A frame of more than {@link SessionConfig#receiveSlice} entries is answered in slices of
     * that many, each in a task of its own ({@code SyncSession.later}); the session handles the client's later
     * messages once the last is out ({@code SyncSession.frameHandled}).
     */
    private void answer(long added, List<ClientEdge.Received> decisions, List<Meta> results, boolean sliced) {
        List<CompletableFuture<?>> reading = new ArrayList<>();
        for (ClientEdge.Received r : decisions) {
            if (r instanceof ClientEdge.Handled h && h.later() != null && !h.later().isDone()) {
                reading.add(h.later());
            }
        }
        if (!reading.isEmpty()) {
            // a subscription whose replay is read off the loop: synced waits with its answers. A client told synced
            // takes the subscribe as delivered and never sends it again, and @logux/client resubscribes only what was
            // processed: a node stopped between the two lost the subscription for good (break44: 20 first
            // subscriptions, SIGTERM during their replays, restart; none ever answered). Unanswered, the client sends
            // the frame again on its next connection, where its actions are duplicates answered without their hooks.
            held = true;
            heldIfClosed = () -> settle(decisions, results, 0, 0);
            // completed on the loop (ReplayReads); the answers go on in a task of their own
            CompletableFuture<Void> unused = CompletableFuture.allOf(reading.toArray(CompletableFuture[]::new))
                .thenRun(() -> session.resume(() -> {
                    if (!ended) {
                        heldIfClosed = null;
                        session.sendMessage(new Message.Synced(added));
                        answer(decisions, results, 0, 0, sliced);
                    }
                }));
            return;
        }
        session.sendMessage(new Message.Synced(added));
        answer(decisions, results, 0, 0, sliced);
    }

    /**
     * The client's session ended before its stored actions were answered (its link closed while its frame was
     * handled, or before the frame was durable): their {@code process} hooks run all the same, once, as
     * {@code @logux/server} processes an action whose client went away (an undo of a failed one goes through the
     * log), and nothing is sent. The client sends them again on its next connection, where they are duplicates,
     * answered {@code logux/processed} without running the hook again. Before (session 33) such actions were never
     * processed: {@link ClientEdge#committed} runs the hook only for an action new to the log.
     */
    private void settle(List<ClientEdge.Received> decisions, List<Meta> results, int from, int next) {
        for (ClientEdge.Received r : decisions.subList(from, decisions.size())) {
            if (r instanceof ClientEdge.Add add) {
                Meta stored = results.get(next++);
                if (stored != null) {
                    committedUnanswered(add.entry().withMeta(stored));
                }
            }
        }
    }

    /**
     * Part of a frame that could not be stored when it came (the log full: the session holds) went in later, when
     * the session tried it again ({@code SyncSession.retryHeldBatch}): once durable, each newly stored action's
     * {@code process} hook runs, once, and nothing is answered, as for a frame whose client went away ({@link #settle}).
     * The client, told nothing was synced, sends the frame again on its next session (the node ends this one when it
     * can write again), where these actions are duplicates answered {@code logux/processed} without the hook. Before
     * (session 48) a client's frame was never tried again: one larger than the room left never went in.
     */
    @Override
    void heldStored(List<Entry> entries, List<Meta> results) {
        List<Entry> stored = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            Meta m = results.get(i);
            if (m != null) {
                stored.add(entries.get(i).withMeta(m));
            }
        }
        if (stored.isEmpty()) {
            return;
        }
        session.whenDurable(() -> {
            for (Entry e : stored) {
                committedUnanswered(e);
            }
        });
    }

    /** A stored action whose client is not answered now ({@link #settle}, {@link #heldStored}): its hook runs, once. */
    private void committedUnanswered(Entry e) {
        ClientEdge.Committed c = edge.committed(e, true);
        addLogged(c.log());
        refused(c.why(), c.hookFailed());
    }

    private void addLogged(List<ClientEdge.Logged> logged) {
        for (ClientEdge.Logged l : logged) {
            Entry e = log.create(l.action(), List.of());
            log.add(e.withMeta(l.address().applyTo(e.meta())));
        }
    }

    /**
     * Answers {@code decisions} from {@code from} on (their {@code results} from {@code next} on), a slice a task;
     * {@code sliced}: the frame was handled in slices, and the session waits for its answers.
     */
    private void answer(List<ClientEdge.Received> decisions, List<Meta> results, int from, int next, boolean sliced) {
        int to = Math.min(decisions.size(), from + slice);
        List<Entry> answers = new ArrayList<>();
        List<ClientEdge.Logged> logged = new ArrayList<>();
        for (int i = from; i < to; i++) {
            ClientEdge.Received r = decisions.get(i);
            if (r instanceof ClientEdge.Handled h && h.later() != null) {
                // done: answer(added, ...) waited for every replay of the frame before its synced
                r = h.later().join(); // failures are an undo: never thrown
            }
            if (r instanceof ClientEdge.Refuse refuse) {
                answers.add(answer(refuse.undo()));
                refused(refuse.why(), refuse.hookFailed());
            } else if (r instanceof ClientEdge.Handled handled) {
                handled.replies().forEach(reply -> answers.add(answer(reply)));
                refused(handled.why(), handled.hookFailed());
            } else if (r instanceof ClientEdge.Add add) {
                Meta stored = results.get(next++);
                Entry entry = stored != null ? add.entry().withMeta(stored)
                    : log.byId(add.entry().id()).orElse(add.entry());
                ClientEdge.Committed c = edge.committed(entry, stored != null);
                c.replies().forEach(reply -> answers.add(answer(reply)));
                logged.addAll(c.log());
                refused(c.why(), c.hookFailed());
            }
        }
        if (!answers.isEmpty()) {
            session.sendEntries(answers);
        }
        addLogged(logged);
        if (to < decisions.size()) {
            int nextResult = next;
            session.later(() -> answer(decisions, results, to, nextResult, sliced),
                () -> settle(decisions, results, to, nextResult));
        } else {
            if (sliced) {
                session.frameHandled();
            }
            if (held) {
                released();
            }
        }
    }

    /** An answer as an entry to send: a new action gets a fresh id of this node (it is never in the log). */
    private Entry answer(Reply reply) {
        if (!reply.isNew()) {
            return new Entry(reply.action(), reply.meta());
        }
        ActionId id = log.generateId();
        return new Entry(reply.action(), new Meta(id, id.ms(), 0, List.of(), 0, Map.of()));
    }

    /**
     * Logs why a client's action or subscription was refused: at INFO what the rules or a hook's answer refused (what
     * a client sent), at ERROR an application hook that threw, as every other callback's failure is (before, session
     * 28, both at INFO: an app's hook that throws is a fault the operator must see). A node's hook failures are at
     * ERROR at most once every {@link #HOOK_ERROR_EVERY_MILLIS}, the next such line counting the others (at DEBUG
     * meanwhile): a hook that fails for every action would otherwise log a line per action of a client that sends
     * thousands (session 30; each client still gets its {@code logux/undo} and {@code debug} message). The limit is
     * the node's, not a session's: per session (session 30), 500 clients gave 500 lines a minute.
     */
    private void refused(String why, boolean hookFailed) {
        if (why == null) {
            return;
        }
        if (hookFailed) {
            long held = hookErrors.take(session.monotonicMillis()); // a clock set back must not silence it
            if (held >= 0) {
                LOG.error("client {}: {}{}", edge.client(), why, held == 0 ? ""
                    : " (and " + held + " more hook failure(s) of this node's clients since the last such line,"
                    + " logged at DEBUG)");
            } else {
                LOG.debug("client {}: {}", edge.client(), why);
            }
        } else {
            // what a client sent: it can send thousands (a subscription storm), so once, then counted (PeerLines)
            refusals.say(REFUSALS, session.monotonicMillis(), "client " + edge.client() + ": " + why
                + "; it got logux/undo", LOG::info);
        }
        if (config.debug()) {
            session.sendMessage(new Message.Debug("error", why));
        }
    }

    @Override
    void closed() {
        ended = true;
        // a replay being read costs nothing more: its next page is neither read nor taken
        readings.forEach(ReplayReads.Reading::cancel);
        readings.clear();
        // the answers that waited for a replay: their stored actions are processed, unanswered, in a task of their
        // own (as a large frame's left when it closes)
        List<Runnable> left = new ArrayList<>();
        if (heldIfClosed != null) {
            left.add(heldIfClosed);
            heldIfClosed = null;
        }
        while (!waiting.isEmpty()) {
            left.add(waiting.poll()[1]);
        }
        if (!left.isEmpty()) {
            session.whenDurable(() -> left.forEach(Runnable::run));
        }
        refusals.ended(session.monotonicMillis(), line -> LOG.info("client {}: {}", edge.client(), line));
        if (frameDecisions != null) {
            // closed in the middle of a large frame: what its slices stored is processed once durable, unanswered
            List<ClientEdge.Received> decisions = frameDecisions;
            List<Meta> results = frameResults;
            frameDecisions = null;
            frameResults = null;
            session.whenDurable(() -> settle(decisions, results, 0, 0));
        }
        edge.closed();
    }
}
