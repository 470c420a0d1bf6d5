package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.discovery.Discovery;
import dev.logmesh.discovery.Peer;
import dev.logmesh.internal.auth.MeshAuth;
import dev.logmesh.internal.mesh.Redialer;
import dev.logmesh.testkit.LocalNetwork;
import dev.logmesh.testkit.ManualLoop;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * What the node that refuses a dialer says, as an operator of a LAN mesh meets it: a node started with another key
 * finds the others by mDNS, and each of their overlays dials it again and again (2 s, doubled up to 5 min, for as long
 * as it is found). Session 37 (ops37): the refusing node said {@code session with X ended: wrong-credentials: wrong
 * key (from ...)} at each of those dials, and "wrong key" named neither key, so the operator could not tell which
 * node held the wrong one.
 */
class ListenerRefusalTest {

    private static final byte[] ALICE_KEY = "alice-key".getBytes(StandardCharsets.UTF_8);
    private static final byte[] EVE_KEY = "another-key".getBytes(StandardCharsets.UTF_8);

    /** Errors a node says (a refusal's words included: this listener does not tell them apart). */
    private static MeshNode.Listener errorsInto(List<String> errors) {
        return new MeshNode.Listener() {
            @Override
            public void error(String message) {
                errors.add(message);
            }
        };
    }

    /** A discovery that reports what a test tells it, as mDNS does; on the loop. */
    private static final class Found implements Discovery {
        private final ManualLoop loop;
        private volatile Listener listener;

        Found(ManualLoop loop) {
            this.loop = loop;
        }

        /** Reports {@code nodeId} at {@code host} of the in-memory network. */
        void found(String nodeId, String mesh, String host) {
            Peer p = new Peer(nodeId, mesh, 5, List.of(InetSocketAddress.createUnresolved(host, 1)), Map.of());
            loop.execute(() -> listener.peerFound(p));
        }

        @Override
        public void start(Listener l) {
            listener = l;
        }

        @Override
        public void reannounce() {
        }

        @Override
        public void close() {
        }
    }

    /** A discovery that reports alice, as mDNS does, at host "alice" of the in-memory network. */
    private static Discovery findsAlice(ManualLoop loop, String aliceId, String mesh) {
        return new Discovery() {
            @Override
            public void start(Listener listener) {
                Peer p = new Peer(aliceId, mesh, 5, List.of(InetSocketAddress.createUnresolved("alice", 1)), Map.of());
                loop.execute(() -> listener.peerFound(p));
            }

            @Override
            public void reannounce() {
            }

            @Override
            public void close() {
            }
        };
    }

    /** Eve at {@code host}, with {@code key} (null: none), finding alice, so that her overlay dials alice. */
    private static NodeConfig eve(ManualLoop loop, LocalNetwork net, String host, MeshNode alice, byte[] key) {
        NodeConfig.Builder b = NodeConfig.builder().name("eve").mdns(false).memory().loop(loop)
            .transport(net.transport(host)).discovery(me -> findsAlice(loop, alice.nodeId(), me.mesh()));
        if (key != null) {
            b.key(key);
        }
        return b.build();
    }

