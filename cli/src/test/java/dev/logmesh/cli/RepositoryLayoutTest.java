package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The repository's top level holds what its README names and nothing else: a file a trial leaves behind (a
 * process list, a log, a data directory) and a {@code git commit -a} takes along is caught here, not by a user who
 * clones it. Before (session 43) a trial's {@code pids} file had been committed at the top level a session earlier.
 */
class RepositoryLayoutTest {
    private static final Set<String> TOP_LEVEL = Set.of(".ci", ".editorconfig", ".gitattributes", ".gitignore", ".mvn",
            "README.md", "pom.xml", "cli", "discovery", "docs", "examples", "interop", "node", "scripts");

    @Test
    void theTopLevelHoldsOnlyWhatTheReadmeNames() throws IOException, InterruptedException {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        assumeTrue(Files.exists(root.resolve(".git")), "not a git checkout: " + root);
        Process git = new ProcessBuilder("git", "-C", root.toString(), "ls-files", "-z")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String listed = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(git.waitFor(60, TimeUnit.SECONDS) && git.exitValue() == 0, "git ls-files did not run");
        Set<String> top = new TreeSet<>();
        int start = 0;
        for (int end = listed.indexOf('\0'); end >= 0; start = end + 1, end = listed.indexOf('\0', start)) {
            String file = listed.substring(start, end);
            int slash = file.indexOf('/');
            top.add(slash < 0 ? file : file.substring(0, slash));
        }
        Set<String> unexpected = new TreeSet<>(top);
        unexpected.removeAll(TOP_LEVEL);
        assertEquals(Set.of(), unexpected, "files at the repository's top level that it does not name (" + root
                + "): remove them, or add them to this test and the README's layout");
    }
}
