package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.internal.log.MetaJson;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where {@code logmesh node} without {@code --data} keeps its log: the XDG data directory, from the environment. A new
 * user's trial (session 20): {@code HOME=/tmp/h logmesh node --name zz} reported {@code "data":
 * "/root/.local/share/logmesh/zz"}: the JVM's {@code user.home} comes from the password database, not {@code HOME}.
 */
@Tag("slow")
class DefaultDataDirTest {
    @TempDir
    Path dir;

    /** The {@code data} of the node's {@code ready} event, run with {@code env} changed as given (null: removed). */
    private static String readyData(Map<String, String> env, String name) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(CliProcess.command("node", "--name", name, "--no-mdns", "--host",
            "127.0.0.1", "--port", "0", "--json")).redirectError(ProcessBuilder.Redirect.DISCARD);
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        Process p = pb.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
            StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                JsonNode n = MetaJson.reader().readTree(line);
                if ("ready".equals(n.path("event").asText())) {
                    return n.path("data").asText();
                }
            }
            return null;
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void homeFromTheEnvironment() throws Exception {
        java.util.HashMap<String, String> env = new java.util.HashMap<>();
        env.put("HOME", dir.toString());
        env.put("XDG_DATA_HOME", null);
        String data = readyData(env, "newuser20home");
        assertNotNull(data, "no ready event");
        assertEquals(dir.resolve(".local/share/logmesh/newuser20home").toString(), data);
    }

    @Test
    void anAbsoluteXdgDataHomeWinsARelativeOneIsIgnored() throws Exception {
        java.util.HashMap<String, String> env = new java.util.HashMap<>();
        env.put("HOME", dir.resolve("home").toString());
        env.put("XDG_DATA_HOME", dir.resolve("xdg").toString());
        assertEquals(dir.resolve("xdg/logmesh/ddt-xdg").toString(), readyData(env, "ddt-xdg"));
        env.put("XDG_DATA_HOME", "relative/dir"); // the specification: "relative paths ... should be ignored"
        assertEquals(dir.resolve("home/.local/share/logmesh/ddt-rel").toString(), readyData(env, "ddt-rel"));
    }

    @Test
    void theRuleItself() {
        Map<String, String> none = Map.of();
        assertEquals(Path.of("/u/.local/share/logmesh/n"), NodeCommand.defaultDataDir("n", none::get, "/u"));
        assertEquals(Path.of("/u/.local/share/logmesh/n"),
            NodeCommand.defaultDataDir("n", Map.of("HOME", "rel")::get, "/u"));
        assertEquals(Path.of("/h/.local/share/logmesh/n"),
            NodeCommand.defaultDataDir("n", Map.of("HOME", "/h", "XDG_DATA_HOME", "")::get, "/u"));
        assertEquals(Path.of("/x/logmesh/n"),
            NodeCommand.defaultDataDir("n", Map.of("HOME", "/h", "XDG_DATA_HOME", "/x")::get, "/u"));
    }
}
