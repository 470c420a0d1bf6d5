package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.internal.log.MetaJson;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page of a real node (WebSocket sessions on 127.0.0.1, a chain A–B–C, the page served by A): its
 * routes over HTTP, and the page itself in headless Chromium (Debian's {@code chromium}): the DOM after it polled
 * names the three nodes and a screenshot shows three node discs of the graph. The browser part is skipped with a
 * reason when Chromium is missing, and fails then under {@code LOGMESH_REQUIRE_ALL=1}.
 */
@Tag("slow")
class StatusPageTest {
    /** The fill of a node's disc on the page ({@code NODE_FILL} in status.html): #1f77b4. */
    static final int[] NODE_FILL = {0x1f, 0x77, 0xb4};
    final List<MeshNode> nodes = new ArrayList<>();
    MeshNode a;
    MeshNode b;
    MeshNode c;

    static NodeConfig.Builder config(String name) {
        // no overlay: it would find a third link (A–C through B's forward join) and the chain would be a triangle
        return NodeConfig.builder().name(name).mdns(false).host("127.0.0.1").port(0).overlay(false)
            .presencePeriod(Duration.ofMillis(300));
    }

    @BeforeEach
    void chain() throws IOException {
        a = start(config("a").statusPage(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0)));
        b = start(config("b").peers(List.of(a.url())));
        c = start(config("c").peers(List.of(b.url())));
        c.add(Action.ofType("demo/hello")).join();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode mesh = a.status().join().path("mesh").path("nodes");
            assertEquals(3, mesh.size(), mesh.toString());
            assertEquals(1, mesh.get(0).path("links").size(), "a chain: a links to b only: " + mesh);
            assertEquals(1, a.status().join().path("size").asLong());
        });
    }

    MeshNode start(NodeConfig.Builder config) throws IOException {
        MeshNode n = MeshNode.start(config.build());
        nodes.add(n);
        return n;
    }

    @AfterEach
    void close() {
        nodes.forEach(MeshNode::close);
    }

    @Test
    void servesThePageAndStatusJsonReadOnlyOnLoopback() throws Exception {
        URI page = a.statusPage();
        assertEquals("127.0.0.1", page.getHost());
        assertEquals(null, b.statusPage(), "opt-in: b serves none");
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> html = http.send(HttpRequest.newBuilder(page).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, html.statusCode());
        assertTrue(html.headers().firstValue("content-type").orElse("").startsWith("text/html"));
        assertTrue(html.body().contains("<svg id=\"graph\""), "one self-contained page");
        String outside = html.body().replace("http://www.w3.org/2000/svg", "");
        assertTrue(!outside.contains("http://") && !outside.contains("https://"), "nothing from elsewhere");

        HttpResponse<String> json = http.send(HttpRequest.newBuilder(page.resolve("/status.json")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, json.statusCode());
        JsonNode st = MetaJson.reader().readTree(json.body());
        assertEquals(a.nodeId(), st.get("node").asText());
        assertEquals(3, st.path("mesh").path("nodes").size());
        assertEquals("demo/hello", st.path("recent").get(0).get("type").asText(), "recent actions");

        assertEquals(405, http.send(HttpRequest.newBuilder(page.resolve("/status.json"))
            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(404, http.send(HttpRequest.newBuilder(page.resolve("/secret")).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(403, rawStatus(page, "evil.example.com"), "a rebinding name is refused");
        assertEquals(200, rawStatus(page, "localhost:" + page.getPort()));

        a.close();
        assertTrue(refused(page), "closed with the node");
    }

    /** The status code of a GET / with this Host header (java.net.http does not let a test set Host). */
    static int rawStatus(URI page, String host) throws IOException {
        try (Socket s = new Socket(page.getHost(), page.getPort())) {
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            return Integer.parseInt(head.substring(9, 12));
        }
    }

    static boolean refused(URI page) {
        try (Socket s = new Socket(page.getHost(), page.getPort())) {
            return !s.isConnected();
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void theGraphInHeadlessChromiumShowsTheThreeNodes(@TempDir Path tmp) throws Exception {
        String chromium = requireChromium();
        URI page = a.statusPage();
        String dom = browser(chromium, tmp, "--dump-dom", page.toString());
        for (MeshNode n : nodes) {
            assertTrue(dom.contains("data-node=\"" + n.nodeId() + "\""), n.nodeId() + " in the graph:\n" + dom);
        }
        assertTrue(dom.contains("data-nodes=\"3\""), dom);
        assertTrue(dom.contains("demo/hello"), "the recent action is listed");
        // the one action, counted in words a reader expects (was "1 entries")
        assertTrue(dom.contains("3 nodes known \u00b7 this log 1 entry \u00b7"), dom);

        Path png = Path.of("target", "status-page.png").toAbsolutePath();
        Files.deleteIfExists(png);
        browser(chromium, tmp, "--screenshot=" + png, page.toString());
        BufferedImage image = ImageIO.read(png.toFile());
        List<Integer> blobs = blobs(image, NODE_FILL, 200);
        assertEquals(3, blobs.size(), "node discs (pixels each) in " + png + ": " + blobs);
    }

    static String requireChromium() {
        String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
        if (!Files.isExecutable(Path.of(chromium))) {
            String why = "no Chromium at " + chromium + " (apt-get install chromium, or interop/setup.sh)";
            if ("1".equals(System.getenv("LOGMESH_REQUIRE_ALL"))) {
                fail("LOGMESH_REQUIRE_ALL=1: " + why);
            }
            Assumptions.abort(why);
        }
        return chromium;
    }

    /** Runs headless Chromium on a page for 4 s of its virtual time (the page polls each second); its stdout. */
    static String browser(String chromium, Path tmp, String action, String url) throws Exception {
        Process p = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--user-data-dir=" + tmp.resolve("profile"), "--window-size=800,1000", "--hide-scrollbars",
            "--virtual-time-budget=4000", action, url)
            .redirectError(tmp.resolve("chromium.err").toFile()).start();
        java.util.concurrent.CompletableFuture<byte[]> out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return p.getInputStream().readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish in 90 s");
        }
        assertEquals(0, p.exitValue(), () -> {
            try {
                return Files.readString(tmp.resolve("chromium.err"));
            } catch (IOException e) {
                return e.toString();
            }
        });
        return new String(out.join(), StandardCharsets.UTF_8);
    }

    /**
     * The sizes of the 4-connected regions of pixels within 16 per channel of {@code rgb} that have at least
     * {@code minPixels} pixels.
     */
    static List<Integer> blobs(BufferedImage image, int[] rgb, int minPixels) {
        int w = image.getWidth();
        int h = image.getHeight();
        boolean[] seen = new boolean[w * h];
        List<Integer> out = new ArrayList<>();
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int start = 0; start < w * h; start++) {
            if (seen[start] || !near(image.getRGB(start % w, start / w), rgb)) {
                continue;
            }
            int size = 0;
            seen[start] = true;
            queue.add(start);
            while (!queue.isEmpty()) {
                int i = queue.poll();
                size++;
                int x = i % w;
                int y = i / w;
                int[][] next = {{x + 1, y}, {x - 1, y}, {x, y + 1}, {x, y - 1}};
                for (int[] n : next) {
                    if (n[0] >= 0 && n[0] < w && n[1] >= 0 && n[1] < h) {
                        int j = n[1] * w + n[0];
                        if (!seen[j] && near(image.getRGB(n[0], n[1]), rgb)) {
                            seen[j] = true;
                            queue.add(j);
                        }
                    }
                }
            }
            if (size >= minPixels) {
                out.add(size);
            }
        }
        return out;
    }

    static boolean near(int argb, int[] rgb) {
        return Math.abs(((argb >> 16) & 0xff) - rgb[0]) <= 16 && Math.abs(((argb >> 8) & 0xff) - rgb[1]) <= 16
            && Math.abs((argb & 0xff) - rgb[2]) <= 16;
    }
}
