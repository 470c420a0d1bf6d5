package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.logmesh.testkit.LocalMesh;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The embedding API on a closed node, and removing a listener. A breaker's run (session 18): {@code subscribe},
 * {@code answer} and {@code addListener} on a closed node (an app that kept the old node after restarting it) did
 * nothing without a word, and a {@link MeshNode.Listener} could not be removed.
 */
class ClosedNodeApiTest {

    /**
     * embed34: a closed node still gave the URL it had listened at (and its status page's), so an application that
     * handed it on (a peer list, a QR code) sent others to a port nobody listened at, or another program's by then.
     */
    @Test
    void aClosedNodeGivesNoUrlAndNoStatusPage() throws Exception {
        MeshNode node = MeshNode.start(NodeConfig.builder().name("n").memory().mdns(false)
            .statusPage(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0)).build());
        java.net.URI url = node.url();
        org.junit.jupiter.api.Assertions.assertNotNull(url);
        org.junit.jupiter.api.Assertions.assertNotNull(node.statusPage());
        String id = node.nodeId();
        node.close();
        // before: ws://127.0.0.1:PORT of the closed node
        assertEquals(null, node.url(), "a closed node listens nowhere");
        assertEquals(null, node.statusPage());
        assertEquals(List.of(), node.mdnsInterfaces());
        assertEquals(id, node.nodeId(), "its id stays what it was");
    }

    @Test
    void subscribingOrListeningOnAClosedNodeThrows() throws Exception {
        MeshNode node = MeshNode.start(NodeConfig.builder().name("n").memory().mdns(false).noListen().build());
        node.add(Action.ofType("a")).get();
        node.close();
        List<org.junit.jupiter.api.function.Executable> calls = List.of(
            () -> node.subscribe(e -> true, e -> { }),
            () -> node.subscribe(0, e -> true, e -> { }),
            () -> node.subscribe("a", e -> { }),
            () -> node.answer("ask", e -> Action.ofType("reply")),
            () -> node.addListener(new MeshNode.Listener() { }),
            // session 29: client hooks were taken without a word (and never called)
            () -> node.type("t", TypeHooks.accept()),
            () -> node.type(java.util.regex.Pattern.compile("t.*"), TypeHooks.accept()),
            () -> node.otherType(TypeHooks.deny()),
            () -> node.channel("users/:id", ChannelHooks.accept()),
            () -> node.channel(java.util.regex.Pattern.compile("c.*"), ChannelHooks.accept()),
            () -> node.otherChannel(ChannelHooks.accept()));
        for (org.junit.jupiter.api.function.Executable call : calls) {
            IllegalStateException e = assertThrows(IllegalStateException.class, call);
            assertEquals("node is closed", e.getMessage());
        }
    }

    /**
     * embed25's trial: a state listener registered once the node had closed was silently never called (its
     * registration task went to a loop that runs nothing any more), where {@link ReplicatedState#create} on a closed
     * node throws for that very reason.
     */
    @Test
    void listeningToTheStateOfAClosedNodeThrows() throws Exception {
        MeshNode node = MeshNode.start(NodeConfig.builder().name("n").memory().mdns(false).noListen().build());
        ReplicatedState<Integer> count = ReplicatedState.create(node, e -> true, 0, (n, e) -> n + 1);
        node.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> count.listen(s -> { }));
        assertEquals("node is closed: a listener of its state would never be called", e.getMessage());
    }

    @Test
    void aListenerWhoseSubscriptionIsClosedIsNoLongerCalled() {
        try (LocalMesh mesh = new LocalMesh()) {
            MeshNode a = mesh.start("a");
            List<String> removed = new ArrayList<>();
            List<String> kept = new ArrayList<>();
            MeshNode.Subscription s = a.addListener(new MeshNode.Listener() {
                @Override
                public void peer(String nodeId, boolean connected) {
                    removed.add(nodeId + " " + connected);
                }
            });
            a.addListener(new MeshNode.Listener() {
                @Override
                public void peer(String nodeId, boolean connected) {
                    kept.add(nodeId + " " + connected);
                }
            });
            s.close();
            mesh.start("b", "a");
            mesh.run(5_000);
            assertEquals(List.of(mesh.get("b").nodeId() + " true"), kept, "the control listener hears b");
            assertEquals(List.of(), removed);
        }
    }
}
