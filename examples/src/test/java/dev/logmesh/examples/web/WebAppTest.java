package dev.logmesh.examples.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.MeshNode;
import dev.logmesh.NodeConfig;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web example's server side: the page, its bundle and the address of the node it connects to (the page in a
 * browser is exercised by scripts/demo-web.sh, and CrossTabClient against nodes by the node's LoguxAppsTest).
 */
@Tag("slow")
class WebAppTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static HttpResponse<String> get(URI base, String path) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(base.resolve(path));
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesThePageAndTellsItWhichNodeToConnectTo() throws Exception {
        try (MeshNode node = MeshNode.start(NodeConfig.builder().name("web").host("127.0.0.1").mdns(false).build());
             WebApp web = WebApp.serve(node, "127.0.0.1", 0)) {
            HttpResponse<String> page = get(web.url(), "/");
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<script type=\"module\" src=\"app.js\"></script>"), page.body());
            HttpResponse<String> config = get(web.url(), "/config.json");
            assertEquals("{\"server\":\"ws://127.0.0.1:" + node.url().getPort() + "\"}", config.body());
            HttpResponse<String> js = get(web.url(), "/app.js");
            assertEquals(200, js.statusCode());
            assertTrue(js.headers().firstValue("content-type").orElse("").startsWith("text/javascript"));
            assertTrue(js.body().length() > 10_000 && js.body().contains("list/add"), "the bundled app");
            assertEquals(404, get(web.url(), "/WebApp.class").statusCode());
            assertEquals(404, get(web.url(), "/../index.html").statusCode());
        }
    }

    /** The committed bundle is what examples/web/build.sh makes of page/app.js now (esbuild is pinned). */
    @Test
    void theCommittedBundleIsUpToDate(@TempDir Path dir) throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (root != null && !Files.isRegularFile(root.resolve("examples/web/build.sh"))) {
            root = root.getParent();
        }
        Assumptions.assumeTrue(root != null, "no examples/web/build.sh");
        boolean tools = Files.isExecutable(root.resolve("interop/node_modules/.bin/esbuild"));
        if (!tools && "1".equals(System.getenv("LOGMESH_REQUIRE_ALL"))) {
            throw new AssertionError("LOGMESH_REQUIRE_ALL=1 and interop/node_modules has no esbuild");
        }
        Assumptions.assumeTrue(tools, "esbuild not installed (interop/setup.sh)");
        ProcessBuilder pb = new ProcessBuilder(root.resolve("examples/web/build.sh").toString()).redirectErrorStream(true);
        pb.environment().put("WEB_OUT", dir.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        for (String file : List.of("app.js")) { // index.html is the page file itself (a Maven resource)
            try (InputStream committed = WebApp.class.getResourceAsStream(file)) {
                assertArrayEquals(Files.readAllBytes(dir.resolve(file)), committed.readAllBytes(),
                    file + " differs from a fresh build: run examples/web/build.sh and commit");
            }
        }
    }
}
