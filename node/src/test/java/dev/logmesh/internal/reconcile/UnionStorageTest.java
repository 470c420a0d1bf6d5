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
}
