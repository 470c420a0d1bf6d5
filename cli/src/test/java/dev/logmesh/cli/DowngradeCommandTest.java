package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code logmesh downgrade}: a stopped node's schema 6 log back in schema 5 (the index rows of the node's keep reason
 * {@code mesh} written back), refused while the node runs, a no-op on a schema 5 log. Before (session 49) there was no
 * way back from schema 6 but a copy made before, or the {@code sqlite3} program.
 */
class DowngradeCommandTest {
    private static long query(Path file, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            return rs.getLong(1);
        }
    }

    @Test
    void aStoppedNodesLogGoesBackToSchema5AndARunningNodesIsRefused(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        Path file = data.resolve(AddCommand.LOG_FILE).toAbsolutePath();
        String[] node = {"node", "--name", "b", "--data", data.toString(), "--no-mdns", "--host", "127.0.0.1",
            "--port", "0", "--json"};
        CliTest.Run refused;
        try (CliProcess.Running running = new CliProcess.Running(node)) {
            assertNotNull(running.lineWith("\"ready\""), running.err());
            OutputStream in = running.process.getOutputStream();
            for (int i = 0; i < 50; i++) {
                in.write(("{\"type\":\"t/x\",\"k\":" + i + "}\n").getBytes(StandardCharsets.UTF_8));
            }
            in.flush();
            assertNotNull(running.lineWith("\"k\":49"), running.err());
            refused = CliTest.run("", "downgrade", "--data", data.toString());
        }
        assertEquals(2, refused.code(), refused.out());
        assertTrue(refused.err().startsWith("logmesh: cannot downgrade " + file + " while it is in use; stop its node "
            + "first: "), refused.err());
        assertEquals(6, query(file, "PRAGMA user_version"), "the refused downgrade changed nothing");
        CliTest.Run before = CliTest.run("", "log", "--data", data.toString());
        assertEquals(0, before.code(), before.err());
        long withMesh = 0;
        for (JsonNode line : CliTest.lines(before.out())) {
            for (JsonNode r : line.get(1).get("reasons")) {
                withMesh += "mesh".equals(r.asText()) ? 1 : 0;
            }
        }
        assertEquals(50, withMesh, before.out());

        CliTest.Run down = CliTest.run("", "downgrade", "--data", data.toString());
        assertEquals(0, down.code(), down.err());
        assertTrue(down.out().startsWith("downgraded " + file + " from schema 6 to 5: " + withMesh
            + " index rows of reason mesh written back, in "), down.out());
        assertEquals(5, query(file, "PRAGMA user_version"));
        assertEquals(withMesh, query(file, "SELECT count(*) FROM reasons WHERE reason = 'mesh'"));
        CliTest.Run after = CliTest.run("", "log", "--data", data.toString());
        assertEquals(before.out(), after.out());

        CliTest.Run again = CliTest.run("", "downgrade", "--data", data.toString());
        assertEquals(0, again.code(), again.err());
        assertEquals(file + " is in schema 5 already: left as it is\n", again.out());

        CliTest.Run none = CliTest.run("", "downgrade", "--data", dir.resolve("none").toString());
        assertEquals(2, none.code());
        assertTrue(none.err().startsWith("logmesh: no log in "), none.err());
    }
}
