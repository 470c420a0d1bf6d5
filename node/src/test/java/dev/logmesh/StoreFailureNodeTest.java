package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.log.Log;
import dev.logmesh.testkit.FaultyStore;
import dev.logmesh.testkit.LocalNetwork;
import dev.logmesh.testkit.ManualLoop;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, fault 7: a node whose log cannot be written looked healthy. It now says so loudly: an {@code error}
 * event, {@link MeshNode#health()} not writable (with a {@code health} event), sessions that end without
 * acknowledging what could not be stored; and it recovers by itself once writes work again.
 */
class StoreFailureNodeTest {
    final ManualLoop loop = new ManualLoop();
    final LocalNetwork net = new LocalNetwork(loop);

    MeshNode start(String name, List<MeshNode.Listener> listeners, String... peers) throws IOException {
        NodeConfig.Builder b = NodeConfig.builder().name(name).mdns(false).loop(loop).transport(net.transport(name));
        for (String p : peers) {
            b.peer(LocalNetwork.url(p));
        }
        return MeshNode.start(b.build(), listeners);
    }

    /** The value of a node's future, once the loop has run it. */
    <T> T on(CompletableFuture<T> f) {
        loop.runAll();
        return f.join();
    }

    /** Puts a store whose writes fail on demand under a started node's log. */
    static FaultyStore failingDisk(MeshNode node) throws ReflectiveOperationException {
        Log log = node.log();
        java.lang.reflect.Field f = Log.class.getDeclaredField("store");
        f.setAccessible(true);
        FaultyStore disk = new FaultyStore(log.store());
        f.set(log, disk);
        return disk;
    }

    /** Records a node's {@code error} and {@code health} events, as they come (on the node's loop). */
    static final class Said implements MeshNode.Listener {
        final List<String> errors = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        final List<NodeHealth> health = new ArrayList<>();

        @Override
        public void error(String message) {
            errors.add(message);
        }

        @Override
        public void warning(String message) {
            warnings.add(message);
        }

        @Override
        public void health(NodeHealth h) {
            health.add(h);
        }
    }

    @Test
    void aNodeThatCannotWriteSaysSoAndRecovers() throws Exception {
        Said listener = new Said();
        List<String> errors = listener.errors;
        List<NodeHealth> health = listener.health;
        try (MeshNode alice = start("alice", List.of()); MeshNode bob = start("bob", List.of(listener), "alice")) {
            FaultyStore disk = failingDisk(bob);
            assertTrue(bob.health().writable());
            disk.diskFull(true);
            alice.add(Action.ofType("a/1"));
            loop.advance(3_000); // bob dials, cannot store, the session ends; bob redials and fails again

            assertFalse(bob.health().writable(), "not writable: " + bob.health());
            assertTrue(bob.health().problem().contains("disk is full"), bob.health().toString());
            assertEquals(1, errors.size(), "said once, not once per attempt: " + errors);
            assertTrue(errors.get(0).startsWith("this node cannot write its log (cannot store entries from "
                + alice.nodeId()), errors.get(0));
            assertEquals(1, health.size());
            CompletableFuture<Meta> local = bob.add(Action.ofType("b/1"));
            loop.runAll();
            assertEquals(0, alice.log().cursor(bob.nodeId()).sent(), "nothing acknowledged that bob did not store");
            ExecutionException e = assertThrows(ExecutionException.class, local::get);
            assertInstanceOf(StoreException.class, e.getCause());

            disk.diskFull(false); // space again: the next session stores the batch and the node is healthy
            loop.advance(10_000);
            assertTrue(bob.health().writable(), bob.health().toString());
            assertEquals(2, health.size());
            CompletableFuture<List<Entry>> entries = bob.entries();
            CompletableFuture<List<MeshNode.PeerStatus>> after = alice.peers();
            loop.runAll();
            assertEquals(List.of("a/1"), entries.join().stream().map(x -> x.action().type()).toList());
            assertEquals(0, after.join().get(0).behind());
        }
    }

    /**
     * A node that dials a peer whose log is full says so once, plainly (its error event names the peer, says nothing
     * is lost and that it sends once the peer has room), keeps its one session with the peer (which holds it, taking
     * nothing), shows why in {@code logmesh peers} while connected, and sends everything, each entry once, within a
     * few seconds of the peer having room again. Before (session 44) the sender saw "timeout" errors and redialed
     * every 5 s; before session 46 it redialed every 5 to 30 s (22 sessions in 10 min), and resumed at its next
     * redial, up to 30 s after the room was made.
     */
    @Test
    void aSenderToAFullPeerSaysSoOnceKeepsOneSessionAndResumesWithinSecondsOfRoom() throws Exception {
        Said said = new Said();
        int[] sessions = {0};
        MeshNode.Listener counting = new MeshNode.Listener() {
            @Override
            public void peer(String nodeId, boolean connected) {
                if (connected) {
                    sessions[0]++;
                }
            }
        };
        try (MeshNode bob = start("bob", List.of(counting)); MeshNode alice = start("alice", List.of(said), "bob")) {
            FaultyStore disk = failingDisk(bob);
            disk.diskFull(true);
            alice.add(Action.ofType("a/1"));
            loop.advance(10 * 60_000);
            List<String> full = said.errors.stream().filter(m -> m.contains("cannot write its log")).toList();
            assertEquals(1, full.size(), "said once: " + said.errors);
            assertTrue(full.get(0).startsWith("peer ") && full.get(0).contains("local://bob")
                && full.get(0).contains("Nothing is lost") && full.get(0).contains("says it has room"), full.get(0));
            assertTrue(said.errors.stream().noneMatch(m -> m.contains("timeout")), "no timeout: " + said.errors);
            assertEquals(1, sessions[0], "one session, held by the full peer, in 10 min");
            CompletableFuture<List<MeshNode.PeerStatus>> peers = alice.peers();
            loop.runAll();
            MeshNode.PeerStatus shown = peers.join().get(0);
            assertTrue(shown.connected() && shown.lastError().startsWith("the peer cannot write its log: "),
                "logmesh peers shows why: " + shown);
            assertEquals(0, alice.log().cursor(bob.nodeId()).sent(), "nothing acknowledged that bob did not store");

            disk.diskFull(false); // room again: bob finds it within 5 s (its held batch tried again), alice resends
            loop.advance(6_000);
            CompletableFuture<List<Entry>> entries = bob.entries();
            loop.runAll();
            assertEquals(List.of("a/1"), entries.join().stream().map(x -> x.action().type()).toList());
            assertTrue(bob.health().writable(), bob.health().toString());
            assertEquals(alice.log().lastAdded(), alice.log().cursor(bob.nodeId()).sent(), "acknowledged");
        }
    }

    /**
     * Session 29, an embedding trial: an application adding from 4 threads on a full disk (a small tmpfs) got each
     * failure in its add's future, and the node logged each as a WARN too: 10,781 lines in 4 s. Now each kind of
     * failure is logged once until the log is writable again, and the line that says so counts the others.
     */
    @Test
    void aFullDiskUnderManyAddsIsLoggedOnceNotOncePerAdd() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.logmesh.testkit.CapturedLogs.active(),
            "needs the CapturedLogs SLF4J provider (node's surefire configuration)");
        try (MeshNode bob = start("bob", List.of())) {
            FaultyStore disk = failingDisk(bob);
            disk.diskFull(true);
            List<CompletableFuture<Meta>> adds = new ArrayList<>();
            try (dev.logmesh.testkit.CapturedLogs.Tally warned = dev.logmesh.testkit.CapturedLogs.tally(
                     org.slf4j.event.Level.WARN, "cannot add: ", "disk is full");
                 dev.logmesh.testkit.CapturedLogs.Tally again = dev.logmesh.testkit.CapturedLogs.tally(
                     org.slf4j.event.Level.INFO, "writable again", "200 write(s) failed");
                 dev.logmesh.testkit.CapturedLogs.Tally counted = dev.logmesh.testkit.CapturedLogs.tally(
                     org.slf4j.event.Level.WARN, "cannot write its log (cannot add)", "it was full 1 time within a "
                         + "minute of having room again")) {
                for (int i = 0; i < 200; i++) {
                    adds.add(bob.add(Action.ofType("b/" + i)));
                }
                loop.runAll();
                for (CompletableFuture<Meta> f : adds) {
                    ExecutionException e = assertThrows(ExecutionException.class, f::get);
                    assertInstanceOf(StoreException.class, e.getCause()); // each caller is told
                }
                // before: 200
                assertEquals(1, warned.count(), "one WARN for the full disk, not one per add");
                disk.diskFull(false);
                CompletableFuture<Meta> ok = bob.add(Action.ofType("b/ok"));
                loop.runAll();
                ok.get();
                assertTrue(bob.health().writable(), bob.health().toString());
                assertEquals(1, again.count(), "the line that says it is writable again counts the failures");
                disk.diskFull(true); // full again within a minute of the room said: counted, said when it is up
                CompletableFuture<Meta> full = bob.add(Action.ofType("b/full"));
                loop.runAll();
                assertThrows(ExecutionException.class, full::get);
                assertEquals(1, warned.count());
                assertEquals(0, counted.count());
                loop.advance(MeshNode.FULL_AGAIN_QUIET_MILLIS);
                assertEquals(1, counted.count(), "said with its count when the minute is up");
            }
        }
    }

    /**
     * Session 35 (ops35): {@code logmesh node} holds the stdin lines the log cannot take and adds them again in order;
     * a line read after a held one but already queued in the node when the held one failed was added (a smaller
     * action that still fitted on the nearly full disk, or space freed meanwhile), so the held line came after it.
     * Now the adds submitted before a failure was reported fail too, untried, and a caller that adds its failed
     * actions again in order keeps their order.
     */
    @Test
    void addsQueuedBehindAFailedAddFailTooSoThatAddingThemAgainKeepsTheirOrder() throws Exception {
        try (MeshNode bob = start("bob", List.of())) {
            loop.runAll(); // the start's own writes are done (its first seen sweep records the time), not counted below
            FaultyStore disk = failingDisk(bob);
            disk.failWrite(2); // the second add meets a full disk; the ones after it would fit
            List<String> types = List.of("t/1", "t/2", "t/3", "t/4");
            List<CompletableFuture<Meta>> adds = new ArrayList<>();
            for (String type : types) {
                adds.add(bob.add(Action.ofType(type)));
            }
            loop.runAll();
            List<String> failed = new ArrayList<>();
            for (int i = 0; i < types.size(); i++) {
                if (adds.get(i).isCompletedExceptionally()) {
                    ExecutionException e = assertThrows(ExecutionException.class, adds.get(i)::get);
                    assertInstanceOf(StoreException.class, e.getCause());
                    failed.add(types.get(i));
                }
            }
            assertEquals(List.of("t/2", "t/3", "t/4"), failed, "the adds queued behind the failed one failed too");
            for (String type : failed) { // the caller adds them again, in order
                bob.add(Action.ofType(type));
            }
            CompletableFuture<List<Entry>> entries = bob.entries();
            loop.runAll();
            assertEquals(types, entries.join().stream().map(x -> x.action().type()).toList());
        }
    }

    /**
     * break35: the usual retry idiom, {@code add(a).exceptionallyCompose(e -> add(a))}, against a write that fails
     * once (a transient failure). The retry is submitted by the failed add's own callback, after its failure was
     * reported to it; it was counted among the adds "submitted before it failed" and refused untried, while the
     * retries of the adds refused behind it (submitted later, by their callbacks) were tried: the first action
     * ended last, the order the refusal exists to keep broken.
     */
    @Test
    void aRetryThatTheFailedAddsOwnCallbackSubmitsIsTriedAndKeepsTheOrder() throws Exception {
        try (MeshNode bob = start("bob", List.of())) {
            FaultyStore disk = failingDisk(bob);
            disk.failWrite(1); // the first add fails once; the store works again right after
            List<String> types = List.of("t/1", "t/2", "t/3");
            List<CompletableFuture<Meta>> retried = new ArrayList<>();
            List<String> firstRetryFailure = new ArrayList<>();
            for (String type : types) {
                retried.add(bob.add(Action.ofType(type)).exceptionallyCompose(e -> {
                    CompletableFuture<Meta> again = bob.add(Action.ofType(type));
                    if (type.equals("t/1")) {
                        again.whenComplete((m, x) -> {
                            if (x != null) {
                                firstRetryFailure.add(x.getMessage());
                            }
                        });
                    }
                    return again;
                }));
            }
            loop.runAll();
            assertEquals(List.of(), firstRetryFailure, "the retry of the failed add, submitted after its failure was "
                + "reported, is tried");
            for (CompletableFuture<Meta> f : retried) {
                assertTrue(f.isDone() && !f.isCompletedExceptionally(), f.toString());
            }
            CompletableFuture<List<Entry>> entries = bob.entries();
            loop.runAll();
            assertEquals(types, entries.join().stream().map(x -> x.action().type()).toList());
        }
    }

    /**
     * break35, an embedding trial: {@code try { add(boom).get(); } catch (...) {} add(after).get();} on a real loop,
     * a store whose add failed with a StoreException: the second add, submitted by the thread that {@code get()} had
     * woken with the failure, was refused as "submitted before it failed" whenever it won the race with the loop's
     * count of the adds to refuse. The race is made certain here: a callback of the failed add, on the loop, starts the
     * app's thread (its get() throws at once) and waits until it has submitted its next add.
     */
    @Test
    void anAddSubmittedByTheThreadThatGetWokeWithTheFailureIsTried() throws Exception {
        java.util.concurrent.CountDownLatch registered = new java.util.concurrent.CountDownLatch(1);
        AuditStore store = new AuditStore(() -> {
            try { // fails once the callback below is registered, so that it runs on the loop
                registered.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
            }
            return new StoreException("the disk is full (a test)");
        });
        try (MeshNode carol = MeshNode.start(NodeConfig.builder().name("carol").mdns(false).noListen().store(store)
            .build())) {
            CompletableFuture<Meta> add = carol.add(Action.ofType("boom"));
            CompletableFuture<CompletableFuture<Meta>> after = new CompletableFuture<>();
            add.whenComplete((m, e) -> { // on the loop, while the failure is reported: an app thread reads it and
                Thread app = new Thread(() -> { // goes on with its next add before the loop has gone on
                    try {
                        add.get();
                        after.completeExceptionally(new AssertionError("the add of boom did not fail"));
                    } catch (ExecutionException x) {
                        after.complete(carol.add(Action.ofType("after")));
                    } catch (InterruptedException x) {
                        after.completeExceptionally(x);
                    }
                });
                app.start();
                try {
                    app.join(10_000);
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                }
            });
            registered.countDown();
            Meta added = assertDoesNotThrow(() -> after.get(10, java.util.concurrent.TimeUnit.SECONDS)
                .get(10, java.util.concurrent.TimeUnit.SECONDS), "the add submitted after the failure was seen is tried");
            assertEquals(1, carol.entries().get(10, java.util.concurrent.TimeUnit.SECONDS).size(), added.toString());
        }
    }

    /**
     * A chaos run (diskfull): while a full disk kept a received batch from being written, the SQLite store refused
     * every read too; the dialer read which node answers at its URL when the session ended, the exception left it
     * with no dial scheduled, and the node never dialed that peer again until a restart.
     */
    @Test
    void aDialerWhoseStoreCannotBeReadWhenItsSessionEndsDialsAgainOnceItCan() throws Exception {
        try (MeshNode alice = start("alice", List.of()); MeshNode bob = start("bob", List.of(), "alice")) {
            FaultyStore disk = failingDisk(bob);
            loop.advance(6_000); // a healthy session
            disk.diskFull(true).bookkeepingReadsFail(true);
            alice.add(Action.ofType("a/1"));
            loop.advance(3_000); // bob cannot store it: the session ends, and every read fails meanwhile
            assertFalse(bob.health().writable(), bob.health().toString());
            disk.diskFull(false).bookkeepingReadsFail(false); // space freed
            loop.advance(30_000);
            CompletableFuture<List<Entry>> entries = bob.entries();
            loop.runAll();
            assertEquals(List.of("a/1"), entries.join().stream().map(x -> x.action().type()).toList(),
                "bob dialed alice again and caught up");
            assertTrue(bob.health().writable(), bob.health().toString());
        }
    }

    /**
     * The same chaos run: the status writer's read of the cursors threw while the store refused reads, and with
     * it went the writer's next round: {@code status.json} was never written again, also after space was freed.
     */
    @Test
    void theStatusFileIsWrittenAgainOnceTheStoreCanBeReadAgain(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
        throws Exception {
        java.nio.file.Path data = dir.resolve("bob");
        java.nio.file.Path file = data.resolve(MeshNode.STATUS_FILE);
        try (MeshNode bob = MeshNode.start(NodeConfig.builder().name("bob").mdns(false).loop(loop)
            .transport(net.transport("bob")).dataDir(data).build())) {
            FaultyStore disk = failingDisk(bob);
            loop.advance(1_000);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> java.nio.file.Files.exists(file));
            long failures = disk.failures();
            disk.bookkeepingReadsFail(true);
            loop.advance(3_000); // three rounds of the status writer meet the failing reads
            assertTrue(disk.failures() > failures, "the status writer read the store meanwhile");
            disk.bookkeepingReadsFail(false);
            bob.add(Action.ofType("after")); // changes the status: the next round writes it
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).pollInSameThread().until(() -> {
                loop.advance(1_000); // the loop's rounds; the file is written on the status writer's thread
                String text = java.nio.file.Files.readString(file);
                return text.contains("\"size\":1");
            });
        }
    }

    /**
     * embed35: an application's store that refused a peer's batch with an {@code IllegalStateException} of its own (not
     * a {@link StoreException}) left the session hanging: "task on the node loop failed" with a stack trace, no answer
     * to the peer, which timed the session out 8 s later ("the peer is gone or the link is slower than 16384 bytes/s")
     * and sent the batch again at each reconnect, while this node's health said writable. It is now a failed write.
     */
    @Test
    void aStoreThatThrowsAnotherRuntimeExceptionOnAPeersBatchIsAFailedWriteNotAHangingSession() throws Exception {
        List<String> errors = new ArrayList<>();
        MeshNode.Listener listener = new MeshNode.Listener() {
            @Override
            public void error(String message) {
                errors.add(message);
            }
        };
        AuditStore audit = new AuditStore(() -> new IllegalStateException("audit refuses boom"));
        try (MeshNode alice = start("alice", List.of());
             MeshNode bob = MeshNode.start(NodeConfig.builder().name("bob").mdns(false).loop(loop)
                 .transport(net.transport("bob")).peer(LocalNetwork.url("alice")).store(audit).build(),
                 List.of(listener))) {
            alice.add(Action.ofType("fine"));
            alice.add(Action.ofType("boom"));
            // before: IllegalStateException: audit refuses boom, out of the session's task
            loop.advance(3_000);
            assertFalse(bob.health().writable(), "not writable: " + bob.health());
            assertTrue(bob.health().problem().startsWith("the log's store dev.logmesh.AuditStore threw java.lang."
                + "IllegalStateException: audit refuses boom in add, not a StoreException"), bob.health().toString());
            // the held batch's part before "boom" went in (session 47: a held batch goes in in the parts the store
            // takes), which made the log writable, so the next failure is a second outage, within a minute of the
            // room said: counted, and said with its count when the minute is up (session 48)
            CompletableFuture<List<Entry>> entries = bob.entries();
            loop.runAll();
            assertTrue(entries.get().stream().anyMatch(e -> e.action().type().equals("fine")), "fine stored");
            assertEquals(1, errors.size(), errors.toString());
            loop.advance(MeshNode.FULL_AGAIN_QUIET_MILLIS);
            assertEquals(2, errors.size(), errors.toString());
            assertTrue(errors.get(1).contains("it was full 1 time within a minute"), errors.get(1));
            for (String error : errors) {
                assertTrue(error.startsWith("this node cannot write its log (cannot store entries from "
                    + alice.nodeId()), error);
            }
            CompletableFuture<Meta> local = bob.add(Action.ofType("boom"));
            loop.runAll();
            assertInstanceOf(StoreException.class, assertThrows(ExecutionException.class, local::get).getCause());
            assertEquals(0, alice.log().cursor(bob.nodeId()).sent(), "nothing acknowledged that bob did not store");
        }
        audit.close();
    }

    /**
     * embed35 (embed36's brief): an application closed the store it gave a node before the node (a shutdown hook in the
     * wrong order). The store's {@code IllegalStateException: store DIR/log.db is closed} was taken as a failed write:
     * the add failed with "the log's store ... threw java.lang.IllegalStateException: store ... is closed in add, not a
     * StoreException (a store's failed write); taken as a failed write", the node said it "cannot write its log ...
     * until it can", which it never could again. Now it says the store is closed and stops.
     */
    @Test
    void aStoreClosedUnderTheNodeIsSaidSoAndStopsTheNodeNotAFailedWrite(@org.junit.jupiter.api.io.TempDir
                                                                        java.nio.file.Path dir) throws Exception {
        List<String> errors = new ArrayList<>();
        MeshNode.Listener listener = new MeshNode.Listener() {
            @Override
            public void error(String message) {
                errors.add(message);
            }
        };
        dev.logmesh.internal.store.SqliteStore store = dev.logmesh.internal.store.SqliteStore.open(
            dir.resolve("log.db"), new dev.logmesh.internal.store.SqliteStore.Options(
                dev.logmesh.internal.store.SqliteStore.Durability.FULL_INLINE, true));
        String closed = "the log's store dev.logmesh.internal.store.SqliteStore is closed: its application closed it "
            + "while the node ran (close the node first, then the store given to it)";
        try (MeshNode alice = start("alice", List.of());
             MeshNode bob = MeshNode.start(NodeConfig.builder().name("bob").mdns(false).loop(loop)
                 .transport(net.transport("bob")).peer(LocalNetwork.url("alice")).store(store).build(),
                 List.of(listener))) {
            alice.add(Action.ofType("fine"));
            loop.advance(3_000);
            store.close(); // the application's shutdown hook closes the store first
            CompletableFuture<Meta> local = bob.add(Action.ofType("b/1"));
            loop.runAll();
            ExecutionException e = assertThrows(ExecutionException.class, local::get);
            assertInstanceOf(StoreException.class, e.getCause());
            // before: "the log's store ... threw java.lang.IllegalStateException: store .../log.db is closed in add,
            // not a StoreException (a store's failed write); taken as a failed write, nothing of the batch acknowledged"
            assertEquals(closed + "; nothing of the batch was written", e.getCause().getMessage());
            assertEquals(List.of(closed + "; the node stops, and whenClosed() fails with this"), errors);
            ExecutionException stopped = assertThrows(ExecutionException.class, () -> bob.whenClosed().get());
            assertInstanceOf(IllegalStateException.class, stopped.getCause());
            assertEquals("node is closed: " + closed + "; the node stops, and whenClosed() fails with this",
                bob.health().problem());
            assertEquals(bob.health().problem(), assertThrows(IllegalStateException.class,
                () -> bob.subscribe("x", x -> { })).getMessage());
        }
    }

    /**
     * Session 47's trial: a node whose log is full, takes a part and is full again every few seconds. Its sender said
     * the count of the flaps a minute later with the reason of the first of them (now the latest), and kept the peer's
     * entries ({@code roomSaidAt}, {@code fullAgainQuiet}) for as long as it ran, also for a peer gone for good (now
     * they end with the minute). The full node itself said each flap: an error and two health events a cycle (now
     * the first full, the room, then the count when the minute is up, with its latest reason).
     */
    @Test
    void aNodeFullAgainAndAgainIsSaidOnceAMinuteWithTheLatestReasonOnBothSides() throws Exception {
        Said aliceSaid = new Said();
        Said bobSaid = new Said();
        List<String> aliceNotices = new ArrayList<>();
        MeshNode.Listener noticesOfAlice = new MeshNode.Listener() {
            @Override
            public void notice(String message) {
                aliceNotices.add(message);
            }
        };
        MeshNode bob = start("bob", List.of(bobSaid));
        try (MeshNode alice = start("alice", List.of(aliceSaid, noticesOfAlice), "bob")) {
            FaultyStore disk = failingDisk(bob);
            loop.advance(1_000);
            // full, then room: both said, on both sides
            for (int i = 0; i <= 4; i++) {
                disk.diskFull("reason " + i);
                alice.add(Action.ofType("a/" + i));
                loop.advance(2_000);
                if (i < 4) {
                    disk.diskFull(false); // bob's held batch goes in at its next try: room again
                    loop.advance(8_000);
                    assertTrue(bob.health().writable(), i + ": " + bob.health());
                }
            }
            assertFalse(bob.health().writable());
            loop.advance(30_000); // the minute after the first room is up, bob still full with reason 4

            List<String> aliceFull = aliceSaid.errors.stream().filter(m -> m.contains("cannot write its log")).toList();
            assertEquals(2, aliceFull.size(), aliceSaid.errors.toString());
            assertTrue(aliceFull.get(0).contains("reason 0"), aliceFull.get(0));
            // before: "... it says: add failed on faulty store: reason 1 (injected) ...", the first flap's reason
            assertTrue(aliceFull.get(1).contains("reason 4") && aliceFull.get(1).contains("full 4 times"),
                aliceFull.get(1));
            assertEquals(1, aliceNotices.size(), "the room after reason 0 only: " + aliceNotices);

            List<String> bobFull = bobSaid.errors.stream().filter(m -> m.contains("cannot write its log")).toList();
            // before: 5 errors and 9 health events, one error and two events a flap
            assertEquals(List.of(false, true, false), bobSaid.health.stream().map(NodeHealth::writable).toList(),
                bobSaid.health.toString());
            assertEquals(2, bobFull.size(), bobSaid.errors.toString());
            assertTrue(bobFull.get(1).contains("reason 4") && bobFull.get(1).contains("full 4 times"), bobFull.get(1));

            // room again: said at once on both sides (the end of the outage is never hidden)
            disk.diskFull(false);
            loop.advance(10_000);
            assertTrue(bob.health().writable());
            assertEquals(true, bobSaid.health.get(bobSaid.health.size() - 1).writable(), bobSaid.health.toString());
            assertEquals(2, aliceNotices.size(), aliceNotices.toString());
        } finally {
            bob.close();
        }
    }

    /**
     * Session 47 left the sender's entries of a peer found full again ({@code roomSaidAt}, {@code fullAgainQuiet})
     * for as long as it ran, also for a peer gone for good: a slow leak on a node that meets many peers. They end now
     * with the minute after the peer's room was said; a count for a peer gone meanwhile goes unsaid.
     */
    @Test
    void aSenderKeepsNothingOfAPeerFullAgainOnceItIsGoneAndTheMinuteIsUp() throws Exception {
        Said aliceSaid = new Said();
        MeshNode bob = start("bob", List.of());
        try (MeshNode alice = start("alice", List.of(aliceSaid), "bob")) {
            FaultyStore disk = failingDisk(bob);
            loop.advance(1_000);
            for (int i = 0; i < 2; i++) { // full, room (said), full again (counted)
                disk.diskFull("reason " + i);
                alice.add(Action.ofType("a/" + i));
                loop.advance(2_000);
                if (i == 0) {
                    disk.diskFull(false);
                    loop.advance(8_000);
                }
            }
            assertTrue(fullPeerEntries(alice) > 0, "bob's room was said, and he is full again");
            bob.close(); // bob goes for good
            loop.advance(120_000);
            // before: 2 (roomSaidAt and fullAgainQuiet kept bob)
            assertEquals(0, fullPeerEntries(alice));
            assertEquals(1, aliceSaid.errors.stream().filter(m -> m.contains("cannot write its log")).count(),
                "the count of a peer gone is not said: " + aliceSaid.errors);
        } finally {
            bob.close();
        }
    }

    /** A listener that adds each {@code peer} event to {@code into}: "connected NODE" or "disconnected NODE". */
    static MeshNode.Listener peersInto(List<String> into) {
        return new MeshNode.Listener() {
            @Override
            public void peer(String nodeId, boolean connected) {
                into.add((connected ? "connected " : "disconnected ") + nodeId);
            }
        };
    }

    /**
     * Session 48's note: a full node whose log has room again ends the sessions it held (so that their peers send again
     * at once), and each side said its peer disconnected and connected again at each such cycle, every few seconds
     * while a sender sends more than the node holds. That session's sequel is no peer event now, on either side; a
     * peer that does not come back within 10 s is said gone then.
     */
    @Test
    void aSessionEndedForRoomAgainIsNoPeerEventOnEitherSideUnlessThePeerStaysAway() throws Exception {
        List<String> aliceSees = new ArrayList<>();
        List<String> bobSees = new ArrayList<>();
        MeshNode bob = start("bob", List.of(peersInto(bobSees)));
        try (MeshNode alice = start("alice", List.of(peersInto(aliceSees)), "bob")) {
            FaultyStore disk = failingDisk(bob);
            loop.advance(1_000);
            for (int i = 0; i < 4; i++) { // full, then room: the held session ends and alice dials again
                disk.diskFull("reason " + i);
                alice.add(Action.ofType("a/" + i));
                loop.advance(2_000);
                disk.diskFull(false);
                loop.advance(8_000);
                assertTrue(bob.health().writable(), i + ": " + bob.health());
            }
            loop.advance(30_000);
            assertEquals(List.of("a/0", "a/1", "a/2", "a/3"), on(bob.entries()).stream()
                .map(e -> e.action().type()).toList(), "each once");
            // before: connected, then disconnected and connected again 4 times on each side
            assertEquals(List.of("connected " + bob.nodeId()), aliceSees);
            assertEquals(List.of("connected " + alice.nodeId()), bobSees);

            // full once more, and alice's next dials never get through: the end is said, 10 s after it
            disk.diskFull("reason 4");
            alice.add(Action.ofType("a/4"));
            loop.advance(2_000);
            net.firewall().on("connect").from("alice").to("bob").drop();
            disk.diskFull(false);
            loop.advance(9_000);
            assertEquals(1, aliceSees.size(), aliceSees.toString());
            assertEquals(1, bobSees.size(), bobSees.toString());
            assertFalse(on(bob.peers()).stream().anyMatch(MeshNode.PeerStatus::connected), "peers() is exact");
            loop.advance(5_000);
            assertEquals(List.of("connected " + bob.nodeId(), "disconnected " + bob.nodeId()), aliceSees);
            assertEquals(List.of("connected " + alice.nodeId(), "disconnected " + alice.nodeId()), bobSees);
        } finally {
            bob.close();
        }
    }

    /**
     * Session 48's note: a sender kept a peer that went away while it was said full ({@code fullPeersSaid}) for as long
     * as it ran, and when such a peer came back with room, nothing said so and its next full log was never said. Now a
     * peer still away a minute after is forgotten, and one back with room is said to have it.
     */
    @Test
    void aPeerThatWentAwayWhileFullIsForgottenOrSaidToHaveRoomWhenItIsBack() throws Exception {
        Said aliceSaid = new Said();
        List<String> aliceNotices = new ArrayList<>();
        MeshNode bob = start("bob", List.of());
        try (MeshNode alice = start("alice", List.of(aliceSaid, MemoryBudgetNodeTest.noticesInto(aliceNotices)),
            "bob")) {
            FaultyStore disk = failingDisk(bob);
            loop.advance(1_000);
            disk.diskFull("reason 0");
            alice.add(Action.ofType("a/0"));
            loop.advance(2_000);
            assertEquals(1, fullSaid(aliceSaid), aliceSaid.errors.toString());

            // bob's link breaks while he is full; he has room when alice reaches him again (her full back-off)
            net.down("bob");
            disk.diskFull(false);
            loop.advance(3_000);
            net.up("bob");
            loop.advance(180_000); // the room is said a minute after the link broke, and counts a minute more
            assertEquals(List.of("a/0"), on(bob.entries()).stream().map(e -> e.action().type()).toList());
            assertEquals(1, aliceNotices.stream().filter(n -> n.contains("can write its log again")).count(),
                "before: nothing said bob had room: " + aliceNotices);
            assertEquals(0, fullPeersSaid(alice), "before: 1");

            // full again later: said again (before: never, bob stayed among those said full)
            disk.diskFull("reason 1");
            alice.add(Action.ofType("a/1"));
            loop.advance(2_000);
            assertEquals(2, fullSaid(aliceSaid), aliceSaid.errors.toString());

            // and gone for good while full: forgotten a minute later
            bob.close();
            loop.advance(120_000);
            assertEquals(0, fullPeersSaid(alice), "before: 1, for as long as alice runs");
            assertEquals(0, fullPeerEntries(alice));
        } finally {
            bob.close();
        }
    }

    /** How many of a node's errors said a peer cannot write its log. */
    private static long fullSaid(Said said) {
        return said.errors.stream().filter(m -> m.contains("cannot write its log")).count();
    }

    /** How many peers a node keeps as said full (its fullPeersSaid). */
    private static int fullPeersSaid(MeshNode node) throws ReflectiveOperationException {
        java.lang.reflect.Field f = MeshNode.class.getDeclaredField("fullPeersSaid");
        f.setAccessible(true);
        return ((java.util.Set<?>) f.get(node)).size();
    }

    /** How many entries a node keeps of peers found full again (its roomSaidAt and fullAgainQuiet). */
    private static int fullPeerEntries(MeshNode node) throws ReflectiveOperationException {
        int n = 0;
        for (String name : List.of("roomSaidAt", "fullAgainQuiet")) {
            java.lang.reflect.Field f = MeshNode.class.getDeclaredField(name);
            f.setAccessible(true);
            n += ((java.util.Map<?, ?>) f.get(node)).size();
        }
        return n;
    }
}
