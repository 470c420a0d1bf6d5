package dev.logmesh.internal.reconcile;

import java.util.HexFormat;

/** Hex for tests: the vectors and the reference harnesses write messages in hex. */
final class Hex {
    private Hex() {
    }

    static byte[] decode(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    static String encode(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
