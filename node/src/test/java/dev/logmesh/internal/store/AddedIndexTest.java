package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The append-only {@code added} index against a tree map, through appends, removals and compactions. */
class AddedIndexTest {

    private static Entry entry(long added) {
        return new Entry(Action.ofType("t"), Meta.of(ActionId.of(added, "n", 0), added, List.of("r")).withAdded(added));
    }

    @Test
    void agreesWithATreeMapThroughRandomAppendsRemovalsAndPages() {
        for (long seed = 1; seed <= 50; seed++) {
            Random r = new Random(seed);
            AddedIndex index = new AddedIndex();
            TreeMap<Long, Entry> model = new TreeMap<>();
            long next = 1;
            for (int step = 0; step < 2_000; step++) {
                int what = r.nextInt(10);
                if (what < 5 || model.isEmpty()) {
                    next += 1 + r.nextInt(3);
                    Entry e = entry(next);
                    index.append(next, e);
                    model.put(next, e);
                } else if (what < 8) {
                    long key = 1L + r.nextInt((int) next);
                    assertEquals(model.remove(key), index.remove(key), "seed " + seed + " remove " + key);
                } else {
                    long key = 1L + r.nextInt((int) next + 2);
                    Entry e = entry(key);
                    boolean had = model.containsKey(key);
                    if (had) {
                        model.put(key, e);
                    }
                    assertEquals(had, index.replace(key, e), "seed " + seed + " replace " + key);
                }
                long probe = r.nextInt((int) next + 3);
                assertEquals(model.get(probe), index.get(probe));
                int limit = 1 + r.nextInt(20);
                List<Entry> asc = index.page(true, probe, limit);
                assertEquals(model.tailMap(probe, false).values().stream().limit(limit).toList(), asc);
                List<Entry> desc = index.page(false, probe, limit);
                assertEquals(model.headMap(probe, false).descendingMap().values().stream().limit(limit).toList(), desc);
                List<Entry> all = index.page(true, null, Integer.MAX_VALUE);
                if (step % 100 == 0) {
                    assertEquals(new ArrayList<>(model.values()), all, "seed " + seed + " step " + step);
                }
            }
        }
    }

    /**
     * A live session asks for the page after its cursor with the chunk's limit (2000) after every add, and the page
     * holds one entry: the page used to be sized by the limit, 4 KiB of every round trip's ~13 KiB of garbage.
     */
    @Test
    void aPageOfOneEntryIsSizedByTheEntriesNotTheLimit() {
        AddedIndex index = new AddedIndex();
        for (long added = 1; added <= 10; added++) {
            index.append(added, entry(added));
        }
        com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long fewest = Long.MAX_VALUE;
        for (int i = 0; i < 200; i++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            List<Entry> page = index.page(true, 9L, 2_000);
            long used = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(1, page.size());
            fewest = Math.min(fewest, used);
        }
        assertTrue(fewest < 256, "a page of one entry allocated " + fewest + " bytes");
    }
}
