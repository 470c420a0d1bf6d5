package dev.logmesh.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code SyncBench rtt --trace}: one CSV line per counted round trip whose segments make up its total. */
class RttTraceTest {
    @TempDir
    Path dir;

    @Test
    void eachCountedRoundTripIsTracedWithSegmentsThatAddUp() throws Exception {
        Path file = dir.resolve("trace.csv");
        SyncBench.rtt(Map.of("count", "512", "warmup", "100", "shared-loop", "true", "trace", file.toString()));
        List<String> lines = Files.readAllLines(file);
        assertEquals("startUs,totalUs,addUs,toBUs,backUs,cpuUs,allocBytes,gcs,jitMs", lines.get(0));
        assertEquals(513, lines.size(), "a header and one line per counted round trip");
        double lastStart = -1;
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            double start = Double.parseDouble(f[0]);
            double total = Double.parseDouble(f[1]);
            double add = Double.parseDouble(f[2]);
            double toB = Double.parseDouble(f[3]);
            double back = Double.parseDouble(f[4]);
            assertTrue(start > lastStart, "in the order run: " + line);
            lastStart = start;
            assertTrue(add >= 0 && toB >= 0 && back >= 0, "every segment was reached: " + line);
            // each printed to 0.1 µs: three roundings
            assertEquals(total, add + toB + back, 0.2, "the segments make up the round trip: " + line);
            assertTrue(Long.parseLong(f[6]) > 0, "the loop thread's allocation is counted: " + line);
        }
    }
}
