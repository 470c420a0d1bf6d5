package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.internal.session.SessionConfig;
import dev.logmesh.testkit.CapturedLogs;
import dev.logmesh.testkit.LocalMesh;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * A slow link (a breaker's finding: a forwarder capping each direction at 50,000 bytes/s): a 1 MB action took
 * ~20 s to cross, every session ended after ~10 s ({@code no synced} on the sender, {@code no pong} on the
 * receiver, whose pong was queued behind the frame), the frame was sent again each time and never arrived, and
 * every later action waited behind it. Whole nodes ({@link LocalMesh}) on the fake clock over links with a
 * bandwidth cap.
 */
class SlowLinkTest {
    static final long LINK_BYTES_PER_SECOND = 50_000;
    static final long TIMEOUT = SessionConfig.DEFAULT_TIMEOUT_MILLIS;
    static final long PING = SessionConfig.DEFAULT_PING_MILLIS;

    final LocalMesh mesh = new LocalMesh(16);

    @AfterEach
    void close() {
        mesh.close();
    }

    /** An action of about {@code bytes} bytes of JSON. */
    static Action big(int bytes) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("type", "big");
        json.put("data", "x".repeat(bytes - 30));
        return Action.of(json);
    }

    /**
     * Makes {@code silent} fall silent towards {@code listener} (a half-open link: none of its bytes arrive) and runs
     * the mesh until {@code listener} has no session any more; returns how long that took (ms of the fake clock).
     */
    private long dropAfterSilence(String silent, String listener) {
        mesh.firewall().on().from(silent).to(listener).drop();
        long silentAt = mesh.loop().now();
        while (connected(listener)) {
            mesh.run(100);
        }
        return mesh.loop().now() - silentAt;
    }

    boolean connected(String name) {
        CompletableFuture<List<MeshNode.PeerStatus>> peers = mesh.get(name).node().peers();
        mesh.runAll();
        return peers.join().stream().anyMatch(MeshNode.PeerStatus::connected);
    }

    @Test
    void aMegabyteActionCrossesA50KBpsLinkOnceAndTheActionsAfterItFollow() {
        mesh.net().bandwidth(LINK_BYTES_PER_SECOND);
        mesh.start("f1");
        mesh.start("f2", "f1");
        mesh.run(1_000);
        assertTrue(connected("f2"));

        // a 1,000,000-byte action (under the 1 MiB frame limit) and a small one after it, both at f1
        ActionId large = mesh.get("f1").add(big(1_000_000)).id();
        ActionId after = mesh.get("f1").add("after").id();

        // the frame needs 20 s at 50 KB/s: well past the 8 s timeout; the small action crosses right behind it
        mesh.run(25_000);
        assertEquals(List.of(large, after), mesh.get("f2").ids(),
            "both arrived, in order");
        assertEquals(1, mesh.get("f2").traffic().sent("connect"), "one session: none timed out");
        assertEquals(2, mesh.get("f1").traffic().entriesSent(), "each action sent once");
        assertEquals(1, mesh.get("f2").applied().get(large));

        // later actions are not held up either
        ActionId later = mesh.get("f1").add("later").id();
        mesh.run(1_000);
        assertTrue(mesh.get("f2").ids().contains(later));
        mesh.check();
    }

    /**
     * The allowance for bytes in flight holds only while the peer is heard (its pings reach the sender while the
     * frame arrives): a peer that falls silent with a megabyte on its way is dropped as soon as one with nothing in
     * flight, not after timeout + 1 MB / 16 KiB/s (72 s).
     */
    @Test
    void aPeerThatFallsSilentWithAMegabyteInFlightIsDroppedAsSoonAsAnother() {
        mesh.net().bandwidth(LINK_BYTES_PER_SECOND);
        mesh.start("f1");
        mesh.start("f2", "f1");
        mesh.run(1_000);
        mesh.get("f1").add(big(1_000_000));
        mesh.run(10_000); // half of the frame crossed; f2 has pinged f1 meanwhile
        assertTrue(connected("f1"));

        // f2 falls silent towards f1 (a half-open link) while the frame still crosses
        long took = dropAfterSilence("f2", "f1");
        assertTrue(took <= TIMEOUT + PING, "f1 dropped f2 after " + took + " ms");
    }

    @Test
    void aPeerThatGoesSilentOnASlowLinkStillTimesOutInTimeoutAndTheLogSaysWhatWasLate() {
        Assumptions.assumeTrue(CapturedLogs.active(), "needs the capturing SLF4J provider (node's surefire setup)");
        mesh.net().bandwidth(LINK_BYTES_PER_SECOND);
        mesh.start("a");
        mesh.start("b", "a");
        mesh.run(1_000);
        assertTrue(connected("a"));

        // b falls silent towards a (a half-open link): not one byte of b reaches a any more
        long took = dropAfterSilence("b", "a");
        // a pings after PING of silence and gives up TIMEOUT later (a check runs every PING / 4)
        assertTrue(took <= PING + TIMEOUT + PING / 2, "a dropped b after " + took + " ms");

        // b keeps redialing a through the same silent direction: each session times out, logged once
        mesh.run(60_000);
        String b = mesh.get("b").nodeId();
        List<CapturedLogs.Event> lines = CapturedLogs.matching(Level.WARN, "session with " + b);
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).message().contains("no pong for"), lines.get(0).message());
        assertFalse(connected("a"));
    }
}
