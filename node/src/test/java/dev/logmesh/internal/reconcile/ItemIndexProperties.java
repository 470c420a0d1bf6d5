package dev.logmesh.internal.reconcile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * {@link ItemIndex} against a model: random inserts (in order, nearly in order, anywhere), removes and
 * forgetting, every chunk shape down to 4 items a chunk; after each step the contents, lower bounds and
 * fingerprints of random ranges must be what a {@link TreeSet} and {@link NaiveStorage} say.
 */
class ItemIndexProperties {

    /** One step: 0 add near the newest, 1 add anywhere, 2 remove one held, 3 remove one not held, 4 forget. */
    record Op(int kind, long ts, long w0, long w1, int pick) {
    }

    @Provide
    Arbitrary<Op> op() {
        return Combinators.combine(
            Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just(0)),
                Tuple.of(3, Arbitraries.just(1)),
                Tuple.of(3, Arbitraries.just(2)),
                Tuple.of(1, Arbitraries.just(3)),
                Tuple.of(1, Arbitraries.just(4))),
            Arbitraries.longs().between(0, 40),
            Arbitraries.oneOf(Arbitraries.of(0L, 1L << 56, -1L, 0x0102030405060708L), Arbitraries.longs()),
            Arbitraries.longs(),
            Arbitraries.integers().between(0, Integer.MAX_VALUE)
        ).as(Op::new);
    }

    @Provide
    Arbitrary<int[]> shape() {
        return Arbitraries.of(new int[] {4, 1}, new int[] {4, 2}, new int[] {4, 4}, new int[] {8, 2},
            new int[] {16, 4}, new int[] {64, 8}, new int[] {1024, 32});
    }

    @Property(tries = 150)
    void behavesLikeASortedSet(@ForAll("shape") int[] shape, @ForAll @Size(max = 400) List<@From("op") Op> ops,
            @ForAll long seed) {
        ItemIndex index = new ItemIndex(shape[0], shape[1]);
        TreeSet<Item> model = new TreeSet<>();
        Random random = new Random(seed);
        long newest = 0;
        int step = 0;
        for (Op op : ops) {
            step++;
            // leave a range end in the index's cache: a change must not let the next fingerprint reuse it
            int cut = model.isEmpty() ? 0 : random.nextInt(model.size() + 1);
            index.fingerprint(0, cut);
            switch (op.kind()) {
  case 0 -> {
// ids arrive in roughly increasing time: now, or a little late
newest += random.nextInt(3);
                    long t = Math.max(0, newest - (random.nextInt(4) == 0 ? op.ts() % 5 : 0));
                    Item item = new Item(t, ItemId.ofWords(op.w0(), op.w1(), random.nextLong(), random.nextLong()));
                    assertEquals(model.add(item), index.add(item), "add near newest");
}
  case 1 -> {
Item item = new Item(op.ts(), ItemId.ofWords(op.w0(), op.w1(), 0, op.pick()));
                    assertEquals(model.add(item), index.add(item), "add anywhere");
                    assertTrue(!index.add(item), "a second add of the same item");
}
  case 2 -> {
if (!model.isEmpty()) {
                        Item item = new ArrayList<>(model).get(op.pick() % model.size());
                        model.remove(item);
                        assertTrue(index.remove(item), "remove held");
                    }
}
  case 3 -> {
Item item = new Item(op.ts(), ItemId.ofWords(op.w0(), op.w1(), 1, op.pick()));
                    assertEquals(model.remove(item), index.remove(item), "remove maybe not held");
}
  default -> {
long before = op.ts() % 8 == 0 ? newest - 3 : op.ts() / 4;
                    int expected = model.headSet(new Item(Math.max(0, before), ItemId.ofWords(0, 0, 0, 0))).size();
                    if (before <= 0) {
                        expected = 0;
                    }
                    model.headSet(new Item(Math.max(0, before), ItemId.ofWords(0, 0, 0, 0))).clear();
                    assertEquals(expected, index.removeBefore(Math.max(0, before)), "forget");
}
}
            if (cut <= model.size()) {
                List<Item> now = new ArrayList<>(model);
                assertArrayEquals(NaiveStorage.fingerprintBytes(now.subList(cut, now.size())),
                    index.fingerprint(cut, now.size()).toBytes(), "fingerprint after a change");
            }
            if (step % 7 == 0 || step == ops.size()) {
                check(index, model, random);
            } else {
                assertEquals(model.size(), index.size());
            }
        }
    }

    @Property(tries = 30)
    void manyInsertsInRandomOrderThenRemoves(@ForAll("shape") int[] shape, @ForAll @IntRange(min = 0, max = 3000) int n,
            @ForAll long seed) {
        Random random = new Random(seed);
        ItemIndex index = new ItemIndex(shape[0], shape[1]);
        TreeSet<Item> model = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            Item item = new Item(random.nextInt(100), ItemId.ofWords(random.nextLong(), random.nextLong(), 0, 0));
            assertEquals(model.add(item), index.add(item));
        }
        check(index, model, random);
        List<Item> all = new ArrayList<>(model);
        Collections.shuffle(all, random);
        for (int i = 0; i < all.size() * 9 / 10; i++) {
            model.remove(all.get(i));
            assertTrue(index.remove(all.get(i)));
        }
        check(index, model, random);
    }

    static void check(ItemIndex index, java.util.SortedSet<Item> model, Random random) {
        List<Item> items = new ArrayList<>(model);
        assertEquals(items.size(), index.size(), "size");
        for (int i = 0; i < items.size(); i++) {
            assertEquals(items.get(i), index.get(i), "get(" + i + ")");
        }
        for (int k = 0; k < 10 && !items.isEmpty(); k++) {
            Item at = items.get(random.nextInt(items.size()));
            assertEquals(items.indexOf(at), index.indexOf(at), "indexOf");
        }
        NaiveStorage naive = new NaiveStorage(items);
        for (int k = 0; k < 12; k++) {
            Bound bound = randomBound(items, random);
            assertEquals(naive.lowerBound(bound), index.lowerBound(bound), "lowerBound " + bound);
        }
        for (int k = 0; k < 12; k++) {
            int a = random.nextInt(items.size() + 1);
            int b = random.nextInt(items.size() + 1);
            int begin = Math.min(a, b);
            int end = Math.max(a, b);
            assertArrayEquals(NaiveStorage.fingerprintBytes(items.subList(begin, end)),
                index.fingerprint(begin, end).toBytes(), "fingerprint [" + begin + ", " + end + ")");
        }
        assertArrayEquals(NaiveStorage.fingerprintBytes(items), index.fingerprint(0, items.size()).toBytes());
    }

    static Bound randomBound(List<Item> items, Random random) {
        switch (random.nextInt(5)) {
  case 0 -> {
return Bound.INFINITY;
}
  case 1 -> {
return Bound.of(random.nextInt(50));
}
  default -> {
if (items.isEmpty()) {
                    return Bound.ZERO;
                }
                Item item = items.get(random.nextInt(items.size()));
                byte[] id = item.id().toBytes();
                byte[] prefix = Arrays.copyOf(id, random.nextInt(33));
                if (prefix.length > 0 && random.nextBoolean()) {
                    prefix[prefix.length - 1] += (byte) (random.nextBoolean() ? 1 : -1);
                }
                return Bound.of(item.timestamp(), prefix);
}
}
    }
}
