package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --next-key-file}'s mistakes: one line naming the file and what to do, exit 2, no key in it. */
class NextKeyFileTest {

    private static String refused(String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "node";
        all[1] = "--memory";
        all[2] = "--no-mdns";
        all[3] = "--no-overlay";
        System.arraycopy(args, 0, all, 4, args.length);
        CliTest.Run r = CliTest.run("", all);
        assertEquals(2, r.code(), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(r.err().contains("old-secret") || r.err().contains("new-secret"), "no key said: " + r.err());
        return r.err().strip();
    }

    @Test
    void aNextKeyFileOfTheWrongShapeIdenticalOrEmpty(@TempDir Path dir) throws Exception {
        Path k1 = Files.writeString(dir.resolve("k1"), "old-secret\n");
        Path copy = Files.writeString(dir.resolve("copy"), "  old-secret  \n");
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        Path two = Files.writeString(dir.resolve("two"), "old-secret\nnew-secret\n");
        Path k2 = Files.writeString(dir.resolve("k2"), "new-secret\n");
        for (Path p : new Path[] {k1, copy, empty, two, k2}) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
        String same = refused("--key-file", k1.toString(), "--next-key-file", copy.toString());
        assertTrue(same.contains("--next-key-file " + copy + " holds the same key as --key-file " + k1 + ": ")
            && same.contains("give the new key as the next key"), same);
        String blank = refused("--key-file", k1.toString(), "--next-key-file", empty.toString());
        assertTrue(blank.contains("--next-key-file " + empty + " is empty: create it with"), blank);
        String lines = refused("--key-file", k1.toString(), "--next-key-file", two.toString());
        assertTrue(lines.contains("--next-key-file " + two + " has more than one line: the key is one line of text"),
            lines);
        // both keys in the key file: say where the next one goes
        String both = refused("--key-file", two.toString());
        assertTrue(both.contains("--key-file " + two + " has more than one line: the key is one line of text (to "
            + "rotate the key, give the new one in a file of its own as --next-key-file)"), both);
        String alone = refused("--next-key-file", k2.toString());
        assertTrue(alone.contains("--next-key-file needs --key-file (the current key)"), alone);
        String missing = refused("--key-file", k1.toString(), "--next-key-file", dir.resolve("nope").toString());
        assertTrue(missing.contains("--next-key-file " + dir.resolve("nope") + " does not exist"), missing);
    }
}
