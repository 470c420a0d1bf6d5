package dev.logmesh.internal.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mutual authentication of two mesh nodes that share a secret key, carried in the {@code connect} and
 * {@code connected} options under {@code "logmesh"} (a stock Logux peer ignores that key).
 *
 * <h2>Proofs</h2>
 * <ol>
 *   <li>The dialer sends a fresh nonce {@code nc}, its clock {@code ts}, the node id it expects to reach
 *       ({@code to}, or {@code "*"} when it does not know it yet) and
 *       {@code HMAC(key, "connect", mesh, dialer, to, nc, ts)}.</li>
 *   <li>The listener accepts it if the HMAC matches, {@code to} is its id or {@code "*"}, {@code ts} is
 *       within {@link #window} of its clock and {@code nc} was not used before within that window (a bounded
 *       cache): a replayed connect fails.</li>
 *   <li>The listener answers with its own nonce {@code ns} and {@code HMAC(key, "connected", mesh, listener,
 *       dialer, nc, ns)}. The dialer checks it against the nonce it just made: a replayed answer fails.</li>
 * </ol>
 * Weaker path for a stock Logux client, which cannot compute proofs: {@code options.token} equal to
 * {@link #tokenFor tokenFor(nodeId)}, a per-node-id token derived from the key. It proves the client got the
 * token from someone with the key, but it can be replayed by anyone who saw it (use wss).
 *
 * <h2>Rotating the key</h2>
 * A node may hold a next key beside its current one ({@code --next-key-file}). It then proves both in one
 * {@code connect}: {@code proof} and {@code kid} under the current key, as a node with one key does, and
 * {@code next: {kid, proof}} under the next key; a listener accepts a connect whose proof under either of its keys
 * matches either proof, and answers in {@code connected} the same way, which the dialer checks under either of its
 * keys. So a node on {K1, K2} meets a node on K1 alone and a node on K2 alone at the first dial, with no refused
 * handshake (none counted by the brute-force limiter, no refusal back-off), and a node on K1 alone and one on K2
 * alone still refuse each other. Tokens of stock clients ({@link #tokenFor}) are accepted under either key and made
 * under the current one.
 *
 * <p>Thread-safe.
 */
public final class MeshAuth {
    /** The options key under which mesh information travels. */
    public static final String OPTION = "logmesh";
    /** Default clock window for a connect proof. */
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);

    private final byte[] key;
    /** The next key (accepted and proved beside {@link #key} while the mesh rotates to it), or null. */
    private final byte[] next;
    private final String mesh;
    private final long window;
    private final LongSupplier clock;
    private final Cache<String, Boolean> usedNonces;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param key    the shared secret (at least 1 byte; use 16 or more random bytes)
     * @param mesh   the mesh name
     * @param window how far a proof's timestamp may be from this node's clock
     * @param clock  wall clock in ms
     */
    public MeshAuth(byte[] key, String mesh, Duration window, LongSupplier clock) {
        this(key, null, mesh, window, clock);
    }

    /**
     * A node's authentication while its mesh rotates from {@code key} to {@code next} (see the class notes).
     *
     * @param key  the current shared secret (at least 1 byte)
     * @param next the next one (at least 1 byte, not equal to {@code key}), or null for none
     * @throws IllegalArgumentException for an empty key or next key, or a next key equal to the key
     */
    public MeshAuth(byte[] key, byte[] next, String mesh, Duration window, LongSupplier clock) {
        if (key == null || key.length == 0) {
            throw new IllegalArgumentException("mesh key must not be empty");
        }
        checkNext(key, next);
        this.key = key.clone();
        this.next = next == null ? null : next.clone();
        this.mesh = mesh;
        this.window = window.toMillis();
        this.clock = clock;
        Ticker ticker = () -> clock.getAsLong() * 1_000_000L;
        this.usedNonces = Caffeine.newBuilder()
            .ticker(ticker)
            .expireAfterWrite(window.multipliedBy(2))
            .maximumSize(1_000_000)
            .build();
    }

    /**
     * Checks a next key beside {@code key}: null (none) passes.
     *
     * @throws IllegalArgumentException for an empty next key, or one equal to {@code key}
     */
    public static void checkNext(byte[] key, byte[] next) {
        if (next == null) {
            return;
        }
        if (next.length == 0) {
            throw new IllegalArgumentException("next mesh key must not be empty");
        }
        if (key == null) {
            throw new IllegalArgumentException("a next mesh key needs a current one: an open mesh takes a key by a "
                + "restart of every node");
        }
        if (MessageDigest.isEqual(key, next)) {
            throw new IllegalArgumentException("the next mesh key is the same as the current one (key id "
                + keyId(key) + "): give the new key as the next key");
        }
    }

    /** The mesh name. */
    public String mesh() {
        return mesh;
    }

    /** The clock window in ms. */
    public long window() {
        return window;
    }

    /** A fresh random nonce. */
    public String nonce() {
        byte[] b = new byte[18];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /**
     * The dialer's proof, put into {@code options}, with its {@link #keyId key id} ({@code kid}): a listener that
     * refuses the proof for another key names both ids, so an operator can tell which node holds another key.
     */
    public void putConnectProof(ObjectNode mine, String dialer, String expected, String nonce) {
        long ts = clock.getAsLong();
        String to = expected == null ? "*" : expected;
        mine.put("nonce", nonce);
        mine.put("ts", ts);
        mine.put("to", to);
        mine.put("proof", hmac(key, "connect", mesh, dialer, to, nonce, Long.toString(ts)));
        mine.put("kid", keyId());
        if (next != null) {
            mine.putObject("next").put("kid", keyId(next))
                .put("proof", hmac(next, "connect", mesh, dialer, to, nonce, Long.toString(ts)));
        }
    }

    /** How {@link #checkConnect} says a proof made with another key begins. */
    public static final String WRONG_KEY = "wrong key";

    /**
     * This key's id: 8 hex digits of {@code HMAC-SHA256(key, "logmesh key id")}, the same on every node given the same key, for an
     * operator to compare (each node says it in its {@code ready} line). It tells nothing a proof does not: a dialer's
     * proof is an HMAC under the key of values anyone on the link sees, so a weak key can be guessed offline from it
     * as from its id. A listener says its own id only locally, never to a dialer it refuses.
     */
    public String keyId() {
        return keyId(key);
    }

    /** {@link #keyId()} of the next key, or null without one. */
    public String nextKeyId() {
        return next == null ? null : keyId(next);
    }

    /** {@link #keyId()} of {@code key} (at least 1 byte). */
    public static String keyId(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] h = mac.doFinal("logmesh key id".getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(h, 0, 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /**
     * What a listener says of a dialer refused for another key, beyond {@link #checkConnect}'s words (which the dialer
     * is told too): its own key id and how to tell whose key is wrong; said only where the listener runs.
     */
    public String wrongKeyHere() {
        return "; this node's key id is " + keyId() + (next == null ? "" : " (next key id " + nextKeyId() + ")")
            + ": the node whose key id the other nodes do not share has the "
            + "wrong key (each node says its id in its ready line): give it the mesh's key file (--key-file)";
    }

    /** Why a dialer's proof was refused, or null if it is accepted (its nonce is then used up). */
    public String checkConnect(JsonNode theirs, String dialer, String listener) {
        if (theirs == null || !theirs.isObject()) {
            return "no mesh proof";
        }
        String nonce = text(theirs, "nonce");
        String to = text(theirs, "to");
        String proof = text(theirs, "proof");
        JsonNode ts = theirs.get("ts");
        if (nonce == null || to == null || proof == null || ts == null || !ts.canConvertToLong()) {
            return "incomplete mesh proof";
        }
        if (!to.equals("*") && !to.equals(listener)) {
            return "proof made for another node";
        }
        long off = ts.asLong() - clock.getAsLong();
        if (Math.abs(off) > window) {
            return clockRefusal(off, window);
        }
        JsonNode nextProof = theirs.get("next");
        String proof2 = nextProof != null && nextProof.isObject() ? text(nextProof, "proof") : null;
        if (!proves(proof2, proof, "connect", mesh, dialer, to, nonce,
            Long.toString(ts.asLong()))) {
            // whose key is wrong, neither end can know: the ids let an operator compare (before, session 36, "wrong
            // key" alone, which named neither key)
            String kid = text(theirs, "kid");
            String kid2 = proof2 == null ? null : text(nextProof, "kid");
            boolean one = kid != null && kid.matches("[0-9a-f]{8}");
            boolean two = kid2 != null && kid2.matches("[0-9a-f]{8}");
            return WRONG_KEY + ": the dialer proved another mesh key than the listener's"
                + (one && two ? " (the dialer's key ids are " + kid + " and, next, " + kid2 + ")"
                    : one ? " (the dialer's key id is " + kid + ")" : "");
        }
        if (usedNonces.asMap().putIfAbsent(nonce, Boolean.TRUE) != null) {
            return "replayed proof";
        }
        return null;
    }

    /**
     * Why a proof made {@code offMillis} away from this node's clock (positive: the dialer's clock is ahead) is
     * refused, in words an operator acts on: whose clock is off, by how much, and the bound ("the dialer's clock is
     * 60 min ahead of this node's: a mesh proof may be at most 5 min off; set the clocks right (NTP)"). Before
     * (session 32, an operator's trial: a node started 1 h ahead with faketime on a keyed LAN mesh) it was "proof
     * timestamp outside the 300000 ms window (clocks too far apart?)", the same on every node, which named neither
     * the offset nor its direction, so no operator could tell which machine's clock was wrong.
     */
    static String clockRefusal(long offMillis, long windowMillis) {
        return "the dialer's clock is " + span(Math.abs(offMillis)) + (offMillis > 0 ? " ahead of" : " behind")
            + " this node's: a mesh proof may be at most " + span(windowMillis) + " off; set the clocks right (NTP)";
    }

    /** A duration in words: whole hours from 2 h, whole minutes from 2 min, else seconds (one decimal below 10 s). */
    static String span(long millis) {
        if (millis >= 7_200_000) {
            return Math.round(millis / 3_600_000.0) + " h";
        }
        if (millis >= 120_000) {
            return Math.round(millis / 60_000.0) + " min";
        }
        if (millis >= 10_000 || millis % 1000 == 0) {
            return Math.round(millis / 1000.0) + " s";
        }
        return String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    /** The listener's answer, put into the {@code connected} options. */
    public void putConnectedProof(ObjectNode mine, String listener, String dialer, String dialerNonce) {
        String nonce = nonce();
        mine.put("nonce", nonce);
        mine.put("proof", hmac(key, "connected", mesh, listener, dialer, dialerNonce, nonce));
        if (next != null) {
            mine.putObject("next").put("proof", hmac(next, "connected", mesh, listener, dialer, dialerNonce, nonce));
        }
    }

    /** Whether the listener's answer proves the key for the nonce this dialer sent. */
    public boolean checkConnected(JsonNode theirs, String listener, String dialer, String myNonce) {
        if (theirs == null || !theirs.isObject()) {
            return false;
        }
        String nonce = text(theirs, "nonce");
        String proof = text(theirs, "proof");
        if (nonce == null || proof == null) {
            return false;
        }
        JsonNode n = theirs.get("next");
        String proof2 = n != null && n.isObject() ? text(n, "proof") : null;
        return proves(proof2, proof, "connected", mesh, listener, dialer, myNonce, nonce);
    }

    /**
     * Whether {@code proof} or {@code proof2} (null: none) is the HMAC of {@code parts} under this node's key or next
     * key. Every pair is compared (in constant time each), so the time taken does not say which matched.
     */
    private boolean proves(String proof2, String proof, String... parts) {
        boolean ok = false;
        for (byte[] k : next == null ? new byte[][] {key} : new byte[][] {key, next}) {
            String expected = hmac(k, parts);
            ok |= constantTimeEquals(expected, proof);
            if (proof2 != null) {
                ok |= constantTimeEquals(expected, proof2);
            }
        }
        return ok;
    }

    /** The token a stock Logux client with this node id may send to join (see class notes), under the current key. */
    public String tokenFor(String nodeId) {
        return hmac(key, "token", mesh, nodeId);
    }

    /** Whether a stock client's token is right for its node id, under the current key or the next one. */
    public boolean checkToken(String nodeId, String token) {
        return token != null && proves(null, token, "token", mesh, nodeId);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private static String hmac(byte[] key, String... parts) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            for (String p : parts) {
                // an unpaired surrogate as WTF-8: getBytes writes '?' for it, and x with U+DC00 had the token of "x?"
                byte[] b = dev.logmesh.internal.log.JsonTrees.wtf8(p);
                // length-prefixed, so ("ab","c") and ("a","bc") differ
                mac.update(new byte[] {(byte) (b.length >>> 24), (byte) (b.length >>> 16),
                    (byte) (b.length >>> 8), (byte) b.length});
                mac.update(b);
            }
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    /** A fresh options object (the node factory's, as a mapper's createObjectNode; no mapper made for it). */
    public static ObjectNode newObject() {
        return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    }
}
