package dev.logmesh.internal.edge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.edge.UserTokens.Verdict;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class UserTokensTest {
    static final byte[] KEY = "a long random secret".getBytes(StandardCharsets.UTF_8);
    final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    final UserTokens tokens = UserTokens.forMesh(KEY, "home", now::get);

    @Test
    void aUsersTokenWorksForEveryClientAndTabOfThatUser() {
        String t = tokens.tokenFor("alice");
        assertTrue(t.startsWith("lmu1.0."));
        assertEquals(Verdict.VALID, tokens.check("alice:r4nd0m:tab1", t));
        assertEquals(Verdict.VALID, tokens.check("alice:other:tab9", t));
        assertEquals(Verdict.VALID, tokens.check("alice:r4nd0m", t));
        assertTrue(tokens.check("alice:x:y", t).accepted());
    }

    @Test
    void notForAnotherUser() {
        String t = tokens.tokenFor("alice");
        assertEquals(Verdict.WRONG, tokens.check("bob:r4nd0m:tab1", t));
        assertEquals(Verdict.WRONG, tokens.check("alicex:r:t", t));
        assertFalse(tokens.check("bob:r:t", t).accepted());
    }

    /**
     * A client's node id can hold an unpaired surrogate (its {@code connect} frame carries it as a JSON escape). The
     * MAC was taken over {@code getBytes(UTF_8)}, which writes {@code ?} for it: a token issued for {@code bob?} was
     * VALID for the users {@code bob} and any one of U+D800..U+DFFF (2048 other user ids), and one issued for such a
     * user for all the others. No such user id can hold a token now.
     */
    @Test
    void notForAUserIdThatDiffersInAnUnpairedSurrogate() {
        String t = tokens.tokenFor("bob?");
        assertEquals(Verdict.WRONG, tokens.check("bob\uDC00:r:t", t));
        assertEquals(Verdict.WRONG, tokens.check("bob\uD83D:r:t", t));
        assertThrows(IllegalArgumentException.class, () -> tokens.tokenFor("bob\uDC00"));
    }

    @Test
    void notFromAnotherKeyOrMesh() {
        String t = tokens.tokenFor("alice");
        assertEquals(Verdict.WRONG, UserTokens.forMesh("other".getBytes(StandardCharsets.UTF_8), "home", now::get)
            .check("alice:r:t", t));
        assertEquals(Verdict.WRONG, UserTokens.forMesh(KEY, "office", now::get).check("alice:r:t", t));
    }

    @Test
    void theDerivedKeyIssuesTheSameTokensButIsNotTheMeshKey() {
        byte[] derived = tokens.derivedKey();
        assertEquals(32, derived.length);
        assertFalse(java.util.Arrays.equals(KEY, derived));
        UserTokens appServer = UserTokens.fromDerivedKey(derived, now::get);
        assertEquals(tokens.tokenFor("alice"), appServer.tokenFor("alice"));
        assertEquals(Verdict.VALID, tokens.check("alice:r:t", appServer.tokenFor("alice")));
        derived[0] ^= 1;
        assertArrayEquals(appServer.derivedKey(), tokens.derivedKey());
        assertThrows(IllegalArgumentException.class, () -> UserTokens.fromDerivedKey(new byte[16], now::get));
    }

    @Test
    void expiry() {
        String t = tokens.tokenFor("alice", Instant.ofEpochMilli(now.get() + 60_000));
        assertEquals(Verdict.VALID, tokens.check("alice:r:t", t));
        now.addAndGet(59_999);
        assertEquals(Verdict.VALID, tokens.check("alice:r:t", t));
        now.addAndGet(1);
        assertEquals(Verdict.EXPIRED, tokens.check("alice:r:t", t));
        // changing the expiry breaks the mac
        String[] parts = t.split("\\.", -1);
        String longer = parts[0] + "." + (Long.parseLong(parts[1]) + 1_000_000) + "." + parts[2];
        assertEquals(Verdict.WRONG, tokens.check("alice:r:t", longer));
        assertThrows(IllegalArgumentException.class, () -> tokens.tokenFor("alice", Instant.EPOCH));
    }

    @Test
    void badInput() {
        String t = tokens.tokenFor("alice");
        assertEquals(Verdict.MISSING, tokens.check("alice:r:t", null));
        assertEquals(Verdict.MISSING, tokens.check("alice:r:t", ""));
        assertEquals(Verdict.NO_USER, tokens.check("client", t));
        assertEquals(Verdict.NO_USER, tokens.check(":r:t", t));
        assertEquals(Verdict.RESERVED_USER, tokens.check("server:r:t", t));
        for (String bad : new String[] {"x", "lmu1", "lmu1.", "lmu2.0.abc", "lmu1..abc", "lmu1.01.abc", "lmu1.-1.abc",
            "lmu1.12345678901234567.abc", "lmu1.0x.abc"}) {
            assertEquals(Verdict.MALFORMED, tokens.check("alice:r:t", bad), bad);
        }
        assertEquals(Verdict.WRONG, tokens.check("alice:r:t", t + "A"));
        assertEquals(Verdict.WRONG, tokens.check("alice:r:t", "lmu1.0."));
    }

    @Test
    void userIdsThatCannotBeTheUserPartAreRefused() {
        for (String bad : new String[] {"", "a:b", "a b", "server"}) {
            assertThrows(IllegalArgumentException.class, () -> tokens.tokenFor(bad), bad);
        }
        assertThrows(NullPointerException.class, () -> UserTokens.forMesh(KEY, null, now::get));
        assertThrows(IllegalArgumentException.class, () -> UserTokens.forMesh(new byte[0], "m", now::get));
    }

    @Property(tries = 300)
    void aTokenIsValidOnlyForItsUser(@ForAll @AlphaChars @NumericChars @StringLength(min = 1, max = 10) String a,
                                     @ForAll @AlphaChars @NumericChars @StringLength(min = 1, max = 10) String b) {
        Assume.that(!a.equals("server") && !b.equals("server"));
        String ta = tokens.tokenFor(a);
        assertEquals(Verdict.VALID, tokens.check(a + ":r:t", ta));
        if (!a.equals(b)) {
            assertEquals(Verdict.WRONG, tokens.check(b + ":r:t", ta));
            assertNotEquals(ta, tokens.tokenFor(b));
        }
    }
}
