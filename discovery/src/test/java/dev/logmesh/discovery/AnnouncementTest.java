package dev.logmesh.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnnouncementTest {

    @Test
    void txtHasReservedKeysAndExtras() {
        Announcement a = new Announcement("alice", "home", 5, 7001, Map.of("tls", "1"));

        assertEquals(Map.of("node", "alice", "mesh", "home", "proto", "5", "tls", "1"), a.txt());
    }

    @Test
    void copiesExtras() {
        Map<String, String> extra = new HashMap<>(Map.of("k", "v"));
        Announcement a = new Announcement("alice", "home", 5, 7001, extra);
        extra.put("x", "y");

        assertEquals(Map.of("k", "v"), a.extra());
        assertThrows(UnsupportedOperationException.class, () -> a.extra().put("z", "z"));
    }

    @Test
    void rejectsBadNodeIds() {
        assertThrows(NullPointerException.class, () -> Announcement.of(null, "m", 5, 1));
        assertThrows(IllegalArgumentException.class, () -> Announcement.of("", "m", 5, 1));
        assertThrows(IllegalArgumentException.class, () -> Announcement.of("a b", "m", 5, 1));
        assertThrows(IllegalArgumentException.class, () -> Announcement.of("a\tb", "m", 5, 1));
        assertThrows(IllegalArgumentException.class, () -> Announcement.of("a\u00a0b", "m", 5, 1));
        assertThrows(IllegalArgumentException.class, () -> Announcement.of("a\u0001", "m", 5, 1));
        assertThrows(IllegalArgumentException.class, () -> Announcement.of("x".repeat(64), "m", 5, 1));
        // 63 bytes is one DNS label: fine; 32 two-byte characters are 64 bytes: too long
        Announcement.of("x".repeat(63), "m", 5, 1);
        assertThrows(IllegalArgumentException.class, () -> Announcement.of("é".repeat(32), "m", 5, 1));
    }

    @Test
    void rejectsBadMeshProtocolAndPort() {
        assertThrows(IllegalArgumentException.class, () -> Announcement.of("a", "", 5, 1));
        assertThrows(IllegalArgumentException.class, () -> Announcement.of("a", "my mesh", 5, 1));
        assertThrows(IllegalArgumentException.class, () -> Announcement.of("a", "m", 0, 1));
        assertThrows(IllegalArgumentException.class, () -> Announcement.of("a", "m", 5, 0));
        assertThrows(IllegalArgumentException.class, () -> Announcement.of("a", "m", 5, 65536));
        Announcement.of("a", "m", 1, 65535);
    }

    @Test
    void rejectsBadExtras() {
        assertThrows(IllegalArgumentException.class, () -> withExtra("node", "x"));
        assertThrows(IllegalArgumentException.class, () -> withExtra("MESH", "x"));
        assertThrows(IllegalArgumentException.class, () -> withExtra("", "x"));
        assertThrows(IllegalArgumentException.class, () -> withExtra("a=b", "x"));
        assertThrows(IllegalArgumentException.class, () -> withExtra("a b", "x"));
        assertThrows(IllegalArgumentException.class, () -> withExtra("clé", "x"));
        assertThrows(IllegalArgumentException.class, () -> withExtra("k", "v".repeat(254)));
        assertThrows(NullPointerException.class,
                () -> new Announcement("a", "m", 5, 1, java.util.Collections.singletonMap("k", null)));
        withExtra("k", "v".repeat(253)); // "k=" + 253 = 255 bytes
    }

    @Test
    void rejectsATxtRecordTooLargeForAPacket() {
        Map<String, String> extra = new HashMap<>();
        for (int i = 0; i < 6; i++) {
            extra.put("k" + i, "v".repeat(250));
        }
        assertThrows(IllegalArgumentException.class, () -> new Announcement("a", "m", 5, 1, extra));
    }

    private static Announcement withExtra(String key, String value) {
        return new Announcement("a", "m", 5, 1, Map.of(key, value));
    }
}
