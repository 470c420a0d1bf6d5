package dev.logmesh.internal.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Another implementation against ours: the Negentropy client of nostr-tools 2.25.2 (NIP-77, JavaScript, from
 * npm; {@code interop/negentropy-client.mjs}) reconciles with our {@link Responder}, and every message it sends
 * must be the bytes our {@link Initiator} sends in its place (the shadow below). nostr-tools has no server
 * side, and its varints are 32-bit, so timestamps here stay under 2^31 (second-sized, as in Nostr).
 *
 * <p>Needs Node.js and {@code interop/node_modules} ({@code npm ci} in {@code interop/}, run here once if
 * missing). Without them the test is skipped, or fails under {@code LOGMESH_REQUIRE_ALL=1} (CI).
 */
@Tag("slow")
class NostrToolsInteropTest {
    private static Path interop;

    @BeforeAll
    static void requireNode() throws Exception {
        Path dir = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
        for (Path p = dir; p != null && interop == null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("interop/negentropy-client.mjs"))) {
                interop = p.resolve("interop");
            }
        }
        String problem = null;
        if (interop == null) {
            problem = "no interop/negentropy-client.mjs above " + dir;
        } else if (!Files.isDirectory(interop.resolve("node_modules/nostr-tools"))) {
            problem = run(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), interop);
        }
        if (problem == null) {
            problem = run(List.of("node", "--version"), interop);
        }
        if (problem != null) {
            if ("1".equals(System.getenv("LOGMESH_REQUIRE_ALL"))) {
                fail("LOGMESH_REQUIRE_ALL=1 and the nostr-tools harness is not usable: " + problem);
            }
            Assumptions.abort("nostr-tools interop skipped: " + problem);
        }
    }

    /** Runs a command; null if it succeeded, else why not. */
    private static String run(List<String> cmd, Path dir) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return String.join(" ", cmd) + " took over 300 s";
            }
            return p.exitValue() == 0 ? null : String.join(" ", cmd) + " exited " + p.exitValue();
        } catch (IOException e) {
            return String.join(" ", cmd) + ": " + e.getMessage();
        }
    }

    @ParameterizedTest(name = "{0} shared, {1} client only, {2} server only, limits {3}/{4}, newest {5}")
    @CsvSource({
        "0, 0, 0, 60000, 0, false",
        "40, 3, 5, 60000, 0, false",
        "3000, 0, 0, 60000, 0, false",
        "3000, 150, 150, 60000, 0, false",
        "3000, 600, 900, 4096, 4096, false",
        "2000, 1500, 0, 4096, 60000, false",
        "0, 0, 2500, 4096, 8000, false",
        "5000, 200, 300, 4096, 4096, true",
    })
    void nostrToolsClientAgainstOurServer(int both, int onlyClient, int onlyServer, int clientLimit, int serverLimit,
            boolean newest) {
        assertTimeoutPreemptively(Duration.ofMinutes(2),
            () -> session(both, onlyClient, onlyServer, clientLimit, serverLimit, newest));
    }

    private void session(int both, int onlyClient, int onlyServer, int clientLimit, int serverLimit, boolean newest)
            throws Exception {
        Random random = new Random(both * 31L + onlyClient * 7L + onlyServer);
        int total = both + onlyClient + onlyServer;
        List<Item> pool = new ArrayList<>();
        Set<ItemId> seen = new HashSet<>();
        while (pool.size() < total) {
            Item item = new Item(1_677_970_534L + random.nextInt(Math.max(1, total / 3)),
                ItemId.hashOf("interop " + random.nextLong()));
            if (seen.add(item.id())) {
                pool.add(item);
            }
        }
        if (newest) {
            pool.sort(null);
        } else {
            Collections.shuffle(pool, random);
        }
        // newest: the differences are the last items in order; else they are spread at random
        List<Item> client = new ArrayList<>(pool.subList(0, both));
        List<Item> server = new ArrayList<>(pool.subList(0, both));
        client.addAll(pool.subList(both, both + onlyClient));
        server.addAll(pool.subList(both + onlyClient, total));

        ItemIndex clientIndex = VectorTest.fill(new ItemIndex(), client);
        ItemIndex serverIndex = VectorTest.fill(new ItemIndex(), server);
        Initiator shadow = Initiator.create(clientIndex, ReconcileOptions.DEFAULT.withFrameSizeLimit(clientLimit));
        Responder responder = Responder.create(serverIndex, ReconcileOptions.DEFAULT.withFrameSizeLimit(serverLimit));

        Process node = new ProcessBuilder("node", "negentropy-client.mjs").directory(interop.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Set<ItemId> have = new HashSet<>();
        Set<ItemId> need = new HashSet<>();
        try (Writer in = new OutputStreamWriter(node.getOutputStream(), StandardCharsets.UTF_8);
             BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(),
                 StandardCharsets.UTF_8))) {
            in.write("limit," + clientLimit + "\n");
            for (Item item : client) {
                in.write("item," + item.timestamp() + "," + item.id().toHex() + "\n");
            }
            in.write("initiate\n");
            in.flush();
            byte[] expected = shadow.initiate();
            int messages = 0;
            while (true) {
                String line = out.readLine();
                assertNotNull(line, "nostr-tools client ended early");
                if (line.startsWith("have,")) {
                    have.add(ItemId.fromHex(line.substring(5)));
                } else if (line.startsWith("need,")) {
                    need.add(ItemId.fromHex(line.substring(5)));
                } else if (line.equals("done")) {
                    assertNull(expected, "nostr-tools is done, our initiator is not");
                    break;
                } else if (line.startsWith("msg,")) {
                    String msg = line.substring(4);
                    assertNotNull(expected, "our initiator is done, nostr-tools sent " + msg.length() / 2 + " bytes");
                    assertEquals(Hex.encode(expected), msg, "client message " + messages);
                    byte[] answer = responder.reconcile(Hex.decode(msg));
                    in.write("msg," + Hex.encode(answer) + "\n");
                    in.flush();
                    expected = shadow.reconcile(answer).reply();
                    messages++;
                } else {
                    fail("nostr-tools client: " + line);
                }
            }
        } finally {
            node.destroy();
            node.waitFor(10, TimeUnit.SECONDS);
        }
        Set<ItemId> clientIds = new HashSet<>();
        client.forEach(i -> clientIds.add(i.id()));
        Set<ItemId> serverIds = new HashSet<>();
        server.forEach(i -> serverIds.add(i.id()));
        Set<ItemId> expectedHave = new HashSet<>(clientIds);
        expectedHave.removeAll(serverIds);
        Set<ItemId> expectedNeed = new HashSet<>(serverIds);
        expectedNeed.removeAll(clientIds);
        assertEquals(expectedHave, have, "nostr-tools' have");
        assertEquals(expectedNeed, need, "nostr-tools' need");
    }
}
