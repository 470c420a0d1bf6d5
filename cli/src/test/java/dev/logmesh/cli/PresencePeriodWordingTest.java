package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code --presence-period}'s values are said in one wording ({@link Checks#PRESENCE_PERIOD_VALUES}) by its help, its
 * errors (below the least, above the most) and the README. Before (session 28) the help gave no range at all
 * ("0 = off (neither sent nor forwarded)"), the errors "give 0 (off) or a period from 100ms to 1d", the README "100
 * ms to 1 day; `0` turns it off".
 */
class PresencePeriodWordingTest {
    private static final String VALUES = "0 (off) or a period from 100ms to 1d";

    /** Text with its line breaks and runs of blanks as one space (the help is wrapped). */
    private static String flat(String text) {
        return text.replaceAll("\\s+", " ");
    }

    @Test
    void helpErrorsAndReadmeSayTheSameValues() throws Exception {
        assertEquals(VALUES, Checks.PRESENCE_PERIOD_VALUES);
        CliTest.Run help = CliTest.run("", "node", "--help");
        assertEquals(0, help.code(), help.err());
        assertTrue(flat(help.out()).contains("status page on every node: " + VALUES), flat(help.out()));
        for (String value : new String[] {"50ms", "2d"}) {
            CliTest.Run r = CliTest.run("", "node", "--memory", "--no-mdns", "--host", "127.0.0.1",
                "--presence-period", value, "--after=-1");
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains("give " + VALUES), value + ": " + r.err());
        }
        // the presence notes are in docs/mesh.md since the README was split (session 42)
        String docs = flat(Files.readString(Path.of("..", "docs", "mesh.md")));
        assertTrue(docs.contains("`--presence-period` (" + VALUES), "docs/mesh.md");
    }
}
