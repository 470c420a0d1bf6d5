package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.testkit.LocalMesh;
import dev.logmesh.testkit.ManualLoop;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * Public API inputs at the edges of their range (session 26): durations too long for {@link Duration#toMillis()},
 * and the empty action type. A huge timeout or horizon means "as long as the node runs", as the JDK's
 * {@code CompletableFuture.orTimeout(Long.MAX_VALUE, ...)} does; before, {@code ask} threw an
 * {@link ArithmeticException} and a node with such a seen horizon did not start. The empty type, which no action
 * has, made subscriptions, answerers and asks that never matched.
 */
class PublicApiInputsTest {

    static final Duration[] HUGE = {
        Duration.ofSeconds(Long.MAX_VALUE), ChronoUnit.FOREVER.getDuration(), Duration.ofMillis(Long.MAX_VALUE),
        Duration.ofMillis(Long.MAX_VALUE / 2)};

    static Action ask(int n) {
        ObjectNode json = Action.ofType("payment/ask").json();
        json.put("n", n);
        return Action.of(json);
    }

    @Test
    void askWithAHugeTimeoutWaitsForTheAnswerOnTheLoopClock() throws Exception {
        try (LocalMesh mesh = new LocalMesh(); MeshNode shop = mesh.start("shop")) {
            ManualLoop loop = mesh.loop();
            loop.advance(100);
            List<CompletableFuture<Entry>> answers = new ArrayList<>();
            for (int i = 0; i < HUGE.length; i++) {
                // before: ArithmeticException: long overflow (toMillis) for the first two
                answers.add(shop.ask(ask(i), "payment/done", HUGE[i]));
            }
            // a delay past the end of the manual clock's range once wrapped round to a time already due
            loop.advance(Duration.ofDays(1).toMillis());
            for (int i = 0; i < HUGE.length; i++) {
                assertFalse(answers.get(i).isDone(), "ask " + i + " (" + HUGE[i] + ") ended: " + answers.get(i));
            }
            List<Entry> asks = new ArrayList<>();
            shop.subscribe(0, e -> e.action().type().equals("payment/ask"), asks::add);
            loop.advance(0);
            assertEquals(HUGE.length, asks.size());
            for (Entry a : asks) {
                ObjectNode done = Action.ofType("payment/done").json();
                done.put(MeshNode.ASK_FIELD, a.id().toString());
                shop.add(Action.of(done));
            }
            loop.advance(10);
            for (int i = 0; i < HUGE.length; i++) {
                assertTrue(answers.get(i).isDone(), "ask " + i);
                assertEquals(asks.get(i).id().toString(),
                    answers.get(i).join().action().get(MeshNode.ASK_FIELD).asText());
            }
        }
    }

    @Test
    void askWithAHugeTimeoutOnTheNodesOwnLoopWaitsUntilTheNodeCloses() throws Exception {
        MeshNode node = MeshNode.start(NodeConfig.builder().name("a").memory().mdns(false).noListen().build());
        CompletableFuture<Entry> answer;
        try {
            answer = node.ask(ask(1), "payment/done", Duration.ofSeconds(Long.MAX_VALUE));
            CompletableFuture<Entry> shortOne = node.ask(ask(2), "payment/done", Duration.ofMillis(50));
            // the loop runs timers: the short ask times out while the huge one still waits
            await().atMost(Duration.ofSeconds(30)).until(shortOne::isDone);
            assertFalse(answer.isDone(), () -> "the huge ask ended: " + answer);
        } finally {
            node.close();
        }
        await().atMost(Duration.ofSeconds(30)).until(answer::isDone);
        CompletionException e = assertThrows(CompletionException.class, answer::join);
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    @Test
    void aHugeSeenHorizonStartsANodeThatRemembersSeenIds() throws Exception {
        ManualLoop loop = new ManualLoop();
        for (Duration h : new Duration[] {Duration.ofSeconds(Long.MAX_VALUE), ChronoUnit.FOREVER.getDuration()}) {
            // before: ArithmeticException: long overflow from MeshNode.start
            try (MeshNode node = MeshNode.start(NodeConfig.builder().name("a").memory().mdns(false).noListen()
                .loop(loop).seenHorizon(h).build())) {
                CompletableFuture<Meta> added = node.add(Action.ofType("x"));
                loop.advance(10);
                CompletableFuture<java.util.Optional<Entry>> found = node.byId(added.join().id());
                loop.advance(10);
                assertTrue(found.join().isPresent());
            }
        }
        NullPointerException npe = assertThrows(NullPointerException.class,
            () -> NodeConfig.builder().seenHorizon(null));
        assertEquals("seenHorizon", npe.getMessage());
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class,
            () -> NodeConfig.builder().name("a").memory().seenHorizon(Duration.ofMillis(-1)).build());
        assertTrue(neg.getMessage().contains("PT-0.001S"), neg.getMessage());
    }

    /**
     * The drift bound: {@code maxDriftMillis(Long.MAX_VALUE)} ("no bound") overflowed {@code now + maxDrift}, and
     * the node followed no received id: an id 5 s ahead was not followed, and the node's next own id sorted before
     * it (session 26: "own 1001010 b:… 0 not after 1006000 peer 0" with {@code Long.MAX_VALUE}; with 60 s it
     * was followed). Now a value beyond 100 years is refused naming the bound, and the bound itself works.
     */
    @Test
    void aMaxDriftBeyondTheLimitIsRefusedAndTheLimitFollowsIdsAhead() throws Exception {
        for (long drift : new long[] {Long.MAX_VALUE, NodeConfig.MAX_DRIFT_LIMIT_MILLIS + 1, -1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NodeConfig.builder().name("a").memory().maxDriftMillis(drift).build(), "drift " + drift);
            assertTrue(e.getMessage().startsWith("max drift must be 0.." + NodeConfig.MAX_DRIFT_LIMIT_MILLIS
                + " ms"), e.getMessage());
        }
        for (long drift : new long[] {0, 60_000, NodeConfig.MAX_DRIFT_LIMIT_MILLIS}) {
            try (LocalMesh mesh = new LocalMesh().configure(c -> c.maxDriftMillis(drift))) {
                ManualLoop loop = mesh.loop();
                MeshNode b = mesh.start("b");
                loop.advance(1_000);
                ActionId ahead = ActionId.of(loop.now() + 5_000, "peer", 0);
                CompletableFuture<Meta> got = b.add(Action.ofType("x"), ReplicatedStateTest.withId(ahead));
                loop.advance(10);
                CompletableFuture<Meta> own = b.add(Action.ofType("y"));
                loop.advance(10);
                assertEquals(ahead, got.join().id());
                boolean followed = ahead.isBefore(own.join().id());
                // a bound of 0 follows no id ahead of the clock (by design); the others follow one 5 s ahead
                assertEquals(drift > 5_000, followed, "drift " + drift + ": own " + own.join().id() + ", " + ahead);
            }
        }
    }

    /**
     * A user token with an expiry far ahead: before (session 26) one past 16 digits of ms was refused by every node
     * as malformed ({@code expected: <VALID> but was: <MALFORMED>}), and {@code Instant.MAX} threw an
     * {@link ArithmeticException}. Now they are valid until {@code MAX_EXPIRES_MILLIS}, as good as never.
     */
    @Test
    void aUserTokenThatExpiresAtInstantMaxWorks() throws Exception {
        byte[] key = "0123456789abcdef0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ManualLoop loop = new ManualLoop();
        try (MeshNode node = MeshNode.start(NodeConfig.builder().name("a").memory().mdns(false).noListen().key(key)
            .loop(loop).build())) {
            dev.logmesh.internal.edge.UserTokens check = dev.logmesh.internal.edge.UserTokens.forMesh(key,
                node.config().mesh(), loop::now);
            // before: the first two made tokens every node refused as MALFORMED (over 16 digits), the last threw
            for (java.time.Instant far : new java.time.Instant[] {
                java.time.Instant.ofEpochMilli(10_000_000_000_000_000L), java.time.Instant.ofEpochMilli(Long.MAX_VALUE),
                java.time.Instant.MAX}) {
                String token = node.userToken("alice", far);
                assertTrue(token.startsWith("lmu1.9999999999999999."), token);
                assertEquals(dev.logmesh.internal.edge.UserTokens.Verdict.VALID, check.check("alice:x:tab", token));
            }
            IllegalArgumentException past = assertThrows(IllegalArgumentException.class,
                () -> node.userToken("alice", java.time.Instant.MIN));
            assertTrue(past.getMessage().startsWith("expiry must be after 1970"), past.getMessage());
        }
    }

    @Test
    void theEmptyActionTypeIsRefusedWhereATypeIsWaitedForOrHooked() throws Exception {
        ManualLoop loop = new ManualLoop();
        try (MeshNode node = MeshNode.start(NodeConfig.builder().name("a").memory().mdns(false).noListen()
            .loop(loop).build())) {
            List<String> messages = new ArrayList<>();
            // before: each was accepted and never matched (no action has the type "")
            messages.add(assertThrows(IllegalArgumentException.class, () -> node.subscribe("", e -> { }))
                .getMessage());
            messages.add(assertThrows(IllegalArgumentException.class, () -> node.answer("", e -> Action.ofType("y")))
                .getMessage());
            messages.add(assertThrows(IllegalArgumentException.class,
                () -> node.ask(Action.ofType("x"), "", Duration.ofSeconds(1))).getMessage());
            messages.add(assertThrows(IllegalArgumentException.class, () -> node.type("", TypeHooks.accept()))
                .getMessage());
            assertEquals(List.of("type", "askType", "answerType", "type"),
                messages.stream().map(m -> m.substring(0, m.indexOf(' '))).toList(), messages.toString());
            assertTrue(messages.get(0).contains("non-empty action type"), messages.get(0));
            // a blank type is one an action may have, and matches
            List<Entry> got = new ArrayList<>();
            node.subscribe(" ", got::add);
            node.add(Action.ofType(" "));
            loop.advance(10);
            assertEquals(1, got.size());
            List<Entry> all = new ArrayList<>();
            node.subscribe(0, e -> true, all::add);
            loop.advance(10);
            assertEquals(List.of(" "), all.stream().map(e -> e.action().type()).toList(), "the refused ask is not "
                + "in the log");
        }
    }
}
