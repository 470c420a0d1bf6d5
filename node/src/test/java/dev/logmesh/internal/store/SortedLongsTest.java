package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The reason index's sorted set against a tree set, through appends, inserts, removals and compactions. */
class SortedLongsTest {

    @Test
    void agreesWithATreeSetThroughRandomAddsRemovalsAndRanges() {
        for (long seed = 1; seed <= 50; seed++) {
            Random r = new Random(seed);
            SortedLongs set = new SortedLongs();
            TreeSet<Long> model = new TreeSet<>();
            long next = 1;
            for (int step = 0; step < 2_000; step++) {
                int what = r.nextInt(10);
                String at = "seed " + seed + " step " + step;
                if (what < 5) {
                    next += 1 + r.nextInt(3);
                    set.add(next);
                    model.add(next);
                } else if (what < 6) {
                    long k = 1L + r.nextInt((int) next); // an older number: an insert, or a revived tombstone
                    set.add(k);
                    model.add(k);
                } else {
                    long k = 1L + r.nextInt((int) next);
                    assertEquals(model.remove(k), set.remove(k), at + " remove " + k);
                }
                long probe = r.nextInt((int) next + 3);
                assertEquals(model.contains(probe), set.contains(probe), at + " contains " + probe);
                assertEquals(model.isEmpty(), set.isEmpty(), at);
                long to = probe + r.nextInt(40);
                assertArrayEquals(model.subSet(probe, true, to, true).stream().mapToLong(Long::longValue).toArray(),
                    set.range(probe, to), at + " range " + probe + ".." + to);
                int limit = 1 + r.nextInt(20);
                List<Long> above = new ArrayList<>();
                set.forEachAbove(probe, k -> {
                    above.add(k);
                    return above.size() < limit;
                });
                assertEquals(model.tailSet(probe, false).stream().limit(limit).toList(), above, at + " above " + probe);
            }
        }
    }

    @Test
    void onlyPositiveNumbers() {
        assertThrows(IllegalArgumentException.class, () -> new SortedLongs().add(0));
    }
}
