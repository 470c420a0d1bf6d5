package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory copied to a second machine (break28: {@code cp -a alice alice2}, both nodes started, one with
 * {@code --peer} to the other): two nodes run with one node id. The dialer says that another node runs with its id
 * and what to do, and stops dialing. Before, it said "ws://127.0.0.1:7301 is this node itself: not dialing it", which
 * sent the user looking for a mistyped URL, and the listener said nothing.
 */
class TwinNodeIdTest {
    @TempDir
    Path dir;

    private static NodeConfig.Builder node(Path data) {
        return NodeConfig.builder().dataDir(data).host("127.0.0.1").port(0).mdns(false);
    }

    /** A node alice with one action on {@code a}, closed, and a copy of its data directory in {@code b}. */
    private static void aliceAndACopy(Path a, Path b) throws Exception {
        try (MeshNode first = MeshNode.start(node(a).name("alice").build())) {
            first.add(Action.ofType("before/copy"));
        }
        Files.createDirectories(b);
        try (var files = Files.list(a)) {
            for (Path f : files.toList()) {
                Files.copy(f, b.resolve(f.getFileName()));
            }
        }
    }

    @Test
    void aNodeOnACopyOfAnotherNodesDataDirectoryIsToldSoNotThatItDialedItself() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        aliceAndACopy(a, b);
        List<String> errors = new CopyOnWriteArrayList<>();
        MeshNode.Listener listener = new MeshNode.Listener() {
            @Override
            public void error(String message) {
                errors.add(message);
            }
        };
        try (MeshNode one = MeshNode.start(node(a).build());
             MeshNode two = MeshNode.start(node(b).peer(one.url()).build(), List.of(listener))) {
            assertEquals(one.nodeId(), two.nodeId(), "the copy runs with the same id");
            await().atMost(10, TimeUnit.SECONDS).until(() -> !errors.isEmpty());
            String e = errors.get(0);
            assertTrue(e.equals(one.url() + " answered with this node's own id " + one.nodeId() + ": another node runs"
                + " with this node's id (a copy of this node's data directory?); two nodes with one id lose actions:"
                + " stop one and start it on a data directory of its own; not dialing it"), e);
        }
    }

    /**
     * Session 29: both copies dial a third node (the usual LAN: both dial the seed), and never each other. The third
     * node tells both and says so itself; before, it closed the second copy's session as a duplicate (a DEBUG line)
     * and nobody said anything.
     */
    @Test
    void aThirdNodeThatBothCopiesDialTellsBoth() throws Exception {
        try (Trio t = trio(false)) {
            MeshNode seed = t.seed();
            MeshNode one = t.one();
            List<String> seedErrors = t.seedErrors();
            assertEquals(one.nodeId(), t.two().nodeId());
            assertTrue(seedErrors.get(0).startsWith("two nodes run with the node id " + one.nodeId() + ", one "),
                seedErrors.toString());
            for (List<String> copy : List.of(t.oneErrors(), t.twoErrors())) {
                String e = copy.get(0);
                assertTrue(e.startsWith(seed.nodeId() + " (") && e.contains(" says: node " + seed.nodeId()
                    + " holds sessions with two live nodes of your id " + one.nodeId() + ", one ")
                    && e.contains(": another node runs with your id (a copy of your data directory?); this node is the"
                    + " one in process ") && e.endsWith("; two nodes with one id lose actions: stop one and start"
                    + " it on a data directory of its own; a dial of " + seed.nodeId() + " is made again only every 10 min (restart this node to try at once)"), e);
            }
            assertEquals(1, seedErrors.size(), seedErrors.toString());
        }
    }

    /**
     * Two copies on one host: the notices tell them apart. The third node names the port each copy's dial came from
     * ({@code ss -tnp} names the process), and each copy says which one it is: its process, that port, where it
     * listens and its data directory. Before (clock40) the third node said "one at 127.0.0.1 and one at 127.0.0.1"
     * and the copies the same, which told nobody which process to stop.
     */
    @Test
    void theNoticesNameThePortsThatTellTwoCopiesOnOneHostApart() throws Exception {
        try (Trio t = trio(false)) {
            String s = t.seedErrors().get(0);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("one dialing from 127\\.0\\.0\\.1:(\\d+) and one"
                + " dialing from 127\\.0\\.0\\.1:(\\d+) ").matcher(s);
            assertTrue(m.find(), s);
            assertTrue(!m.group(1).equals(m.group(2)), s);
            java.util.Set<String> ports = java.util.Set.of(m.group(1), m.group(2));
            java.util.Set<String> said = new java.util.HashSet<>();
            for (Object[] copy : new Object[][] {{t.one(), t.oneErrors(), dir.resolve("a")},
                {t.two(), t.twoErrors(), dir.resolve("b")}}) {
                String e = ((List<?>) copy[1]).get(0).toString();
                java.util.regex.Matcher self = java.util.regex.Pattern.compile("; this node is the one in process "
                    + ProcessHandle.current().pid() + ", whose dial came from 127\\.0\\.0\\.1:(\\d+), listening at "
                    + java.util.regex.Pattern.quote(((MeshNode) copy[0]).url() + ", on data directory " + copy[2])
                    + "; ").matcher(e);
                assertTrue(self.find(), e);
                said.add(self.group(1));
            }
            assertEquals(ports, said, "each copy names its own dial's port, one of those the third node named");
        }
    }

    /**
     * Session 31: a third node dials both copies (its --peer names both). The copies only listen, so the 10-minute
     * wait is the third node's: each copy says who dials it again and when, the third node that it does. Before, each
     * copy said "a dial of seed is made again only every 10 min (restart this node ...)", a dial it never made, and
     * the third node did not say it waits. Both copies say it (see {@link #trio}).
     */
    @Test
    void aThirdNodeThatDialsBothCopiesSaysItWaitsAndTheCopiesSayWho() throws Exception {
        try (Trio t = trio(true)) {
            String id = t.one().nodeId();
            String seed = t.seed().nodeId();
            String s = t.seedErrors().get(0);
            assertTrue(s.startsWith("two nodes run with the node id " + id + ", one ")
                && s.endsWith("; both were told, and their sessions closed; this node dials " + id
                + " again only every 10 min (restart this node to try at once)"), s);
            for (List<String> copy : List.of(t.oneErrors(), t.twoErrors())) {
                String e = copy.get(0);
                assertTrue(e.startsWith(seed + " (") && e.endsWith("; two nodes with one id lose actions: stop one and"
                    + " start it on a data directory of its own; " + seed + " dials this node again only every 10 min"
                    + " (restart " + seed + " to try at once)"), e);
            }
        }
    }

    /** alice ({@code one}), a copy of her data directory ({@code two}) and a third node, with what each said. */
    record Trio(MeshNode seed, MeshNode one, MeshNode two, List<String> seedErrors, List<String> oneErrors,
                List<String> twoErrors) implements AutoCloseable {
        @Override
        public void close() {
            for (MeshNode n : new MeshNode[] {two, one, seed}) {
                if (n != null) {
                    n.close();
                }
            }
        }
    }

    /**
     * Starts alice, her copy and a third node, once each has said something: both copies dial the third node, or
     * with {@code seedDials} the third node dials both.
     */
    private Trio trio(boolean seedDials) throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        aliceAndACopy(a, b);
        List<String> seedErrors = new CopyOnWriteArrayList<>();
        List<String> oneErrors = new CopyOnWriteArrayList<>();
        List<String> twoErrors = new CopyOnWriteArrayList<>();
        NodeConfig.Builder seedConfig = node(dir.resolve("seed")).name("seed");
        MeshNode seed = null;
        MeshNode one = null;
        MeshNode two = null;
        try {
            if (seedDials) {
                one = MeshNode.start(node(a).build(), List.of(errors(oneErrors)));
                two = MeshNode.start(node(b).build(), List.of(errors(twoErrors)));
                seed = MeshNode.start(seedConfig.peer(one.url()).peer(two.url()).build(), List.of(errors(seedErrors)));
            } else {
                seed = MeshNode.start(seedConfig.build(), List.of(errors(seedErrors)));
                one = MeshNode.start(node(a).peer(seed.url()).build(), List.of(errors(oneErrors)));
                two = MeshNode.start(node(b).peer(seed.url()).build(), List.of(errors(twoErrors)));
            }
            // both copies say it, also when the third node dials both: before (session 32) one copy missed the notice
            // in 7 runs of 10 (in a fresh JVM), and the test asked for one copy only. The third node's close reached
            // the copy's transport together with the notice, and a send of the copy's own (a pong, an overlay
            // message) met the closed link before the notice was handled: the session ended with "connection did
            // not accept a message" and dropped it (TwinPeersTest.aCopyWhoseSendMeetsTheClosedLink...); or the third
            // node, closing at once, had TCP reset the link under the copy's bytes, and the copy's next write failed
            // before it had read the notice, "write failed: ... Connection reset by peer" (LinkCloseTest)
            await().atMost(20, TimeUnit.SECONDS).until(() -> !seedErrors.isEmpty() && !oneErrors.isEmpty()
                && !twoErrors.isEmpty());
            return new Trio(seed, one, two, seedErrors, oneErrors, twoErrors);
        } catch (Exception | Error e) {
            new Trio(seed, one, two, seedErrors, oneErrors, twoErrors).close();
            throw e;
        }
    }

    private static MeshNode.Listener errors(List<String> into) {
        return new MeshNode.Listener() {
            @Override
            public void error(String message) {
                into.add(message);
            }
        };
    }

    @Test
    void aNodeThatDialsItselfIsStillToldSo() throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        MeshNode.Listener listener = new MeshNode.Listener() {
            @Override
            public void error(String message) {
                errors.add(message);
            }
        };
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        java.net.URI self = java.net.URI.create("ws://127.0.0.1:" + port);
        try (MeshNode node = MeshNode.start(node(dir.resolve("s")).port(port).peer(self).build(),
            List.of(listener))) {
            await().atMost(10, TimeUnit.SECONDS).until(() -> !errors.isEmpty());
            assertEquals(self + " is this node itself: not dialing it", errors.get(0), node.nodeId());
        }
    }
}
