package dev.logmesh.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.store.MemoryStore;
import dev.logmesh.spi.Store;
import dev.logmesh.testkit.StoreSpy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The keys client cursors are stored under ({@link Log#clientKey}): a client picks its id, up to a frame's size,
 * and the store keeps up to {@link Store#CLIENT_CURSORS} records, so a key's size is bounded. Breaker session 20: 40
 * Logux clients with ids of 900,000 chars that each acknowledged one entry made a node's SQLite file 72 MB.
 */
class ClientKeyTest {

    /** What {@link Store#setClientCursors} was handed, in order; the rest goes to a {@link MemoryStore}. */
    private final List<String> saved = new ArrayList<>();
    private final MemoryStore memory = new MemoryStore();
    private final Store store = StoreSpy.around(memory, (method, args) -> {
        if (method.equals("setClientCursors")) {
            for (Object key : ((Map<?, ?>) args[0]).keySet()) {
                saved.add((String) key);
            }
        }
    });

    @Test
    void aLongClientIdIsKeptUnderAKeyOfBoundedSizeAndStillFound() {
        Log log = new Log(store, "me", () -> 1_000, 60_000);
        String longA = "mallory:" + "x".repeat(900_000) + "a";
        String longB = "mallory:" + "x".repeat(900_000) + "b";
        String odd = "mallory:" + "y".repeat(100) + "\ud800"; // an unpaired surrogate is a unit of its own
        String oddToo = "mallory:" + "y".repeat(100) + "\udbff";
        log.advanceClientCursor(longA, 5);
        log.advanceClientCursor(longB, 7);
        log.advanceClientCursor(odd, 2);
        log.advanceClientCursor(oddToo, 4);
        log.advanceClientCursor("alice:Xk3v9QaB", 3);
        log.flushCursors();
        assertEquals(5, saved.size());
        for (String key : saved) {
            assertTrue(key.length() <= 64, "a key of " + key.length() + " chars was stored");
        }
        assertTrue(saved.contains("alice:Xk3v9QaB"), "a short id is its own key: " + saved);
        assertEquals(5, saved.stream().distinct().count(), "five clients, five keys");
        Log reopened = new Log(store, "me", () -> 1_000, 60_000);
        assertEquals(OptionalLong.of(5), reopened.clientCursor(longA));
        assertEquals(OptionalLong.of(7), reopened.clientCursor(longB));
        assertEquals(OptionalLong.of(2), reopened.clientCursor(odd));
        assertEquals(OptionalLong.of(4), reopened.clientCursor(oddToo));
        assertEquals(OptionalLong.of(3), reopened.clientCursor("alice:Xk3v9QaB"));
        assertEquals(OptionalLong.empty(), reopened.clientCursor("mallory:" + "x".repeat(900_000) + "c"));
        reopened.advanceClientCursor(longA, 1); // never lowered
        assertEquals(OptionalLong.of(5), reopened.clientCursor(longA));
    }

    @Test
    void aKeyIsTheIdUpToTheBoundAndADigestThatNoNodeIdCanBeAbove() {
        String sixtyFour = "u:" + "k".repeat(62);
        assertEquals(sixtyFour, Log.clientKey(sixtyFour));
        String longer = sixtyFour + "k";
        String key = Log.clientKey(longer);
        assertTrue(key.startsWith("sha-256 "), key);
        assertTrue(key.length() <= Log.CLIENT_KEY_CHARS, key);
        assertEquals(key, Log.clientKey(new String(longer.toCharArray())), "the same id, the same key");
    }
}
