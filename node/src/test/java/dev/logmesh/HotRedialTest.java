package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.testkit.FaultyStore;
import dev.logmesh.testkit.LocalNetwork;
import dev.logmesh.testkit.ManualLoop;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A session that ends right after it connects is a failed dial for the back-off (a new user's trial: a node on a
 * full disk reconnected to its static peer ~73 times a second with the overlay, and every 1-1.5 s without it,
 * because a dial that connected reset the back-off). Here bob's disk is full: until session 45 every session with
 * alice ended as soon as alice's catch-up arrived and bob backed off as for a peer that does not answer; since session
 * 46 bob holds that session (nothing acknowledged) and neither side dials at all, with or without the overlay, and bob
 * comes back within seconds once the disk has room (its held batch tried again, then a redial at once).
 */
class HotRedialTest {
    final ManualLoop loop = new ManualLoop();
    final LocalNetwork net = new LocalNetwork(loop);
    /** When bob dialed (loop time, ms). */
    final List<Long> dials = new ArrayList<>();
    FaultyStore disk;

    /** Bob's transport, counting dials; a hot loop is ended after 1 000 (else the manual loop never gets past it). */
    java.util.function.Function<dev.logmesh.spi.Loop, dev.logmesh.spi.Transport> counting(String host) {
        java.util.function.Function<dev.logmesh.spi.Loop, dev.logmesh.spi.Transport> real = net.transport(host);
        return l -> {
            dev.logmesh.spi.Transport t = real.apply(l);
            return new dev.logmesh.spi.Transport() {
                @Override
                public java.net.URI listen(String h, int port, java.util.function.Consumer<dev.logmesh.spi.Connection>
                    acceptor) throws IOException {
                    return t.listen(h, port, acceptor);
                }

                @Override
                public dev.logmesh.spi.Connection dial(java.net.URI url) {
                    dials.add(loop.now());
                    if (dials.size() > 1_000 && disk != null) {
                        disk.diskFull(false);
                    }
                    return t.dial(url);
                }

                @Override
                public void close() {
                    t.close();
                }
            };
        };
    }

    MeshNode start(String name, boolean overlay, List<MeshNode.Listener> listeners, String... peers)
        throws IOException {
        NodeConfig.Builder b = NodeConfig.builder().name(name).mdns(false).overlay(overlay).loop(loop)
            .transport(name.equals("bob") ? counting(name) : net.transport(name));
        for (String p : peers) {
            b.peer(LocalNetwork.url(p));
        }
        return MeshNode.start(b.build(), listeners);
    }

    @ParameterizedTest(name = "overlay {0}")
    @ValueSource(booleans = {true, false})
    void aPeerWhoseLogIsFullHoldsItsSessionWithNoRedialAndIsBackSoonAfterThereIsRoom(boolean overlay) throws Exception {
        List<Long> connects = dials;
        try (MeshNode alice = start("alice", overlay, List.of());
             MeshNode bob = start("bob", overlay, List.of(), "alice")) {
            loop.advance(3_000);
            assertEquals(1, connects.size(), "one healthy session");
            disk = StoreFailureNodeTest.failingDisk(bob);
            disk.diskFull(true);
            for (int i = 0; i < 30; i++) {
                alice.add(Action.ofType("a/" + i));
            }
            loop.advance(60_000);
            assertEquals(0, connects.size() - 1, "the session is held: no redial in 60 s, at " + connects);

            disk.diskFull(false); // room again: bob's held batch is stored at its next try (at most 5 s), bob redials
            loop.advance(7_000);
            var entries = bob.entries();
            loop.runAll();
            assertEquals(30, entries.join().size(), "bob caught up once the disk had room");
        }
    }
}
