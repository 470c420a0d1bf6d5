package dev.logmesh.internal.edge;

import dev.logmesh.internal.log.JsonTrees;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Per-user tokens for the clients of a keyed mesh: {@code lmu1.<expires>.<mac>}, where {@code mac} is an
 * HMAC-SHA256 of the user id and the expiry under a key derived from the mesh key and the mesh name.
 *
 * <h2>Why</h2>
 * A browser tab gets a new node id ({@code user:random:tab}) every time it opens, so a token per node id would
 * need the mesh key in the browser. A token per user does not change with the tab: an application server
 * that holds the mesh key (or only the {@link #derivedKey() derived key}) hands each signed-in user their token,
 * and the node checks it against the user part of the id the client connects with.
 *
 * <h2>Trust model</h2>
 * <ul>
 *   <li>A token proves "someone with the key issued this for user U". Whoever holds it can connect as any client
 *       and tab of U, add actions with ids of that client only (the edge checks them), receive what is addressed
 *       to U (plus unaddressed entries under {@link Delivery.Unaddressed#EVERY_CLIENT}), and subscribe to the
 *       channels the hooks allow. It cannot act as another user, a node of the mesh, or a client of U that it
 *       is not connected as.</li>
 *   <li>It is a bearer token: replayable by anyone who sees it. Send it over {@code wss://} (or on a LAN you
 *       trust), and give it an expiry ({@link #tokenFor(String, Instant)}). To revoke tokens before they
 *       expire, change the mesh key (every token and node proof changes).</li>
 *   <li>The derived key is separate from the mesh key by construction (HMAC with a fixed label and the mesh
 *       name): an application server given only the derived key can issue user tokens but cannot join the
 *       mesh as a node, and a user token is never a valid node proof or per-node token.</li>
 *   <li>The user id {@code server} is refused ({@code @logux/server} reserves it), and so are ids with
 *       {@code :} or spaces (they could not be the user part of a node id).</li>
 * </ul>
 * Thread-safe.
 */
public final class UserTokens {
    /** The prefix of tokens of this format. */
    public static final String VERSION = "lmu1";
    private static final String LABEL = "logmesh user tokens v1\n";

    private final byte[] derived;
    /** The derived key of the mesh's next key (tokens under it are accepted too), or null. */
    private final byte[] nextDerived;
    private final LongSupplier clock;

    private UserTokens(byte[] derived, byte[] nextDerived, LongSupplier clock) {
        this.derived = derived;
        this.nextDerived = nextDerived;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Tokens of a mesh that rotates from {@code meshKey} to {@code nextKey}: issued under the current key, accepted
     * under either (an application server may switch to the next key's derived key once every node holds it).
     *
     * @param nextKey the next key, or null (then as {@link #forMesh(byte[], String, LongSupplier)})
     */
    public static UserTokens forMesh(byte[] meshKey, byte[] nextKey, String mesh, LongSupplier clock) {
        UserTokens current = forMesh(meshKey, mesh, clock);
        if (nextKey == null) {
            return current;
        }
        if (nextKey.length == 0) {
            throw new IllegalArgumentException("next mesh key must not be empty");
        }
        return new UserTokens(current.derived, hmac(nextKey, LABEL + mesh), clock);
    }

    /**
     * Tokens of a mesh.
     *
     * @param meshKey the mesh's secret key (not empty)
     * @param mesh    the mesh name (part of the derivation: tokens of one mesh are not valid in another)
     * @param clock   wall clock in ms, for expiry
     */
    public static UserTokens forMesh(byte[] meshKey, String mesh, LongSupplier clock) {
        if (meshKey == null || meshKey.length == 0) {
            throw new IllegalArgumentException("mesh key must not be empty");
        }
        Objects.requireNonNull(mesh, "mesh");
        return new UserTokens(hmac(meshKey, LABEL + mesh), null, clock);
    }

    /** Tokens from a derived key alone (what an application server that issues tokens holds). */
    public static UserTokens fromDerivedKey(byte[] derivedKey, LongSupplier clock) {
        if (derivedKey == null || derivedKey.length != 32) {
            throw new IllegalArgumentException("a derived key has 32 bytes");
        }
        return new UserTokens(derivedKey.clone(), null, clock);
    }

    /** The key that issues and checks user tokens, and nothing else. */
    public byte[] derivedKey() {
        return derived.clone();
    }

    /**
     * A token for a user that does not expire.
     *
     * @throws IllegalArgumentException for a user id that cannot be a node id's user part, or {@code server}
     */
    public String tokenFor(String userId) {
        return make(userId, 0);
    }

    /**
     * A token for a user, valid until {@code expires}; one after {@link #MAX_EXPIRES_MILLIS} (the year 318857, up to
     * {@link Instant#MAX}) is valid until then, as good as never. Before session 26 such an expiry made a token that
     * every node refused as malformed (more than 16 digits), or, beyond {@code Long.MAX_VALUE} ms, an
     * {@link ArithmeticException}.
     *
     * @throws IllegalArgumentException for an expiry not after 1970, or a user id as {@link #tokenFor(String)}
     */
    public String tokenFor(String userId, Instant expires) {
        if (!expires.isAfter(Instant.EPOCH)) {
            throw new IllegalArgumentException("expiry must be after 1970: " + expires);
        }
        long ms = expires.isAfter(Instant.ofEpochMilli(MAX_EXPIRES_MILLIS)) ? MAX_EXPIRES_MILLIS
            : expires.toEpochMilli();
        return make(userId, ms);
    }

    /** The latest expiry a token holds (ms since 1970): the most that {@link #check} reads, 16 digits. */
    public static final long MAX_EXPIRES_MILLIS = 9_999_999_999_999_999L;

    private String make(String userId, long expires) {
        requireUserId(userId);
        return VERSION + "." + expires + "." + mac(derived, userId, expires);
    }

    /** Checks that a user id can be issued a token. */
    public static String requireUserId(String userId) {
        if (userId == null || userId.isEmpty()) {
            throw new IllegalArgumentException("user id must not be empty");
        }
        if (userId.indexOf(':') >= 0 || userId.indexOf(' ') >= 0) {
            throw new IllegalArgumentException("user id must not contain \":\" or spaces: \"" + userId + "\"");
        }
        if (ClientId.SERVER.equals(userId)) {
            throw new IllegalArgumentException("user id \"server\" is reserved");
        }
        if (JsonTrees.unpairedSurrogate(userId) >= 0) {
            // no UTF-8 form: the MAC's bytes would hold '?' for it, the same as for 2047 other user ids
            throw new IllegalArgumentException("user id must not hold an unpaired surrogate (U+D800..U+DFFF)");
        }
        return userId;
    }

    /** The result of {@link #check}. */
    public enum Verdict {
        /** The token was issued for the id's user and has not expired. */
        VALID,
        /** No token was sent. */
        MISSING,
        /** Not a token of this format. */
        MALFORMED,
        /** The node id has no user part (one-part ids cannot use user tokens). */
        NO_USER,
        /** The id's user is {@code server}. */
        RESERVED_USER,
        /** Issued for another user, or by another key or mesh, or altered. */
        WRONG,
        /** Valid but past its expiry. */
        EXPIRED;

        /** Whether the client may connect. */
        public boolean accepted() {
            return this == VALID;
        }
    }

    /** Checks the token a client sent in {@code connect} against the user part of its node id. */
    public Verdict check(String nodeId, String token) {
        ClientId id = ClientId.parse(nodeId);
        if (token == null || token.isEmpty()) {
            return Verdict.MISSING;
        }
        if (!id.hasUser()) {
            return Verdict.NO_USER;
        }
        if (id.isReservedServer()) {
            return Verdict.RESERVED_USER;
        }
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        if (second < 0 || !VERSION.equals(token.substring(0, first))) {
            return Verdict.MALFORMED;
        }
        String exp = token.substring(first + 1, second);
        if (exp.isEmpty() || exp.length() > 16 || !exp.chars().allMatch(c -> c >= '0' && c <= '9')
            || (exp.length() > 1 && exp.charAt(0) == '0')) {
            return Verdict.MALFORMED;
        }
        long expires = Long.parseLong(exp);
        if (JsonTrees.unpairedSurrogate(id.userId()) >= 0) {
            return Verdict.WRONG; // no token is issued for such a user (requireUserId): one for "bob?" would match
        }
        byte[] given = token.substring(second + 1).getBytes(StandardCharsets.US_ASCII);
        boolean ok = MessageDigest.isEqual(given, mac(derived, id.userId(), expires).getBytes(StandardCharsets.US_ASCII));
        if (nextDerived != null) {
            ok |= MessageDigest.isEqual(given, mac(nextDerived, id.userId(), expires)
                .getBytes(StandardCharsets.US_ASCII));
        }
        if (!ok) {
            return Verdict.WRONG;
        }
        if (expires != 0 && clock.getAsLong() >= expires) {
            return Verdict.EXPIRED;
        }
        return Verdict.VALID;
    }

    private static String mac(byte[] derived, String userId, long expires) {
        byte[] m = hmac(derived, VERSION + "\n" + userId + "\n" + expires);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(m);
    }

    private static byte[] hmac(byte[] key, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java 17 runtime", e);
        }
    }
}
