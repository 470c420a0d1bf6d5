package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/floor/floor.c}, the bare program whose round trips {@code scripts/bench-sync} prints as the floors
 * under its rtt rows: it builds with the machine's {@code cc}, each mode prints one JSON line with ordered
 * percentiles, the disk mode leaves nothing in its directory, {@code BUSY=N} runs a mode with N spinning threads and
 * says so, and a wrong command line (or a wrong {@code BUSY}) gets its usage (or what is wrong) and exit 2.
 * Skipped where there is no {@code cc} (bench-sync then prints "not measured").
 */
class FloorProgramTest {
    private static final Path SOURCE = Path.of(System.getProperty("user.dir")).getParent()
        .resolve("scripts").resolve("floor").resolve("floor.c");

    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) { }

    private Run run(String... command) throws IOException, InterruptedException {
        return run(java.util.Map.of(), command);
    }

    private Run run(java.util.Map<String, String> env, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(tmp.resolve("out").toFile())
            .redirectError(tmp.resolve("err").toFile());
        pb.environment().remove("BUSY");
        pb.environment().putAll(env);
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " ended");
        return new Run(p.exitValue(), Files.readString(tmp.resolve("out"), StandardCharsets.UTF_8),
            Files.readString(tmp.resolve("err"), StandardCharsets.UTF_8));
    }

    private static boolean hasCc() {
        String path = System.getenv().getOrDefault("PATH", "");
        return java.util.regex.Pattern.compile(":").splitAsStream(path)
            .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, "cc")));
    }

    @Test
    void eachModePrintsItsRoundTripsAndTheDiskModeCleansUp() throws Exception {
        assumeTrue(hasCc(), "no cc on the PATH");
        String floor = tmp.resolve("floor").toString();
        Run build = run("cc", "-O2", "-pthread", "-o", floor, SOURCE.toString());
        assertEquals(0, build.exit(), "cc: " + build.err());
        Path dir = Files.createDirectories(tmp.resolve("disk"));
        List<String[]> modes = new ArrayList<>();
        modes.add(new String[] {"tcp-loop", "200"});
        modes.add(new String[] {"tcp-threads", "200"});
        modes.add(new String[] {"fsync-rtt", "20", dir.toString()});
        ObjectMapper json = new ObjectMapper();
        for (String[] mode : modes) {
            List<String> command = new ArrayList<>(List.of(floor));
            command.addAll(List.of(mode));
            Run r = run(command.toArray(String[]::new));
            assertEquals(0, r.exit(), mode[0] + ": " + r.err());
            JsonNode line = json.readTree(r.out().strip());
            assertEquals(mode[0], line.path("floor").asText(), r.out());
            assertEquals(Integer.parseInt(mode[1]), line.path("count").asInt(), r.out());
            double p50 = line.path("p50Ms").asDouble(-1);
            double p90 = line.path("p90Ms").asDouble(-1);
            double p99 = line.path("p99Ms").asDouble(-1);
            double max = line.path("maxMs").asDouble(-1);
            assertTrue(p50 > 0 && p50 <= p90 && p90 <= p99 && p99 <= max, "ordered percentiles: " + r.out());
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "fsync-rtt removes its two files");
        }
        // BUSY=2: the same round trips with two spinners; the line says so, and the process ends with its report
        Run busy = run(java.util.Map.of("BUSY", "2"), floor, "tcp-threads", "200");
        assertEquals(0, busy.exit(), busy.err());
        JsonNode line = json.readTree(busy.out().strip());
        assertEquals(2, line.path("busy").asInt(-1), busy.out());
        assertTrue(line.path("p50Ms").asDouble(-1) > 0, busy.out());
    }

    @Test
    void aWrongBusyIsRefused() throws Exception {
        assumeTrue(hasCc(), "no cc on the PATH");
        String floor = tmp.resolve("floor").toString();
        assertEquals(0, run("cc", "-O2", "-pthread", "-o", floor, SOURCE.toString()).exit());
        for (String busy : List.of("x", "-1", "65", "2x")) {
            Run r = run(java.util.Map.of("BUSY", busy), floor, "tcp-loop", "10");
            assertEquals(2, r.exit(), "BUSY=" + busy);
            assertTrue(r.err().startsWith("floor: BUSY must be a number of threads from 0 to 64"), r.err());
            assertEquals("", r.out());
        }
    }

    @Test
    void aWrongCommandLineGetsTheUsage() throws Exception {
        assumeTrue(hasCc(), "no cc on the PATH");
        String floor = tmp.resolve("floor").toString();
        assertEquals(0, run("cc", "-O2", "-pthread", "-o", floor, SOURCE.toString()).exit());
        for (String[] args : List.of(new String[] {"nope", "10"}, new String[] {"tcp-loop"},
                                     new String[] {"tcp-loop", "0"}, new String[] {"fsync-rtt", "10"})) {
            List<String> command = new ArrayList<>(List.of(floor));
            command.addAll(List.of(args));
            Run r = run(command.toArray(String[]::new));
            assertEquals(2, r.exit(), String.join(" ", args));
            assertTrue(r.err().startsWith("usage: floor "), r.err());
            assertEquals("", r.out());
        }
    }
}
