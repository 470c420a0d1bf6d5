package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * {@link MeshNode.Listener#refused}: both ends of a refused session hear which node it was and why, so that the CLI's
 * "no peer yet" notice can say a found node refused this node instead of "connecting" (session 33, an operator's LAN
 * trial: nodes with another key were said to be "connecting" for as long as the node ran). Two nodes on 127.0.0.1,
 * no mDNS.
 */
class RefusedEventTest {

    static MeshNode.Listener recorder(Map<String, String> seen) {
        return new MeshNode.Listener() {
            @Override
            public void refused(String nodeId, String reason) {
                seen.put(nodeId, reason);
            }
        };
    }

    @Test
    void theNodeThatRefusesAnotherKeyHearsWhichNodeAndWhy() throws Exception {
        String mesh = "refused-" + System.nanoTime();
        Map<String, String> atAlice = new ConcurrentHashMap<>();
        Map<String, String> atEve = new ConcurrentHashMap<>();
        try (MeshNode alice = MeshNode.start(NodeConfig.builder().name("alice").mesh(mesh)
                .key("alice-key".getBytes(StandardCharsets.UTF_8)).build(), List.of(recorder(atAlice)))) {
            try (MeshNode eve = MeshNode.start(NodeConfig.builder().name("eve").mesh(mesh)
                    .key("another-key".getBytes(StandardCharsets.UTF_8)).peer(URI.create(alice.url().toString()))
                    .build(), List.of(recorder(atEve)))) {
                await().atMost(Duration.ofSeconds(20)).until(() -> atAlice.containsKey(eve.nodeId()));
                String byAlice = atAlice.get(eve.nodeId());
                assertTrue(byAlice.startsWith("refused by this node: ") && byAlice.contains("wrong key"), byAlice);
                // eve dialed a URL: alice refused it before saying her id, so eve hears it by that URL (as her
                // peers() names it); before (session 35) eve heard nothing, the reason only in lastError
                String url = alice.url().toString();
                await().atMost(Duration.ofSeconds(20)).until(() -> atEve.containsKey(url));
                assertEquals(java.util.Set.of(url), atEve.keySet(), atEve.toString());
                assertTrue(atEve.get(url).startsWith("refused this node: wrong-credentials"), atEve.toString());
            }
        }
    }
}
