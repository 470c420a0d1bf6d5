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
 * <p>Thread-safe.
 */
public final class MeshAuth {
    /** The options key under which mesh information travels. */
    public static final String OPTION = "logmesh";
    /** Default clock window for a connect proof. */
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);

    private final byte[] key;
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
        if (key == null || key.length == 0) {
            throw new IllegalArgumentException("mesh key must not be empty");
        }
        this.key = key.clone();
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
        mine.put("proof", hmac("connect", mesh, dialer, to, nonce, Long.toString(ts)));
        mine.put("kid", keyId());
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
        return "; this node's key id is " + keyId() + ": the node whose key id the other nodes do not share has the "
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
        String expected = hmac("connect", mesh, dialer, to, nonce, Long.toString(ts.asLong()));
        if (!constantTimeEquals(expected, proof)) {
            // whose key is wrong, neither end can know: the ids let an operator compare (before, session 36, "wrong
            // key" alone, which named neither key)
            String kid = text(theirs, "kid");
            return WRONG_KEY + ": the dialer proved another mesh key than the listener's"
                + (kid != null && kid.matches("[0-9a-f]{8}") ? " (the dialer's key id is " + kid + ")" : "");
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
        mine.put("proof", hmac("connected", mesh, listener, dialer, dialerNonce, nonce));
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
        return constantTimeEquals(hmac("connected", mesh, listener, dialer, myNonce, nonce), proof);
    }

    /** The token a stock Logux client with this node id may send to join (see class notes). */
    public String tokenFor(String nodeId) {
        return hmac("token", mesh, nodeId);
    }

    /** Whether a stock client's token is right for its node id. */
    public boolean checkToken(String nodeId, String token) {
        return token != null && constantTimeEquals(tokenFor(nodeId), token);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private String hmac(String... parts) {
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
