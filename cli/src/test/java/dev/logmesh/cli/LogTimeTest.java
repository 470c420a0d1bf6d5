package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Log lines are led by the wall clock in UTC ({@link LogTime}), not slf4j-simple's milliseconds since start, which
 * after a clock set back went negative ({@code -3599112 [logmesh-b-1-1] WARN ...}) and never matched another node's.
 */
class LogTimeTest {
    private static final DateTimeFormatter ISO =
        DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    @Test
    void formatsAsJavaTimeDoes() {
        List<Long> fixed = List.of(0L, 1L, -1L, 951_782_400_000L /* 2000-02-29 */, 1_709_164_800_123L /* 2024-02-29 */,
            1_796_483_228_123L, 253_402_300_799_999L /* 9999-12-31T23:59:59.999 */, -62_135_596_800_000L /* 0001 */);
        for (long ms : fixed) {
            assertEquals(ISO.format(java.time.Instant.ofEpochMilli(ms)), LogTime.utc(ms), "at " + ms);
        }
        Random r = new Random(40);
        for (int i = 0; i < 100_000; i++) {
            long ms = r.nextLong(-62_135_596_800_000L, 253_402_300_799_999L);
            assertEquals(ISO.format(java.time.Instant.ofEpochMilli(ms)), LogTime.utc(ms), "at " + ms);
        }
    }

    /**
     * A node's log lines begin with the UTC time. Before (clock40) with the milliseconds since the process started
     * ({@code 412 [main] DEBUG ...}), which a clock set back made negative.
     */
    @Test
    void aNodesLogLinesBeginWithTheUtcTime() throws Exception {
        try (CliProcess.Running node = new CliProcess.Running(List.of("-Dlogmesh.log=debug"), "node", "--memory",
            "--no-mdns", "--host", "127.0.0.1", "--port", "0", "--json")) {
            assertNotNull(node.lineWith("\"ready\""));
            long before = System.currentTimeMillis();
            String err = node.stop();
            List<String> lines = err.lines().filter(l -> l.contains(" DEBUG ") || l.contains(" INFO ")
                || l.contains(" WARN ")).toList();
            assertTrue(!lines.isEmpty(), err);
            for (String l : lines) {
                assertTrue(l.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z \\[.*"), l);
                long at = java.time.Instant.parse(l.substring(0, 24)).toEpochMilli();
                assertTrue(Math.abs(at - before) < 120_000, l + " is the time it was written");
            }
        }
    }
}
