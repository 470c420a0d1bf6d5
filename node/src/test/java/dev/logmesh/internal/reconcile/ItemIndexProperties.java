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

    /**
     * {@link ItemIndex#addAll} against the model and against {@link ItemIndex#add} one by one: batches of the shapes a
     * node meets (a catch-up's ids, in created order, so in timestamp order but within a millisecond in any order of
     * their hashes; ids inside the range held; any order; duplicates in the batch and of held items) over an index
     * built one by one, several batches in a row, every chunk shape. After each batch the contents, lower bounds and
     * fingerprints are the model's, and the same as the index that took the batch one item at a time.
     */
    @Property(tries = 120, seed = "4912")
    void aBatchIsTheItemsAddedOneByOne(@ForAll("shape") int[] shape, @ForAll @IntRange(min = 0, max = 600) int held,
            @ForAll @IntRange(min = 1, max = 4) int batches, @ForAll long seed) {
        Random random = new Random(seed);
        ItemIndex batched = new ItemIndex(shape[0], shape[1]);
        ItemIndex oneByOne = new ItemIndex(shape[0], shape[1]);
        TreeSet<Item> model = new TreeSet<>();
        long newest = 0;
        for (int i = 0; i < held; i++) {
            newest += random.nextInt(3);
            Item item = new Item(newest, ItemId.ofWords(random.nextLong(), random.nextLong(), 0, random.nextInt(4)));
            model.add(item);
            batched.add(item);
            oneByOne.add(item);
        }
        for (int b = 0; b < batches; b++) {
            int n = random.nextInt(700);
            int shapeOfBatch = random.nextInt(4);
            long[] ts = new long[n + random.nextInt(3)]; // longer arrays than the batch: only n are read
            long[] words = new long[4 * ts.length];
            List<Item> batch = new ArrayList<>();
            List<Item> heldNow = new ArrayList<>(model);
            long t = Math.max(0, newest - random.nextInt(3));
            for (int i = 0; i < n; i++) {
                Item item;
                if (shapeOfBatch == 0 || shapeOfBatch == 1) {
                    // created order: timestamps never go back (shape 1 starts inside the held range's last ms)
                    t += random.nextInt(8) == 0 ? 1 : 0;
                    item = new Item(t, ItemId.ofWords(random.nextLong(), random.nextLong(), random.nextLong(), 0));
                } else if (shapeOfBatch == 2) {
                    item = new Item(random.nextInt((int) newest + 5),
                        ItemId.ofWords(random.nextInt(3) - 1, random.nextLong(), 0, random.nextInt(3)));
                } else if (!heldNow.isEmpty() && random.nextInt(3) == 0) {
                    item = heldNow.get(random.nextInt(heldNow.size())); // held already
                } else if (!batch.isEmpty() && random.nextInt(4) == 0) {
                    item = batch.get(random.nextInt(batch.size())); // twice in the batch
                } else {
                    item = new Item(random.nextInt((int) newest + 5),
                        ItemId.ofWords(random.nextLong(), random.nextLong(), 0, 0));
                }
                batch.add(item);
                ts[i] = item.timestamp();
                for (int k = 0; k < 4; k++) {
                    words[4 * i + k] = item.id().word(k);
                }
            }
            int fresh = 0;
            for (Item item : batch) {
                if (model.add(item)) {
                    fresh++;
                }
                oneByOne.add(item);
            }
            long[] tsBefore = ts.clone();
            long[] wordsBefore = words.clone();
            assertEquals(fresh, batched.addAll(ts, words, n), "new items in batch " + b);
            assertArrayEquals(tsBefore, ts, "the timestamps given are not changed");
            assertArrayEquals(wordsBefore, words, "the words given are not changed");
            check(batched, model, random);
            for (int k = 0; k < 8; k++) {
                int x = random.nextInt(model.size() + 1);
                int y = random.nextInt(model.size() + 1);
                assertArrayEquals(oneByOne.fingerprint(Math.min(x, y), Math.max(x, y)).toBytes(),
                    batched.fingerprint(Math.min(x, y), Math.max(x, y)).toBytes(), "as one by one");
            }
            newest = model.isEmpty() ? 0 : model.last().timestamp();
        }
    }

    @net.jqwik.api.Example
    void aBatchWithANegativeTimestampAddsNothing() {
        ItemIndex index = new ItemIndex(4, 1);
        index.add(new Item(5, ItemId.ofWords(1, 2, 3, 4)));
        long[] ts = {7, -1, 9};
        long[] words = new long[12];
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> index.addAll(ts, words, 3));
        assertEquals("item timestamp must be >= 0, got -1", e.getMessage());
        assertEquals(1, index.size(), "nothing of the batch added");
        org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
            () -> index.addAll(ts, new long[11], 3));
        assertEquals(1, index.size());
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
