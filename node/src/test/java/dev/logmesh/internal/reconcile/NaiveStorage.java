package dev.logmesh.internal.reconcile;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * The reference model of {@link ItemStorage}: a sorted list, bounds compared byte by byte and fingerprints
 * computed straight from the spec with {@link BigInteger}, sharing no code with {@link ItemIndex} or
 * {@code Sum256}.
 */
final class NaiveStorage implements ItemStorage {
    private static final BigInteger MOD = BigInteger.ONE.shiftLeft(256);

    private final List<Item> items;

    NaiveStorage(Collection<Item> items) {
        this.items = new ArrayList<>(new TreeSet<>(items));
    }

    @Override
    public int size() {
        return items.size();
    }

    @Override
    public Item get(int index) {
        return items.get(index);
    }

    @Override
    public int lowerBound(Bound bound) {
        int i = 0;
        while (i < items.size() && before(items.get(i), bound)) {
            i++;
        }
        return i;
    }

    @Override
    public Fingerprint fingerprint(int begin, int end) {
        return Fingerprint.of(fingerprintBytes(items.subList(begin, end)), 0);
    }

    /** Whether {@code item < bound}: timestamps unsigned, then the id against the zero-padded prefix. */
    static boolean before(Item item, Bound bound) {
        int c = Long.compareUnsigned(item.timestamp(), bound.timestamp());
        if (c != 0) {
            return c < 0;
        }
        byte[] padded = Arrays.copyOf(bound.prefix(), 32);
        return Arrays.compareUnsigned(item.id().toBytes(), padded) < 0;
    }

    /** The spec's fingerprint: SHA-256(sum of LE ids mod 2^256 as 32 LE bytes || varint(count))[0..16). */
    static byte[] fingerprintBytes(List<Item> range) {
        BigInteger sum = BigInteger.ZERO;
        for (Item item : range) {
            sum = sum.add(new BigInteger(1, reverse(item.id().toBytes())));
        }
        byte[] be = sum.mod(MOD).toByteArray();
        byte[] le = new byte[32];
        for (int i = 0; i < 32 && i < be.length; i++) {
            le[i] = be[be.length - 1 - i];
        }
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(le);
            md.update(varint(range.size()));
            return Arrays.copyOf(md.digest(), 16);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] varint(long n) {
        List<Byte> digits = new ArrayList<>();
        do {
            digits.add(0, (byte) (n & 0x7F));
            n >>>= 7;
        } while (n != 0);
        byte[] out = new byte[digits.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (digits.get(i) | (i < out.length - 1 ? 0x80 : 0));
        }
        return out;
    }

    private static byte[] reverse(byte[] b) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[b.length - 1 - i];
        }
        return r;
    }
}
