package dev.logmesh.internal.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.ActionId;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The union of two disjoint indexes reads as one index of all their items (a naive model: the merged index). */
class UnionStorageTest {

    @Test
    void readsAsTheIndexOfBothSets() {
        for (long seed = 1; seed <= 20; seed++) {
            Random r = new Random(seed);
            ItemIndex first = new ItemIndex(8, 2);
            ItemIndex second = new ItemIndex(8, 2);
            ItemIndex both = new ItemIndex();
            int n = r.nextInt(600);
            double share = r.nextDouble();
            for (int i = 0; i < n; i++) {
                // few timestamps, so items of both sides share them and are ordered by id bytes
                ActionId id = new ActionId(1_000 + r.nextInt(40), "n" + r.nextInt(3), i);
                both.add(id);
                (r.nextDouble() < share ? first : second).add(id);
            }
            UnionStorage union = new UnionStorage(first, second);
            assertEquals(both.size(), union.size(), "seed " + seed);
            for (int i = 0; i < both.size(); i++) {
                assertEquals(both.get(i), union.get(i), "seed " + seed + " item " + i);
            }
            for (int k = 0; k < 200; k++) {
                int a = r.nextInt(both.size() + 1);
                int b = a + r.nextInt(both.size() - a + 1);
                assertEquals(both.fingerprint(a, b), union.fingerprint(a, b),
                    "seed " + seed + " range [" + a + ", " + b + ")");
                Bound bound = r.nextBoolean() ? Bound.of(1_000 + r.nextInt(42))
                    : both.size() == 0 ? Bound.ZERO : Bound.of(both.get(r.nextInt(both.size())));
                assertEquals(both.lowerBound(bound), union.lowerBound(bound), "seed " + seed + " " + bound);
            }
        }
    }
    /**
     * break23: the union read between changes, as a node's view for one peer is (ids move from the marks to the
     * index when they arrive, marks come with gone answers, leave with the cutoff or a round), with the indexes'
     * fingerprint caches warm from calls of either kind: every read agrees with the merged index, at the edges
     * too (empty ranges, ranges ending at either side's last item, bounds equal to a mark, either side empty).
     */
    @Test
    void readsAsTheMergedIndexBetweenChanges() {
        for (long seed = 1; seed <= 40; seed++) {
            Random r = new Random(seed);
            ItemIndex first = new ItemIndex(4, 2);
            ItemIndex second = new ItemIndex(4, 2);
            ItemIndex both = new ItemIndex();
            UnionStorage union = new UnionStorage(first, second);
            java.util.List<ActionId> marks = new java.util.ArrayList<>();
            for (int step = 0; step < 400; step++) {
                int op = r.nextInt(6);
                ActionId id = new ActionId(1_000 + r.nextInt(30), "n" + r.nextInt(2), r.nextInt(50));
                if (op == 0 && both.indexOf(Item.of(id)) < 0) { // an id arrives here
                    first.add(id);
                    both.add(id);
                } else if (op == 1 && both.indexOf(Item.of(id)) < 0) { // a gone answer
                    second.add(id);
                    both.add(id);
                    marks.add(id);
                } else if (op == 2 && !marks.isEmpty()) { // a marked id arrives: it moves to the index
                    ActionId m = marks.remove(r.nextInt(marks.size()));
                    second.remove(m);
                    first.add(m);
                } else if (op == 3 && !marks.isEmpty()) { // a round found the peer lacks it
                    ActionId m = marks.remove(r.nextInt(marks.size()));
                    second.remove(m);
                    both.remove(m);
                } else if (op == 4) { // the cutoff
                    long cut = 1_000L + r.nextInt(4);
                    first.removeBefore(cut);
                    second.removeBefore(cut);
                    both.removeBefore(cut);
                    marks.removeIf(m -> m.ms() < cut);
                }
                int n = both.size();
                String at = "seed " + seed + " step " + step;
                assertEquals(n, union.size(), at);
                for (int k = 0; k < 6; k++) {
                    int a = k == 0 ? n : k == 1 ? 0 : r.nextInt(n + 1);
                    int b = k == 1 ? n : a + r.nextInt(n - a + 1);
                    if (r.nextBoolean() && first.size() > 0) { // warm the first's cache from a direct call
                        int c = r.nextInt(first.size() + 1);
                        first.fingerprint(0, c);
                    }
                    assertEquals(both.fingerprint(a, b), union.fingerprint(a, b), at + " [" + a + ", " + b + ")");
                    if (a < n) {
                        assertEquals(both.get(a), union.get(a), at + " item " + a);
                    }
                }
                if (!marks.isEmpty()) {
                    Bound bound = Bound.of(Item.of(marks.get(r.nextInt(marks.size()))));
                    assertEquals(both.lowerBound(bound), union.lowerBound(bound), at + " " + bound);
                }
            }
        }
    }
}
