package dev.logmesh.internal.store;

import java.nio.charset.StandardCharsets;

/**
 * Node ids as SQL keys whose byte order is {@link String#compareTo}'s order.
 *
 * <p>The created order compares node ids by UTF-16 code units (as JavaScript does). SQLite compares TEXT
 * with {@code memcmp} over UTF-8, which is code point order; the two differ when a node id holds both a
 * supplementary character and one in U+E000..U+FFFF. Encoding every UTF-16 unit on its own with the UTF-8
 * bit layout (CESU-8, but with U+0000 as one zero byte) keeps unit order under {@code memcmp}: the UTF-8
 * layout is order-preserving for the value it encodes and prefix-free per unit. ASCII ids, the usual case,
 * are stored byte for byte. Stored as BLOB, compared with {@code memcmp} then length, like Java strings.
 */
final class NodeKey {
    private NodeKey() {
    }

    static byte[] encode(String s) {
        int n = s.length();
        int size = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            size += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
        }
        if (size == n) {
            return s.getBytes(StandardCharsets.ISO_8859_1);
        }
        byte[] b = new byte[size];
        int j = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                b[j++] = (byte) c;
            } else if (c < 0x800) {
                b[j++] = (byte) (0xC0 | (c >> 6));
                b[j++] = (byte) (0x80 | (c & 0x3F));
            } else {
                b[j++] = (byte) (0xE0 | (c >> 12));
                b[j++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[j++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return b;
    }

    /** @throws IllegalArgumentException if the bytes are not an encoding made by {@link #encode} */
    static String decode(byte[] b) {
        boolean ascii = true;
        for (byte x : b) {
            if (x < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(b, StandardCharsets.ISO_8859_1);
        }
        StringBuilder sb = new StringBuilder(b.length);
        int i = 0;
        while (i < b.length) {
            int b0 = b[i] & 0xFF;
            if (b0 < 0x80) {
                sb.append((char) b0);
                i++;
            } else if ((b0 & 0xE0) == 0xC0 && i + 1 < b.length) {
                sb.append((char) (((b0 & 0x1F) << 6) | (b[i + 1] & 0x3F)));
                i += 2;
            } else if ((b0 & 0xF0) == 0xE0 && i + 2 < b.length) {
                sb.append((char) (((b0 & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F)));
                i += 3;
            } else {
                throw new IllegalArgumentException("malformed node key at byte " + i);
            }
        }
        return sb.toString();
    }
}
