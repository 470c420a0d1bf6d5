package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.testkit.LocalMesh;
import dev.logmesh.testkit.LocalNetwork;
import dev.logmesh.testkit.ManualLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link MeshNode#ask} and {@link MeshNode#answer} on the test kit's {@link LocalMesh}. */
class AskAnswerTest {
    final LocalMesh mesh = new LocalMesh();
    final ManualLoop loop = mesh.loop();
    final LocalNetwork net = mesh.net();

    MeshNode start(String name, String... peers) {
        return mesh.start(name, peers);
    }

    @AfterEach
    void close() {
        mesh.close();
    }

    static Action pay(int amount) {
        ObjectNode n = Action.ofType("payment/ask").json();
        n.put("amount", amount);
        return Action.of(n);
    }

    /** The failure of a completed future (never blocks: the manual loop would not move). */
    static Throwable failure(CompletableFuture<?> f) {
        assertTrue(f.isDone(), "not completed");
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, f::get);
        return e.getCause();
    }

    /** The value of a completed future. */
    static <T> T done(CompletableFuture<T> f) {
        assertTrue(f.isDone(), "not completed");
        return f.join();
    }

    @Test
    void anotherNodeAnswersAndTheAskerGetsTheAnswer() throws Exception {
        try (MeshNode shop = start("shop"); MeshNode bank = start("bank", "shop")) {
            List<String> asksSeen = new ArrayList<>();
            bank.answer("payment/ask", ask -> {
                asksSeen.add(ask.id().toString());
                ObjectNode done = Action.ofType("payment/done").json();
                done.put("paid", ask.action().get("amount").asInt());
                return Action.of(done);
            });
            loop.advance(100);
            CompletableFuture<Entry> answer = shop.ask(pay(42), "payment/done", Duration.ofSeconds(5));
            loop.advance(100);
            Entry done = done(answer);
            assertEquals(42, done.action().get("paid").asInt());
            assertEquals(asksSeen.get(0), done.action().get(MeshNode.ASK_FIELD).asText());
            assertTrue(done.id().node().startsWith("bank:"));
            // the answered ask leaves no timer behind
            loop.advance(10_000);
            assertEquals(List.of(asksSeen.get(0)), asksSeen, "each ask answered once by a node");
        }
    }

    @Test
    @SuppressWarnings("FutureReturnValueIgnored") // the add is not the point: the ask times out
    void noAnswerFailsWithTimeoutOnTheLoopClock() throws Exception {
        try (MeshNode shop = start("shop"); MeshNode bank = start("bank", "shop")) {
            loop.advance(100);
            CompletableFuture<Entry> answer = shop.ask(pay(1), "payment/done", Duration.ofSeconds(5));
            loop.advance(4_999);
            assertFalse(answer.isDone());
            // an answer to another ask, or of another type, does not count
            ObjectNode other = Action.ofType("payment/done").json();
            other.put(MeshNode.ASK_FIELD, "1 nobody 0");
            bank.add(Action.of(other));
            loop.advance(0);
            assertFalse(answer.isDone());
            loop.advance(1);
            assertInstanceOf(TimeoutException.class, failure(answer));
        }
    }

    @Test
    void anAnsweringNodeThatWasOfflineAnswersWhenItComesBack() throws Exception {
        try (MeshNode shop = start("shop"); MeshNode bank = start("bank", "shop")) {
            bank.answer("payment/ask", ask -> Action.ofType("payment/done"));
            loop.advance(100);
            net.down("bank");
            CompletableFuture<Entry> answer = shop.ask(pay(7), "payment/done", Duration.ofMinutes(2));
            loop.advance(5_000);
            assertFalse(answer.isDone());
            net.up("bank");
            loop.advance(60_000);
            assertTrue(answer.isDone());
            assertTrue(done(answer).id().node().startsWith("bank:"));
        }
    }

    @Test
    void withTwoAnswerersTheAskerTakesTheFirstAndBothAnswersAreInTheLog() throws Exception {
        try (MeshNode shop = start("shop"); MeshNode b1 = start("b1", "shop"); MeshNode b2 = start("b2", "shop")) {
            b1.answer("payment/ask", ask -> Action.ofType("payment/done"));
            b2.answer("payment/ask", ask -> Action.ofType("payment/done"));
            loop.advance(100);
            CompletableFuture<Entry> answer = shop.ask(pay(3), "payment/done", Duration.ofSeconds(5));
            loop.advance(1_000);
            String askId = done(answer).action().get(MeshNode.ASK_FIELD).asText();
            CompletableFuture<List<Entry>> log = shop.entries();
            loop.runAll();
            long answers = done(log).stream().filter(e -> e.action().type().equals("payment/done")
                && e.action().get(MeshNode.ASK_FIELD).asText().equals(askId)).count();
            assertEquals(2, answers);
        }
    }

    @Test
    void anAnswererOnTheAskingNodeAndOneThatDeclines() throws Exception {
        try (MeshNode solo = start("solo")) {
            solo.answer("payment/ask", ask -> ask.action().get("amount").asInt() > 100 ? null
                : Action.ofType("payment/done"));
            CompletableFuture<Entry> small = solo.ask(pay(5), "payment/done", Duration.ofSeconds(1));
            CompletableFuture<Entry> big = solo.ask(pay(500), "payment/done", Duration.ofSeconds(1));
            loop.runAll();
            assertTrue(small.isDone(), "answered during the add of the ask");
            assertFalse(big.isDone());
            loop.advance(1_000);
            assertInstanceOf(TimeoutException.class, failure(big));
        }
    }

    @Test
    void badAskAndClosedNodeFailTheFuture() throws Exception {
        MeshNode solo = start("solo");
        CompletableFuture<Entry> pending = solo.ask(pay(1), "payment/done", Duration.ofSeconds(60));
        loop.runAll();
        solo.close();
        assertInstanceOf(IllegalStateException.class, failure(pending));
        CompletableFuture<Entry> after = solo.ask(pay(1), "payment/done", Duration.ofSeconds(60));
        assertInstanceOf(IllegalStateException.class, failure(after));
    }
}
