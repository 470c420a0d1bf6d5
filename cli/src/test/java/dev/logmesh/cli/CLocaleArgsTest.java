package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line in a C/POSIX locale ({@code LANG=C}, no {@code LC_ALL}: containers, services, cron): the JVM
 * decodes the arguments with the locale's charset, ASCII, and an argument's non-ASCII bytes arrive as U+FFFD. Before,
 * {@code add --name héllo} made the node id {@code h\uFFFD\uFFFDllo:…} and {@code user-token --user José} printed a
 * token for another user id, both silently (exit code 0). Now such an argument is refused, named, with what to do.
 * The bytes are given by the shell ({@code printf}), as a user's terminal gives them, whatever this JVM's locale.
 */
class CLocaleArgsTest {
    @TempDir
    Path dir;

    /** Runs {@code logmesh ARGS} under {@code LANG=C} alone, {@code ARGS} as shell words. */
    private CliProcess.Result runInCLocale(String shellArgs) throws Exception {
        List<String> java = CliProcess.command();
        StringBuilder cmd = new StringBuilder("exec");
        for (String part : java) {
            cmd.append(" '").append(part.replace("'", "'\\''")).append('\'');
        }
        cmd.append(' ').append(shellArgs).append(" </dev/null");
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", cmd.toString());
        String path = System.getenv("PATH");
        pb.environment().clear();
        pb.environment().put("PATH", path == null ? "/usr/bin:/bin" : path);
        pb.environment().put("LANG", "C");
        Process p = pb.start();
        CompletableFuture<String> out = CliProcess.readAll(p.getInputStream());
        CompletableFuture<String> err = CliProcess.readAll(p.getErrorStream());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "did not exit in 60 s");
        return new CliProcess.Result(p.exitValue(), out.join(), err.join());
    }


    @Test
    void aNodeNameTheLocaleCannotReadIsRefusedNotChanged() throws Exception {
        Path data = dir.resolve("n");
        CliProcess.Result r = runInCLocale("add --data '" + data + "' --name \"$(printf 'h\\303\\251llo')\"");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("LANG=C.UTF-8"), r.err());
        assertFalse(Files.exists(data.resolve(AddCommand.LOG_FILE)), "a log was made");
    }

    @Test
    void aUserTokenIsNotIssuedForAUserIdTheLocaleChanged() throws Exception {
        Path key = dir.resolve("mesh.key");
        Files.writeString(key, "c2VjcmV0LWtleS1vZi10aGUtbWVzaC0wMTIzNDU2Nzg5\n");
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        CliProcess.Result r = runInCLocale("user-token --key-file '" + key + "' --user \"$(printf 'Jos\\303\\251')\"");
        assertEquals(2, r.code(), "a token was printed: " + r.out() + r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains("--user"), r.err());
        // an ASCII argument is as before
        CliProcess.Result ascii = runInCLocale("user-token --key-file '" + key + "' --user Jose");
        assertEquals(0, ascii.code(), ascii.err());
        List<String> lines = new ArrayList<>(List.of(ascii.out().strip().split("\n")));
        assertTrue(lines.get(0).startsWith("lmu1."), ascii.out());
    }
}
