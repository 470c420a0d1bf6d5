package dev.logmesh.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code SyncBench rtt --warmup-jit-quiet-ms Q}: the counted window begins only after the JIT has finished no compile
 * for Q ms, and the JSON line says when that was; without the option it says -1.
 */
class RttJitQuietTest {
    /** Runs {@code SyncBench rtt} with {@code options} and returns its JSON line. */
    private static JsonNode rtt(Map<String, String> options) throws Exception {
        PrintStream out = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            SyncBench.rtt(options);
        } finally {
            System.setOut(out);
        }
        String text = bytes.toString(StandardCharsets.UTF_8).strip();
        return new ObjectMapper().readTree(text.substring(text.lastIndexOf('\n') + 1));
    }

    @Test
    void theWindowBeginsAfterTheJitWasQuiet() throws Exception {
        JsonNode r = rtt(Map.of("count", "256", "warmup", "10", "shared-loop", "true", "warmup-jit-quiet-ms", "1"));
        assertTrue(r.get("jitQuietReached").asBoolean(), "the JIT went quiet for 1 ms: " + r);
        long quietAt = r.get("jitQuietAtMs").asLong();
        assertTrue(quietAt >= 0, "when, from the first round trip: " + r);
        assertTrue(r.get("warmupMs").asLong() >= quietAt, "the window's first round trip began after it: " + r);
    }

    @Test
    void withoutTheOptionNoQuietIsWaitedFor() throws Exception {
        JsonNode r = rtt(Map.of("count", "256", "warmup", "10", "shared-loop", "true"));
        assertEquals(-1, r.get("jitQuietAtMs").asLong(), r.toString());
        assertEquals(10, r.get("warmup").asLong(), "the window began after the 10 warm-up round trips: " + r);
    }
}
