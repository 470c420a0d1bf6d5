package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.StoreException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A node whose close fails at the end of {@code logmesh node} (SIGTERM, a broken stdout) says so in one
 * {@code logmesh:} line. Before (a breaker's run, session 28), the shutdown thread let the exception out and the
 * JVM printed {@code Exception in thread "logmesh-shutdown"} with the whole trace.
 */
class NodeCloseFailureTest {

    @Test
    void aFailedCloseIsOneLine() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            NodeCommand.closeSaying(() -> {
                throw new StoreException("close: cannot commit: database disk image is malformed\n(SQLITE_CORRUPT)");
            });
            NodeCommand.closeSaying(() -> { });
        } finally {
            System.setErr(err);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertEquals(1, out.lines().count(), out);
        assertTrue(out.startsWith("logmesh: closing the node failed: close: cannot commit: database disk image is "
            + "malformed (SQLITE_CORRUPT)"), out);
        assertFalse(out.contains("\tat "), out);
    }
}
