package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code scripts/bench-* --help} (the README's Performance table lists them) prints the script's header comment, all
 * of it and nothing else, exits 0, and builds or runs nothing. A new user's trial (2026-12-02): {@code bench-store
 * --help} took {@code --help} for its directory and ran the SQLite benchmark in {@code ./--help} (200 MB, an unlocked
 * minute of fsyncs on the shared machine); {@code bench-gossip} and {@code bench-overlay} ignored it and ran;
 * {@code bench-netns --help} said "illegal option" and exited 2; {@code bench-sync --help} stopped 7 lines short of its
 * header, {@code bench-cold} and {@code bench-netns} printed their {@code set -euo pipefail} line too. Each script runs
 * from a copy, with {@code mvn}, {@code java}, {@code node} and {@code npm} on the {@code PATH} stubs that leave a
 * mark and fail, so a script that goes past its options is caught without a build or a benchmark.
 */
class BenchScriptsHelpTest {
    private static final Path SCRIPTS = Path.of(System.getProperty("user.dir")).getParent().resolve("scripts");

    @TempDir
    Path tmp;

    /** The header: the comment lines after the shebang, up to the first other line, without their "# ". */
    static List<String> header(Path script) throws IOException {
        List<String> lines = Files.readAllLines(script, StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (!line.startsWith("#")) {
                break;
            }
            out.add(line.startsWith("# ") ? line.substring(2) : line.substring(1));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"bench-cold", "bench-gossip", "bench-netns", "bench-overlay", "bench-store", "bench-sync"})
    void helpPrintsTheWholeHeaderAndRunsNothing(String name) throws Exception {
        Path root = tmp.resolve("clone");
        Path scripts = Files.createDirectories(root.resolve("scripts"));
        Files.copy(SCRIPTS.resolve(name), scripts.resolve(name), StandardCopyOption.COPY_ATTRIBUTES);
        Files.createDirectories(scripts.resolve("lib"));
        try (Stream<Path> libs = Files.list(SCRIPTS.resolve("lib"))) {
            for (Path p : (Iterable<Path>) libs::iterator) {
                Files.copy(p, scripts.resolve("lib").resolve(p.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path mark = tmp.resolve("ran");
        for (String tool : List.of("mvn", "java", "node", "npm")) {
            Path stub = bin.resolve(tool);
            Files.writeString(stub, "#!/bin/sh\necho " + tool + " \"$@\" >> '" + mark + "'\nexit 1\n");
            assertTrue(stub.toFile().setExecutable(true));
        }
        List<String> expected = header(scripts.resolve(name));
        assertTrue(expected.size() > 0, name + " has a header");

        for (String flag : List.of("--help", "-h")) {
            ProcessBuilder pb = new ProcessBuilder("bash", scripts.resolve(name).toString(), flag).directory(root.toFile())
                .redirectError(tmp.resolve("stderr").toFile()).redirectOutput(tmp.resolve("stdout").toFile());
            pb.environment().put("PATH", bin + ":/usr/bin:/bin");
            Process p = pb.start();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), name + " " + flag + " ended");
            String err = Files.readString(tmp.resolve("stderr"));
            assertFalse(Files.exists(mark), name + " " + flag + " ran " + (Files.exists(mark) ? Files.readString(mark) : ""));
            assertEquals(0, p.exitValue(), name + " " + flag + " exit; stderr: " + err);
            assertEquals(expected, Files.readAllLines(tmp.resolve("stdout")), name + " " + flag + " prints its header");
            try (Stream<Path> made = Files.list(root)) {
                assertEquals(List.of(scripts), made.toList(), name + " " + flag + " made nothing in the clone");
            }
        }
    }
}
