package dev.logmesh.internal.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.NodeConfig;
import dev.logmesh.internal.edge.UserTokens;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A node's next key ({@code --next-key-file}): which nodes and clients meet while a mesh rotates, and bad input. */
class NextKeyTest {
    private static final byte[] K1 = "key-one".getBytes(StandardCharsets.UTF_8);
    private static final byte[] K2 = "key-two".getBytes(StandardCharsets.UTF_8);
    private static final long NOW = 1_700_000_000_000L;

    private static MeshAuth auth(byte[] key, byte[] next) {
        return new MeshAuth(key, next, "m", Duration.ofMinutes(5), () -> NOW);
    }

    /** Null if the dialer's connect is accepted and the listener's answer is accepted by the dialer; else why not. */
    private static String handshake(MeshAuth dialer, MeshAuth listener) {
        ObjectNode connect = MeshAuth.newObject();
        String nonce = dialer.nonce();
        dialer.putConnectProof(connect, "d:1", null, nonce);
        String refused = listener.checkConnect(connect, "d:1", "l:1");
        if (refused != null) {
            return refused;
        }
        ObjectNode connected = MeshAuth.newObject();
        listener.putConnectedProof(connected, "l:1", "d:1", nonce);
        return dialer.checkConnected(connected, "l:1", "d:1", nonce) ? null : "answer refused";
    }

    @Test
    void everyStageOfARotationMeetsItsNeighbours() {
        MeshAuth old = auth(K1, null);
        MeshAuth both = auth(K1, K2);
        MeshAuth fresh = auth(K2, null);
        for (MeshAuth[] pair : new MeshAuth[][] {{old, both}, {both, old}, {both, both}, {both, fresh},
            {fresh, both}, {fresh, fresh}, {old, old}}) {
            assertNull(handshake(pair[0], pair[1]), pair[0].keyId() + "/" + pair[0].nextKeyId() + " to "
                + pair[1].keyId() + "/" + pair[1].nextKeyId());
        }
    }

    @Test
    void theOldKeyAloneAndTheNewKeyAloneStillRefuseEachOther() {
        MeshAuth old = auth(K1, null);
        MeshAuth fresh = auth(K2, null);
        assertEquals("wrong key: the dialer proved another mesh key than the listener's (the dialer's key id is "
            + old.keyId() + ")", handshake(old, fresh));
        // a node on {K1, K3} meets no node on K2: both of its ids named
        MeshAuth other = auth(K1, "key-three".getBytes(StandardCharsets.UTF_8));
        assertEquals("wrong key: the dialer proved another mesh key than the listener's (the dialer's key ids are "
            + other.keyId() + " and, next, " + other.nextKeyId() + ")", handshake(other, fresh));
        assertTrue(fresh.wrongKeyHere().startsWith("; this node's key id is " + fresh.keyId() + ":"));
        assertTrue(auth(K1, K2).wrongKeyHere().startsWith("; this node's key id is " + old.keyId() + " (next key id "
            + fresh.keyId() + "):"));
    }

    @Test
    void aProofIsUsedOnceWhicheverKeyItMatches() {
        MeshAuth both = auth(K1, K2);
        ObjectNode connect = MeshAuth.newObject();
        auth(K2, null).putConnectProof(connect, "d:1", null, "n1");
        assertNull(both.checkConnect(connect, "d:1", "l:1"));
        assertEquals("replayed proof", both.checkConnect(connect, "d:1", "l:1"));
    }

    @Test
    void clientTokensOfEitherKeyAreAcceptedAndMadeUnderTheCurrentOne() {
        MeshAuth both = auth(K1, K2);
        assertTrue(both.checkToken("c:1", auth(K1, null).tokenFor("c:1")));
        assertTrue(both.checkToken("c:1", auth(K2, null).tokenFor("c:1")));
        assertEquals(auth(K1, null).tokenFor("c:1"), both.tokenFor("c:1"));
        assertFalse(auth(K2, null).checkToken("c:1", auth(K1, null).tokenFor("c:1")));

        UserTokens users = UserTokens.forMesh(K1, K2, "m", () -> NOW);
        String byOld = UserTokens.forMesh(K1, "m", () -> NOW).tokenFor("alice");
        String byNew = UserTokens.forMesh(K2, "m", () -> NOW).tokenFor("alice");
        assertEquals(UserTokens.Verdict.VALID, users.check("alice:c:t", byOld));
        assertEquals(UserTokens.Verdict.VALID, users.check("alice:c:t", byNew));
        assertEquals(byOld, users.tokenFor("alice"));
        assertEquals(UserTokens.Verdict.WRONG, users.check("bob:c:t", byNew));
        assertEquals(UserTokens.Verdict.WRONG, UserTokens.forMesh(K2, "m", () -> NOW).check("alice:c:t", byOld));
    }

    @Test
    void aNextKeyThatIsEmptyTheSameOrWithoutAKeyIsRefused() {
        assertEquals("next mesh key must not be empty", assertThrows(IllegalArgumentException.class,
            () -> auth(K1, new byte[0])).getMessage());
        assertEquals("the next mesh key is the same as the current one (key id " + MeshAuth.keyId(K1) + "): give "
            + "the new key as the next key", assertThrows(IllegalArgumentException.class,
                () -> auth(K1, K1.clone())).getMessage());
        NodeConfig.Builder open = NodeConfig.builder().nextKey(K2);
        assertTrue(assertThrows(IllegalArgumentException.class, open::build).getMessage()
            .startsWith("a next mesh key needs a current one"));
        NodeConfig.Builder same = NodeConfig.builder().key(K1).nextKey(K1.clone());
        assertTrue(assertThrows(IllegalArgumentException.class, same::build).getMessage()
            .startsWith("the next mesh key is the same as the current one"));
        NodeConfig.Builder empty = NodeConfig.builder().key(K1).nextKey(new byte[0]);
        assertEquals("next mesh key must not be empty",
            assertThrows(IllegalArgumentException.class, empty::build).getMessage());
        assertEquals(MeshAuth.keyId(K2), MeshAuth.keyId(NodeConfig.builder().key(K1).nextKey(K2).build().nextKey()));
    }
}
