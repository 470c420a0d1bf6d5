package dev.logmesh.internal.store;

import static dev.logmesh.testkit.StoreContract.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import dev.logmesh.Criteria;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.spi.PeerCursor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Schema 3 (issue 12): the paths that move ids between the log and {@code seen}, and cursors in {@code nodes}. */
class SqliteSchema3BreakTest {
    @TempDir
    Path dir;

    private static List<Entry> batch(String node, long fromMs, int n, String... reasons) {
        List<Entry> b = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            b.add(entry("t", (fromMs + i) + " " + node + " 0", fromMs + i, reasons));
        }
        return b;
    }

    private static Map<ActionId, Integer> seenCounts(SqliteStore s) {
        Map<ActionId, Integer> counts = new HashMap<>();
        s.forEachSeen(0, Long.MAX_VALUE, id -> counts.merge(id, 1, Integer::sum));
        return counts;
    }

    @Test
    void idsRemovedAfterCatchUpBatchesAreNotTakenAgain() {
        try (SqliteStore s = SqliteStore.open(dir.resolve("a.db"))) {
            s.add(batch("n1", 100, 100, "sync"));   // ordinary: the origin is new
            s.add(batch("n1", 200, 100, "sync"));   // write-behind: fresh by the cached mark
            s.add(batch("n1", 300, 100));           // write-behind, no reasons: seen only
            assertEquals(200, s.size());
            assertEquals(200, s.removeReason("sync", Criteria.ALL).size());
            assertEquals(0, s.size());
            for (long from : new long[] {100, 200, 300}) {
                List<Meta> again = s.add(batch("n1", from, 100, "sync"));
                assertTrue(again.stream().allMatch(java.util.Objects::isNull), "from " + from + ": " + again);
            }
            Map<ActionId, Integer> counts = seenCounts(s);
            assertEquals(300, counts.size());
            assertTrue(counts.values().stream().allMatch(c -> c == 1), "each id once");
        }
        try (SqliteStore s = SqliteStore.open(dir.resolve("a.db"))) {
            List<Meta> again = s.add(batch("n1", 100, 300, "sync"));
            assertTrue(again.stream().allMatch(java.util.Objects::isNull), again.toString());
            assertEquals(0, s.size());
        }
    }

    @Test
    void aCursorOfAPeerThatIsAlsoAnOriginKeepsBothAndAPeerWithNoIdsHasNoMark() {
        Path f = dir.resolve("b.db");
        try (SqliteStore s = SqliteStore.open(f)) {
            s.setCursor("n2", new PeerCursor(3, 4)); // no ids of n2 yet
            s.add(batch("n1", 100, 100, "sync"), Map.of("n1", new PeerCursor(5, 6)));
            s.add(batch("n1", 200, 100, "sync"), Map.of("n1", new PeerCursor(7, 8)));
            assertEquals(new PeerCursor(7, 8), s.cursor("n1"));
            assertEquals(299, s.maxSeenMs("n1"));
            assertEquals(0, s.maxSeenMs("n2"));
            List<Meta> n2 = s.add(batch("n2", 1, 100, "sync"));
            assertTrue(n2.stream().noneMatch(java.util.Objects::isNull));
            assertEquals(new PeerCursor(3, 4), s.cursor("n2"));
            s.setCursor("n1", new PeerCursor(9, 10));
            assertEquals(299, s.maxSeenMs("n1"));
        }
        try (SqliteStore s = SqliteStore.open(f)) {
            assertEquals(Map.of("n1", new PeerCursor(9, 10), "n2", new PeerCursor(3, 4)), s.cursors());
            assertEquals(299, s.maxSeenMs("n1"));
            assertEquals(100, s.maxSeenMs("n2"));
            assertTrue(s.add(batch("n2", 1, 100, "sync")).stream().allMatch(java.util.Objects::isNull));
            assertEquals(300, s.size());
        }
    }

    @Test
    void anIdAddedWithoutReasonsTwiceAndThenWithReasonsIsSeenOnce() {
        try (SqliteStore s = SqliteStore.open(dir.resolve("c.db"))) {
            List<Entry> b = new ArrayList<>(batch("n1", 100, 10));
            b.addAll(batch("n1", 100, 10));
            b.addAll(batch("n1", 100, 10, "r"));
            List<Meta> metas = s.add(b);
            assertEquals(10, metas.stream().filter(java.util.Objects::nonNull).count(), metas.toString());
            assertEquals(0, s.size());
            assertEquals(10, seenCounts(s).size());
            assertTrue(s.add(batch("n1", 100, 10, "r")).stream().allMatch(java.util.Objects::isNull));
        }
    }

    @Test
    void aMixedBatchBelowAndAboveTheMarkTakesOnlyTheNewIds() {
        try (SqliteStore s = SqliteStore.open(dir.resolve("d.db"))) {
            s.add(batch("n1", 100, 100, "sync"));
            s.remove(ActionId.parse("150 n1 0"));
            List<Entry> b = new ArrayList<>(batch("n1", 150, 100, "sync")); // 150..199 known, 200..249 new
            List<Meta> metas = s.add(b);
            assertEquals(50, metas.stream().filter(java.util.Objects::nonNull).count());
            assertEquals(149, s.size());
            assertNull(s.byId(ActionId.parse("150 n1 0")).orElse(null));
            assertFalse(seenCounts(s).values().stream().anyMatch(c -> c > 1));
        }
    }

    @Test
    void aReasonListedTwiceIsStoredOnceOnBothPaths() {
        try (SqliteStore s = SqliteStore.open(dir.resolve("e.db"));
             MemoryStore m = new MemoryStore()) {
            List<Entry> one = batch("n1", 100, 1, "a", "a");
            assertEquals(m.add(one).size(), s.add(one).size());
            List<Entry> shared = batch("n1", 200, 100, "b", "b");
            m.add(shared);
            s.add(shared);
            assertEquals(m.size(), s.size());
            assertEquals(m.removeReason("a", Criteria.ALL).size(), s.removeReason("a", Criteria.ALL).size());
            assertEquals(m.removeReason("b", Criteria.ALL).size(), s.removeReason("b", Criteria.ALL).size());
            assertEquals(0, s.size());
            s.add(batch("n1", 400, 1, "c"));
            assertTrue(s.changeMeta(ActionId.parse("400 n1 0"), Meta.of(ActionId.parse("400 n1 0"), 400,
                List.of("d", "d"))));
            assertEquals(1, s.removeReason("d", Criteria.ALL).size());
            assertEquals(0, s.size());
        }
    }
}
