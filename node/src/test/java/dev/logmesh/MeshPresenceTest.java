package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.internal.mesh.Presence;
import dev.logmesh.testkit.LocalMesh;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Mesh presence on whole nodes ({@link LocalMesh}: real {@link MeshNode}s on the fake clock): in a chain A–B–C,
 * A learns that C exists, its links, its log size and who is behind whom; a node that stops disappears after
 * {@link Presence#EXPIRY_PERIODS} periods.
 */
class MeshPresenceTest {
    static final long PERIOD = NodeConfig.DEFAULT_PRESENCE_PERIOD.toMillis();
    final LocalMesh mesh = new LocalMesh(7);

    @AfterEach
    void close() {
        mesh.close();
    }

    ObjectNode status(String name) {
        CompletableFuture<ObjectNode> f = mesh.get(name).node().status();
        mesh.runAll();
        return f.join();
    }

    /** The mesh as {@code name} sees it: node id → its entry in {@code mesh.nodes}. */
    Map<String, JsonNode> view(String name) {
        Map<String, JsonNode> out = new TreeMap<>();
        for (JsonNode n : status(name).path("mesh").path("nodes")) {
            out.put(n.get("node").asText(), n);
        }
        return out;
    }

    static List<String> links(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.path("links").forEach(l -> out.add(l.get("peer").asText()));
        out.sort(null);
        return out;
    }

    String id(String name) {
        return mesh.get(name).nodeId();
    }

    @Test
    void inAChainTheFirstNodeLearnsTheLastItsLinksAndWhoIsBehindWhom() {
        // a cannot reach c, so the chain stays a chain: otherwise a shuffle through b pairs a and c (3 nodes are a
        // full mesh, as with real processes); this test once passed without it only because the kit's overlay
        // could not dial local:// addresses (OverlayChainTest)
        mesh.partition("a", "c");
        mesh.start("a");
        mesh.start("b", "a");
        mesh.start("c", "b");
        mesh.run(3 * PERIOD);
        // a has one session (with b), yet knows all three nodes
        CompletableFuture<List<MeshNode.PeerStatus>> peers = mesh.get("a").node().peers();
        mesh.runAll();
        assertEquals(List.of(id("b")), peers.join().stream().filter(MeshNode.PeerStatus::connected)
            .map(MeshNode.PeerStatus::nodeId).toList());
        Map<String, JsonNode> seen = view("a");
        assertEquals(List.of(id("a"), id("b"), id("c")), List.copyOf(seen.keySet()));
        JsonNode c = seen.get(id("c"));
        assertEquals(2, c.get("hops").asInt(), c.toString());
        assertEquals(id("b"), c.get("via").asText());
        assertEquals("c", c.get("name").asText());
        assertEquals(List.of(id("b")), links(c));
        assertEquals(List.of(id("a"), id("c")), links(seen.get(id("b"))));

        // c's entries stop reaching b: c reports b behind, and a sees it two hops away
        mesh.firewall().on("sync", "logmesh:ihave").from("c").to("b").drop();
        for (int i = 0; i < 5; i++) {
            mesh.get("c").add(Action.ofType("test/x"));
        }
        mesh.run(PERIOD); // c's next record covers the adds (its rate is over the last period)
        seen = view("a");
        assertTrue(seen.get(id("c")).get("rate").asDouble() > 0, seen.get(id("c")).toString());
        mesh.run(PERIOD);
        seen = view("a");
        JsonNode cToB = seen.get(id("c")).get("links").get(0);
        assertEquals(5, cToB.get("behind").asLong(), cToB.toString());
        assertEquals(5, seen.get(id("b")).get("behind").asLong(), "b is behind its most advanced neighbour");
        assertEquals(5, seen.get(id("c")).get("size").asLong());
        assertEquals(0, seen.get(id("a")).get("size").asLong(), "nothing reached a");
        assertEquals(0, seen.get(id("c")).get("rate").asDouble(), "no adds in the last period");

        // the firewall goes: everyone catches up and nobody is behind
        mesh.firewall().clearRules();
        mesh.run(3 * PERIOD);
        seen = view("a");
        for (JsonNode n : seen.values()) {
            assertEquals(0, n.get("behind").asLong(), n.toString());
            assertEquals(5, n.get("size").asLong(), n.toString());
        }
    }

    /**
     * embed33: a name may hold a colon ({@code NodeConfig.Builder.name("shop:eu")}, the id {@code shop:eu:Xk3v9QaB});
     * the record's {@code name} is the id without its random part. Before, it was cut at the first colon: "shop".
     */
    @Test
    void aNameWithAColonIsWholeInTheNodesRecord() throws Exception {
        try (MeshNode n = MeshNode.start(NodeConfig.builder().name("shop:eu").memory().noListen().mdns(false)
            .build())) {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode own = null;
                for (JsonNode r : n.status().get(10, java.util.concurrent.TimeUnit.SECONDS).path("mesh").path("nodes")) {
                    if (r.path("node").asText().equals(n.nodeId())) {
                        own = r;
                    }
                }
                assertTrue(own != null, "no record of its own yet");
                assertEquals("shop:eu", own.path("name").asText(), own.toString());
            });
        }
    }

    @Test
    void hopsAreTheShortestPathEvenWhenALongerOneDeliversFirst() {
        mesh.start("a");
        mesh.start("b", "a");
        mesh.start("c", "a", "b"); // a triangle: c is one link from a
        // c's records on the direct link arrive late: the copy b forwards (two links) comes first
        mesh.firewall().on("logmesh:presence").from("c").to("a").delay(200);
        mesh.run(3 * PERIOD);
        JsonNode c = view("a").get(id("c"));
        assertEquals(1, c.get("hops").asInt(), "the direct link, not the first copy's path: " + c);
        assertEquals(id("c"), c.get("via").asText(), c.toString());
    }

    @Test
    void aNodeThatStopsDisappearsAfterExpiry() {
        mesh.start("a");
        mesh.start("b", "a");
        mesh.start("c", "b");
        mesh.run(3 * PERIOD);
        assertEquals(3, view("a").size());
        mesh.stop("c");
        mesh.run(PERIOD);
        assertTrue(view("a").containsKey(id("c")), "still listed within its expiry");
        assertEquals(List.of(id("a")), links(view("a").get(id("b"))), "b's next record has no link to c");
        mesh.run(Presence.EXPIRY_PERIODS * PERIOD);
        assertEquals(List.of(id("a"), id("b")), List.copyOf(view("a").keySet()));
    }

    /**
     * The cost, measured: 16 nodes (each dials a random earlier one; the overlay adds links), after they all know
     * each other, send each origin's record at most once per session and period. Prints the figure.
     */
    @Test
    void theCostPerNodeAndPeriodIsAboutOneRecordPerOriginAndSession() {
        int n = 16;
        java.util.Random random = new java.util.Random(3);
        mesh.start("n0");
        for (int i = 1; i < n; i++) {
            mesh.start("n" + i, "n" + random.nextInt(i));
        }
        mesh.run(12 * PERIOD);
        assertEquals(n, view("n0").size(), "everyone knows everyone");
        long[] before = new long[n];
        for (int i = 0; i < n; i++) {
            before[i] = mesh.get("n" + i).traffic().sent("logmesh:presence");
        }
        int periods = 10;
        // the overlay may change a node's links within the window (session 33: n15 had 5 for most of it and 4 at its
        // end, which read as 64.5 records a period over 4 sessions): the bound takes the most it held
        int[] mostLinks = new int[n];
        for (int k = 0; k < periods * 4; k++) {
            mesh.run(PERIOD / 4);
            for (int i = 0; i < n; i++) {
                mostLinks[i] = Math.max(mostLinks[i], view("n" + i).get(id("n" + i)).path("links").size());
            }
        }
        double worst = 0;
        double sum = 0;
        long linkSum = 0;
        for (int i = 0; i < n; i++) {
            String name = "n" + i;
            long links = mostLinks[i];
            double perPeriod = (mesh.get(name).traffic().sent("logmesh:presence") - before[i]) / (double) periods;
            assertTrue(perPeriod <= n * links, name + " sent " + perPeriod + " records a period over at most " + links
                + " sessions: more than one per origin and session");
            worst = Math.max(worst, perPeriod);
            sum += perPeriod;
            linkSum += links;
        }
        System.out.printf(java.util.Locale.ROOT, "presence cost, %d nodes, %.1f sessions a node on average: "
            + "%.1f records sent per node and period on average, %.1f at most (bound N x sessions)%n", n,
            linkSum / (double) n, sum / n, worst);
    }

    /**
     * Presence is not traffic for liveness: on a link that carries records every 500 ms both ways the pings still
     * go out, so a peer that falls silent is still found out (ping, no pong, timeout) while records keep going to
     * it. Before this, the records kept the link looking busy: no ping was ever sent and the silent peer stayed
     * connected.
     */
    @Test
    void pingsStillFlowAndASilentPeerIsDroppedOnALinkThatCarriesPresence() {
        mesh.configure(b -> b.presencePeriod(java.time.Duration.ofMillis(500)));
        mesh.start("a");
        mesh.start("b", "a");
        mesh.run(10_000);
        long pings = mesh.get("a").traffic().sent("ping") + mesh.get("b").traffic().sent("ping");
        mesh.run(20_000);
        long more = mesh.get("a").traffic().sent("ping") + mesh.get("b").traffic().sent("ping") - pings;
        assertTrue(more >= 3, "pings in 20 s on a link with presence (one about every 5 s): " + more);

        // b falls silent towards a (a half-open link): a still sends it records, but finds it out
        mesh.firewall().on().from("b").to("a").drop();
        mesh.run(30_000);
        CompletableFuture<List<MeshNode.PeerStatus>> peers = mesh.get("a").node().peers();
        mesh.runAll();
        assertTrue(peers.join().stream().noneMatch(MeshNode.PeerStatus::connected), peers.join().toString());
    }

    @Test
    void presenceOffSendsNothingAndShowsOnlyTheNodeItself() {
        mesh.configure(b -> b.presencePeriod(java.time.Duration.ZERO));
        mesh.start("a");
        mesh.start("b", "a");
        mesh.run(3 * PERIOD);
        assertTrue(status("a").path("mesh").isMissingNode(), status("a").toString());
    }

    /**
     * Session 36 (ops36): a node's own row in {@code status} showed its links (and size) as of its last presence record,
     * up to a period old: a node whose peers connected after its first record (made at its start) showed
     * {@code "links":[]} until its next one. Before the fix: "expected: <[b]> but was: <[]>".
     */
    @Test
    void aNodesOwnRowShowsItsLinksAndSizeNowNotAsOfItsLastRecord() {
        mesh.configure(b -> b.presencePeriod(java.time.Duration.ofHours(1)));
        mesh.start("a");
        mesh.start("b", "a");
        mesh.run(2_000);
        var unused = mesh.get("a").node().add(Action.ofType("x"));
        mesh.run(1_000);
        JsonNode own = view("a").get(id("a"));
        assertEquals(List.of(id("b")), links(own), own.toString());
        assertEquals(1, own.get("size").asLong(), own.toString());
    }
}