    @Test
    void aDialerRefusedAgainAndAgainIsSaidOnceWithBothKeyIdsAndAgainWhenTheReasonChanges() throws Exception {
        ManualLoop loop = new ManualLoop(1_000_000);
        LocalNetwork net = new LocalNetwork(loop);
        List<String> atAlice = new CopyOnWriteArrayList<>();
        List<String> atEve = new CopyOnWriteArrayList<>();
        Found aliceFinds = new Found(loop);
        try (MeshNode alice = MeshNode.start(NodeConfig.builder().name("alice").mdns(false).memory().loop(loop)
            .transport(net.transport("alice")).key(ALICE_KEY).discovery(me -> aliceFinds).build(),
            List.of(errorsInto(atAlice)))) {
            loop.runAll();
            String eveId;
            try (MeshNode eve = MeshNode.start(eve(loop, net, "eve", alice, EVE_KEY), List.of(errorsInto(atEve)))) {
                eveId = eve.nodeId();
                // each finds the other (mDNS on a LAN): both overlays dial, and each refuses the other's dials, so
                // alice's refusals of eve alternate with eve's of alice
                aliceFinds.found(eveId, NodeConfig.DEFAULT_MESH, "eve");
                // 2 min: each overlay dials the other at 2, 4, 8, 16, 32 and 64 s
                loop.advance(120_000);
                List<String> eveRefused = atEve.stream().filter(l -> l.contains("refused this node")).toList();
                assertEquals(1, eveRefused.size(), atEve.toString());
                // once, not at every dial; before: one line per dial ("expected: <1> but was: <6>")
                List<String> aliceSays = atAlice.stream().filter(l -> l.startsWith("session with ")).toList();
                assertEquals(1, aliceSays.size(), atAlice.toString());
                String line = aliceSays.get(0);
                assertTrue(line.startsWith("session with " + eveId + " ended: wrong-credentials: wrong key"), line);
                // both key ids, to compare with the other nodes' (before: "wrong key" alone)
                assertTrue(line.contains("the dialer's key id is " + MeshAuth.keyId(EVE_KEY)), line);
                assertTrue(line.contains("this node's key id is " + MeshAuth.keyId(ALICE_KEY)), line);
                assertTrue(line.contains("said once"), line);
                // eve is told alice's words, but not alice's key id (an unproven dialer learns nothing of her key)
                assertTrue(eveRefused.get(0).contains("the dialer's key id is " + MeshAuth.keyId(EVE_KEY)),
                    eveRefused.get(0));
                assertFalse(eveRefused.get(0).contains(MeshAuth.keyId(ALICE_KEY)), eveRefused.get(0));
                // and eve, refusing alice's dials, says that once too
                assertEquals(1, atEve.stream().filter(l -> l.startsWith("session with " + alice.nodeId())).count(),
                    atEve.toString());
            }
            // eve comes back without a key: another reason, said again
            try (MeshNode eve = NodeInternals.start(eve(loop, net, "eve2", alice, null), List.of(), null, eveId,
                null)) {
                loop.advance(120_000);
                List<String> aliceSays = atAlice.stream().filter(l -> l.startsWith("session with ")).toList();
                assertEquals(2, aliceSays.size(), atAlice.toString());
                assertTrue(aliceSays.get(1).startsWith("session with " + eve.nodeId() + " ended: wrong-credentials: "
                    + "no credentials"), aliceSays.get(1));
                assertTrue(aliceSays.get(1).contains("--key-file"), aliceSays.get(1));
            }
        }
    }

    /**
     * A keyed node whose {@code --peer} runs without a key: its dialer refuses the peer's answer (no proof of the key),
     * and says so once. Before (session 37) two error lines for that one refusal: {@code session with alice:... ended:
     * wrong-credentials: alice:... did not prove it has the mesh key (from alice)} from the node, and {@code
     * local://alice was refused (...): dialing it again only every 10 min} from its dialer.
     */
    @Test
    void aStaticPeerThisNodeRefusesIsSaidOnceWithWhatToDo() throws Exception {
        ManualLoop loop = new ManualLoop(1_000_000);
        LocalNetwork net = new LocalNetwork(loop);
        List<String> atEve = new CopyOnWriteArrayList<>();
        try (MeshNode alice = MeshNode.start(NodeConfig.builder().name("alice").mdns(false).memory().loop(loop)
            .transport(net.transport("alice")).build())) {
            loop.runAll();
            try (MeshNode eve = MeshNode.start(NodeConfig.builder().name("eve").mdns(false).memory().loop(loop)
                .transport(net.transport("eve")).key(EVE_KEY).peer(LocalNetwork.url("alice")).build(),
                List.of(errorsInto(atEve)))) {
                assertEquals(MeshAuth.keyId(EVE_KEY), eve.keyId());
                assertEquals(null, alice.keyId(), "an open node has no key id");
                loop.advance(30 * 60_000); // 5, 10, 20 ... 320 s apart, then 10 min
                assertEquals(1, atEve.size(), atEve.toString());
                String line = atEve.get(0);
                assertTrue(line.startsWith("this node refused " + LocalNetwork.url("alice") + " (" + alice.nodeId()
                    + " did not prove it has the mesh key (an open node: it runs without one): give it the mesh's key"
                    + " file (--key-file)): dialing it again " + Redialer.REFUSED_STEPS), line);
            }
        }
    }

    @Test
    void keyIdsAreEightHexDigitsTheSameForOneKey() {
        assertEquals(MeshAuth.keyId(ALICE_KEY), MeshAuth.keyId(ALICE_KEY.clone()));
        assertTrue(MeshAuth.keyId(ALICE_KEY).matches("[0-9a-f]{8}"), MeshAuth.keyId(ALICE_KEY));
        assertFalse(MeshAuth.keyId(ALICE_KEY).equals(MeshAuth.keyId(EVE_KEY)));
    }
}
