package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@code logmesh status} and {@code peers} of a {@code --memory} node: it has no data directory (no status file) for
 * them to read, so without {@code --data} they say what works instead. Before (session 43) they said only
 * "Missing required option: '--data=DIR'".
 */
class MemoryNodeStatusTest {
    @Test
    void statusAndPeersWithoutDataSayHowToSeeAMemoryNode() throws Exception {
        for (String command : new String[] {"status", "peers"}) {
            CliProcess.Result r = CliProcess.run(command);
            assertEquals(Errors.USAGE, r.code(), r.err());
            assertTrue(r.err().contains("Missing required option: '--data=DIR'"), r.err());
            assertTrue(r.err().contains("A node started with --memory has no data directory, so this cannot read it: "
                + "start that node with --http [HOST:]PORT and read http://HOST:PORT/status.json"), r.err());
        }
    }
}
