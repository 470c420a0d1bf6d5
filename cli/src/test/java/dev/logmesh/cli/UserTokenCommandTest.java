package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.edge.UserTokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code logmesh user-token}: what an application server runs to hand a user their token. */
class UserTokenCommandTest {
    @Test
    void printsATokenTheNodesOfTheMeshAcceptForThatUser(@TempDir Path dir) throws Exception {
        Path key = Files.writeString(dir.resolve("mesh.key"), "a long random secret\n");
        CliTest.Run r = CliTest.run("", "user-token", "--key-file", key.toString(), "--mesh", "home", "--user", "alice");
        assertEquals(0, r.code(), r.err());
        String token = r.out().strip();
        UserTokens check = UserTokens.forMesh("a long random secret".getBytes(StandardCharsets.UTF_8), "home",
            System::currentTimeMillis);
        assertEquals(UserTokens.Verdict.VALID, check.check("alice:Xk3v9QaB:tab1", token));
        assertEquals(UserTokens.Verdict.WRONG, check.check("bob:Xk3v9QaB:tab1", token));

        // the derived key issues the same tokens, without the mesh key
        CliTest.Run derived = CliTest.run("", "user-token", "--key-file", key.toString(), "--mesh", "home",
            "--print-derived-key");
        Path derivedFile = Files.writeString(dir.resolve("derived.key"), derived.out());
        CliTest.Run again = CliTest.run("", "user-token", "--derived-key-file", derivedFile.toString(), "--user", "alice");
        assertEquals(token, again.out().strip());

        CliTest.Run expiring = CliTest.run("", "user-token", "--key-file", key.toString(), "--mesh", "home", "--user",
            "alice", "--expires-in", "12h");
        assertEquals(UserTokens.Verdict.VALID, check.check("alice:x:y", expiring.out().strip()));
        assertTrue(expiring.out().startsWith("lmu1.1"), expiring.out());

        // beyond 16 digits of ms (session 26: a token every node refused as malformed), a long of ms
        // ("ArithmeticException: long overflow", exit 1), a Duration's seconds, a long (session 27: "For input
        // string: ...", exit 2): valid until the year 318857
        for (String far : new String[] {"3000000000d", "200000000000d", "9223372036854775807d",
            "9223372036854775807s", "99999999999999999999d", "99999999999999999999999999s"}) {
            CliTest.Run r2 = CliTest.run("", "user-token", "--key-file", key.toString(), "--mesh", "home", "--user",
                "alice", "--expires-in", far);
            assertEquals(0, r2.code(), far + ": " + r2.err());
            assertEquals("lmu1.9999999999999999.", r2.out().substring(0, r2.out().lastIndexOf('.') + 1), far);
            assertEquals(UserTokens.Verdict.VALID, check.check("alice:x:y", r2.out().strip()), far);
        }
    }

    @Test
    void refusesWhatCannotBeAUser(@TempDir Path dir) throws Exception {
        Path key = Files.writeString(dir.resolve("mesh.key"), "k");
        CliTest.Run r = CliTest.run("", "user-token", "--key-file", key.toString(), "--user", "server");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("reserved"), r.err());
        assertEquals(2, CliTest.run("", "user-token", "--user", "alice").code());
        assertEquals(2, CliTest.run("", "user-token", "--key-file", key.toString(), "--user", "a", "--expires-in",
            "3w").code());
        // session 28: digits other than 0-9 (Long.parseLong reads them: a token valid for 7 days)
        CliTest.Run fullwidth = CliTest.run("", "user-token", "--key-file", key.toString(), "--user", "a",
            "--expires-in", "\uff17d");
        assertEquals(2, fullwidth.code(), fullwidth.out());
        assertTrue(fullwidth.err().contains("--expires-in '\uff17d' is not a duration: use the digits 0-9"),
            fullwidth.err());
    }
}
