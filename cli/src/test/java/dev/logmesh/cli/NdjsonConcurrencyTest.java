package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Producers on several threads, small bounds: every line once, each producer's lines in its order. */
class NdjsonConcurrencyTest {
    @Test
    void linesOfSeveralProducersAreEachWrittenOnceInTheirOrder() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int producers = 4;
        int each = 5_000;
        try (Ndjson out = new Ndjson(new PrintStream(bytes, false, StandardCharsets.UTF_8), false, true, 16 * 1024,
                50)) {
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int id = p;
                Thread t = new Thread(() -> {
                    for (int i = 0; i < each; i++) {
                        if (i % 3 == 0) {
                            out.line("{\"p\":" + id + ",\"i\":" + i + "}");
                        } else {
                            out.add(NdjsonTest.entry("{\"type\":\"t\",\"p\":" + id + ",\"i\":" + i + ",\"s\":\"\u00e9\"}",
                                Meta.of(ActionId.of(1 + i, "n" + id, i), 1, List.of("r"))));
                        }
                        if (i % 2 == 0) {
                            try {
                                out.awaitRoom();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                return;
                            }
                        }
                    }
                });
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
        }
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split(System.lineSeparator(), -1);
        assertEquals(producers * each + 1, lines.length, "every line once, newline-terminated");
        Map<Integer, Integer> next = new HashMap<>();
        java.util.regex.Pattern pi = java.util.regex.Pattern.compile("\"p\":(\\d+),\"i\":(\\d+)");
        for (String l : java.util.Arrays.copyOf(lines, lines.length - 1)) {
            java.util.regex.Matcher m = pi.matcher(l);
            if (!m.find()) {
                throw new AssertionError(l);
            }
            int p = Integer.parseInt(m.group(1));
            int i = Integer.parseInt(m.group(2));
            assertEquals(next.getOrDefault(p, 0), i, l);
            next.put(p, i + 1);
        }
    }
}
