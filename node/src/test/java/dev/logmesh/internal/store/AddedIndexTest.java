package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
                List<Entry> asc = new ArrayList<>();
                index.page(true, probe, limit, asc);
                assertEquals(model.tailMap(probe, false).values().stream().limit(limit).toList(), asc);
                List<Entry> desc = new ArrayList<>();
                index.page(false, probe, limit, desc);
                assertEquals(model.headMap(probe, false).descendingMap().values().stream().limit(limit).toList(), desc);
                List<Entry> all = new ArrayList<>();
                index.page(true, null, Integer.MAX_VALUE, all);
                if (step % 100 == 0) {
                    assertEquals(new ArrayList<>(model.values()), all, "seed " + seed + " step " + step);
                }
            }
        }
    }
}
