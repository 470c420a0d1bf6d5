package dev.logmesh.internal.reconcile;

import dev.logmesh.ActionId;
import dev.logmesh.internal.log.Decimal;
import java.security.DigestException;
import java.security.MessageDigest;

/**
 * Makes the item ids of actions ({@link ItemId#of(ActionId)}: SHA-256 of the UTF-8 bytes of {@code "<ms> <node>
 * <seq>"}) as four big-endian words, without an object an id: the id's text is written into a buffer kept here and
 * hashed into a 32-byte array kept here. {@link ItemId#of(ActionId)} makes the text ({@code ActionId.toString}), its
 * bytes, the digest's array, the {@link ItemId} and, for the index, an {@link Item}: five objects and ~170 bytes an
 * entry of a catch-up, which a node's reconciler hashes every id of (docs/performance.md, session 48's profile of the
 * receiving loop: its allocation makes the kernel zero fresh heap pages).
 *
 * <p>The same bytes are hashed: the decimal digits of {@code ms}, a space, the node id, a space, the digits of
 * {@code seq}. A node id with a char outside ASCII goes the way of {@link ItemId#of(ActionId)} (its generalized UTF-8
 * form, {@code JsonTrees.wtf8}), so such ids hash as before too; {@code ItemHasherProperties} checks both against it.
 *
 * <p>Not thread-safe: one instance per thread (the node's loop owns the reconciler's). The digest is made at the first
 * id, not with the instance: a node makes its reconciler before it is ready, and the first digest of a process sets up
 * the JDK's security providers (start-up: docs/performance.md, session 45's {@code StartupPathTest}).
 */
public final class ItemHasher {
    /** The longest decimal {@code ms} or {@code seq}: {@link ActionId#MAX_SAFE} has 16 digits. */
    private static final int MAX_DIGITS = 16;

    private MessageDigest sha256;
    /** The id's text as UTF-8, grown for longer node ids. */
    private byte[] text = new byte[128];
    private final byte[] digest = new byte[ItemId.SIZE];

    /**
     * Writes the item id of {@code id} as its four big-endian words ({@link ItemId#word}) into {@code words[off .. off
     * + 4)}; its timestamp is {@code id.ms()}.
     *
     * @throws IndexOutOfBoundsException if {@code words} has fewer than four longs from {@code off}
     */
    public void words(ActionId id, long[] words, int off) {
        java.util.Objects.checkFromIndexSize(off, 4, words.length);
        String node = id.node();
        int n = node.length();
        for (int i = 0; i < n; i++) {
            if (node.charAt(i) >= 0x80) {
                ItemId slow = ItemId.of(id);
                for (int k = 0; k < 4; k++) {
                    words[off + k] = slow.word(k);
                }
                return;
            }
        }
        int length = 2 * MAX_DIGITS + 2 + n;
        if (text.length < length) {
            text = new byte[Math.max(length, 2 * text.length)];
        }
        byte[] b = text;
        int p = Decimal.put(id.ms(), b, 0);
        b[p++] = ' ';
        for (int i = 0; i < n; i++) {
            b[p++] = (byte) node.charAt(i);
        }
        b[p++] = ' ';
        p = Decimal.put(id.seq(), b, p);
        if (sha256 == null) {
            sha256 = Bytes.newSha256();
        }
        sha256.update(b, 0, p);
        try {
            sha256.digest(digest, 0, ItemId.SIZE);
        } catch (DigestException e) {
            throw new IllegalStateException("a SHA-256 digest is 32 bytes", e);
        }
        words[off] = Bytes.getLong(digest, 0);
        words[off + 1] = Bytes.getLong(digest, 8);
        words[off + 2] = Bytes.getLong(digest, 16);
        words[off + 3] = Bytes.getLong(digest, 24);
    }
}
