package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.testkit.LocalMesh;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A chain of static peers a &lt;- b &lt;- c (each node names only the one before it, as {@code --peer}) becomes a
 * full mesh, as the README promises for a mesh of up to maxActive + 1 nodes: a shuffle through b tells a and c
 * about each other (§4.4), and one dials the other. Real processes ({@code logmesh node --no-mdns --host 127.0.0.1
 * --peer ws://...}, one after another) paired a and c 3 s after c started. In the kit they never did: the overlay
 * dialled only {@code ws://} and {@code wss://} addresses, and the kit's transport listens at {@code local://NAME},
 * so every dial of a peer learned through the mesh failed at once and the peer was backed off and dropped from the
 * passive view (a: active=[b] passive=[] after 1,200 s). Any other {@code Transport} an application supplies hit
 * the same.
 */
class OverlayChainTest {
    /** The first shuffles come within one period (10 ticks of 1 s, jittered), then one dial. */
    private static final long BOUND_MS = 20_000;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void aChainOfStaticPeersBecomesAFullMesh(long seed) {
        try (LocalMesh mesh = new LocalMesh(seed)) {
            mesh.start("a");
            mesh.start("b", "a");
            mesh.start("c", "b");
            long ms = 0;
            while (ms < BOUND_MS && !(view(mesh, "a").active().size() == 2 && view(mesh, "c").active().size() == 2)) {
                mesh.run(1_000);
                ms += 1_000;
            }
            for (String name : List.of("a", "b", "c")) {
                assertEquals(2, view(mesh, name).active().size(), "after " + ms + " ms, " + name + ": "
                    + view(mesh, name));
            }
        }
    }

    private static OverlayView view(LocalMesh mesh, String name) {
        CompletableFuture<OverlayView> v = mesh.get(name).node().overlay();
        mesh.runAll(); // the call runs on the node's loop: the manual one
        return v.join();
    }
}
