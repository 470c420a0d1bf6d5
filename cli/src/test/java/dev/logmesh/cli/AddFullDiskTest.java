package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logmesh.testkit.Tmpfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code logmesh add} on a disk that fills up (a 2 MiB tmpfs of the test's own, root only) says how many of its lines
 * are in the log and from which line on none is, and that account is the log's: each line said added is in it once,
 * none after. Before (break39) it said only {@code add failed on ...: the disk is full (...); nothing of this add was
 * written} with exit code 2, after 1,000 or 2,000 lines had been added (given again, they were added twice), and an
 * add whose lines were all in the log but whose close could not checkpoint said only the close's failure, exit 2.
 */
class AddFullDiskTest {
    @RegisterExtension
    final Tmpfs.Mount tmpfs = new Tmpfs.Mount(2, "the full-disk add test");

    private static final int LINES = 3000;
    private static final Pattern ADDED = Pattern.compile("added (\\d+) action\\(s\\)");
    private static final Pattern NOT_ADDED = Pattern.compile("not added: line (\\d+) and every line after it");

    /** Free space left before the add (KiB): the disk fills at the first batch, mid-way, or only at the close. */
    @ParameterizedTest
    @ValueSource(ints = {380, 600, 730, 880, 1380})
    void everyLineIsSaidAddedOrNotAsTheLogHoldsIt(int freeKib) throws Exception {
        String data = tmpfs.path().resolve("d").toString();
        CliTest.Run first = CliTest.run(lines(1, 10), "add", "--data", data, "--name", "full");
        assertEquals(0, first.code(), first.err());
        Path filler = tmpfs.path().resolve("filler");
        long usable = Files.getFileStore(tmpfs.path()).getUsableSpace();
        Files.write(filler, new byte[(int) Math.max(0, usable - freeKib * 1024L)]);

        CliTest.Run add = CliTest.run(lines(11, LINES), "add", "--data", data);
        Files.delete(filler);

        Matcher added = ADDED.matcher(add.err());
        assertTrue(added.find(), "no count of the lines added: " + add.err());
        int n = Integer.parseInt(added.group(1));
        Matcher notAdded = NOT_ADDED.matcher(add.err());
        boolean cut = notAdded.find();
        if (cut) {
            assertEquals(2, add.code(), add.err());
            assertEquals(n + 1, Integer.parseInt(notAdded.group(1)), add.err());
        } else {
            assertEquals(0, add.code(), add.err());
            assertEquals(LINES - 10, n, add.err());
        }
        CliTest.Run log = CliTest.run("", "log", "--data", data);
        assertEquals(0, log.code(), log.err());
        List<Integer> held = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : log.out().lines().toList()) {
            JsonNode pair = json.readTree(line);
            held.add(pair.get(0).get("n").asInt());
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 1; i <= 10 + n; i++) {
            expected.add(i);
        }
        assertEquals(expected, held, "the log is not what add said (" + add.err().strip() + ")");
    }

    /**
     * 6,000 lines of ~330 bytes into a log alone on the 2 MiB disk: they go in transactions within the store's write
     * budget, so the log, not its WAL, fills the disk, and what add says is what the log holds. Before (disk40) each
     * batch of 1,000 lines was one transaction: the fourth's WAL took the room its checkpoint needed, and the log
     * stayed wedged at 3,000 lines with a 1 MB WAL beside a 1 MB main file (every later add refused): "the WAL holds
     * the disk: 1011712 bytes".
     */
    @org.junit.jupiter.api.Test
    void aLargeAddFillsTheDiskWithTheLogNotWithItsWal() throws Exception {
        String data = tmpfs.path().resolve("d").toString();
        CliTest.Run add = CliTest.run(lines(1, 6000), "add", "--data", data, "--name", "full");

        Path wal = tmpfs.path().resolve("d").resolve("log.db-wal");
        long walBytes = Files.exists(wal) ? Files.size(wal) : 0;
        assertTrue(walBytes <= 256 * 1024, "the WAL holds the disk: " + walBytes + " bytes (" + add.err().strip()
            + ")");
        Matcher added = ADDED.matcher(add.err());
        assertTrue(added.find(), "no count of the lines added: " + add.err());
        int n = Integer.parseInt(added.group(1));
        assertTrue(n >= 3500, "the log took " + n + " lines of 6000 on 2 MiB: " + add.err());
        CliTest.Run log = CliTest.run("", "log", "--data", data);
        assertEquals(0, log.code(), log.err());
        assertEquals(n, log.out().lines().count(), "the log is not what add said (" + add.err().strip() + ")");
    }

    /**
     * The add on a full disk, run as a user runs it (a process: its stderr whole, with the store's log lines), gives one
     * account: what was added, from which line on nothing was and why (the disk is full, with the room left), exit 2.
     * Before (ux41) the store's {@code add failed on ...: ...; the store goes on as soon as space is freed; nothing
     * of this add was written} and its WARN/ERROR lines ("trying again", "nothing of this close was written") stood
     * beside add's own "added 1000 action(s); not added: line 1001 ...".
     */
    @org.junit.jupiter.api.Test
    void aFullDiskAddSaysOneAccountWithTheReason() throws Exception {
        String data = tmpfs.path().resolve("d").toString();
        assertEquals(0, CliTest.run(lines(1, 10), "add", "--data", data, "--name", "full").code());
        Path filler = tmpfs.path().resolve("filler");
        long usable = Files.getFileStore(tmpfs.path()).getUsableSpace();
        Files.write(filler, new byte[(int) Math.max(0, usable - 600 * 1024L)]);

        // stdin from a file (not on the full disk): the add stops reading it at the failure
        Path in = Files.createTempFile("add-full-disk", ".ndjson");
        Files.writeString(in, lines(11, LINES));
        Process p = new ProcessBuilder(CliProcess.command("add", "--data", data)).redirectInput(in.toFile()).start();
        java.util.concurrent.CompletableFuture<String> err = CliProcess.readAll(p.getErrorStream());
        CliProcess.readAll(p.getInputStream());
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "add did not exit in 60 s");
        CliProcess.Result add = new CliProcess.Result(p.exitValue(), "", err.join());
        Files.delete(in);
        Files.delete(filler);

        assertEquals(2, add.code(), add.err());
        List<String> said = add.err().lines().toList();
        assertEquals(1, said.size(), "more than one account: " + add.err());
        Matcher added = ADDED.matcher(said.get(0));
        Matcher notAdded = NOT_ADDED.matcher(said.get(0));
        assertTrue(added.find() && notAdded.find(), add.err());
        assertEquals(Integer.parseInt(added.group(1)) + 1, Integer.parseInt(notAdded.group(1)), add.err());
        assertTrue(Pattern.compile("because the disk is full \\(\\d+ KiB free where log.db is\\): free some space")
            .matcher(said.get(0)).find(), add.err());
        for (String contradiction : List.of("nothing of this", "goes on as soon as", "trying again")) {
            assertTrue(!add.err().contains(contradiction), "\"" + contradiction + "\" in: " + add.err());
        }
    }

    private static String lines(int from, int to) {
        StringBuilder in = new StringBuilder();
        for (int i = from; i <= to; i++) {
            in.append("{\"type\":\"t/a\",\"n\":").append(i).append(",\"pad\":\"").append("x".repeat(300))
                .append("\"}\n");
        }
        return in.toString();
    }
}
