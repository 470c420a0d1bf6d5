package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ProcessStartTest {
    @Test
    void field22IsCountedAfterTheCommandNamesLastParenthesis() {
        String rest = " R 1129 1129 1212 0 -1 4194304 124 0 0 0 0 0 0 0 20 0 1 0 573270 3133440 379";
        assertEquals(573270, ProcessStart.parse("1132 (cat)" + rest));
        assertEquals(573270, ProcessStart.parse("1132 (a) b (c d))" + rest), "a name with spaces and parentheses");
        assertEquals(-1, ProcessStart.parse("1132 (cat) R 1 2"), "too short");
        assertEquals(-1, ProcessStart.parse("no parenthesis at all"));
        assertEquals(-1, ProcessStart.ticks(Path.of("/nonexistent/stat")));
    }

    @Test
    void thisProcessHasAStartCountThatStays() {
        long pid = ProcessHandle.current().pid();
        long ticks = ProcessStart.ticks(pid);
        assertTrue(ticks > 0 || !java.nio.file.Files.exists(Path.of("/proc/self/stat")), "ticks " + ticks);
        assertEquals(ticks, ProcessStart.ticks(pid));
    }
}
