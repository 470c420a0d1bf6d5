package dev.logmesh.internal.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Whole sessions between two random sets with random overlaps: whatever the sizes, the frame limits (down to
 * {@link ReconcileOptions#MIN_FRAME_SIZE_LIMIT}), the cutoff and the storage, the initiator ends with
 * {@code have} exactly its items the responder lacks and {@code need} exactly the responder's items it lacks,
 * each once; no message passes its sender's limit; sessions end.
 */
class ReconcileProperties {

    @Provide
    Arbitrary<Integer> frameLimit() {
        int min = ReconcileOptions.MIN_FRAME_SIZE_LIMIT;
        return Arbitraries.oneOf(Arbitraries.of(0, min, min + 1, 4096, 60_000),
            Arbitraries.integers().between(min, 20_000));
    }

    /** Sets drawn from one pool: {@code both} shared, {@code onlyA} and {@code onlyB} apart. */
    record Sets(List<Item> a, List<Item> b) {
    }

    static Sets sets(Random random, int both, int onlyA, int onlyB, int msSpread) {
        Set<Item> pool = new HashSet<>();
        while (pool.size() < both + onlyA + onlyB) {
            long ts = 1_700_000_000_000L + random.nextInt(msSpread);
            pool.add(new Item(ts, ItemId.ofWords(random.nextLong(), random.nextLong(), random.nextLong(),
                random.nextLong())));
        }
        List<Item> all = new ArrayList<>(pool);
        List<Item> a = new ArrayList<>(all.subList(0, both + onlyA));
        List<Item> b = new ArrayList<>(all.subList(0, both));
        b.addAll(all.subList(both + onlyA, all.size()));
        return new Sets(a, b);
    }

    static Function<List<Item>, ItemStorage> storage(int kind) {
        return switch (kind) {
  case 0 -> 
items -> VectorTest.fill(new ItemIndex(), items);
  case 1 -> 
items -> VectorTest.fill(new ItemIndex(4, 2), items);
  default -> 
items -> VectorTest.fill(new ItemIndex(32, 4), items);
};
    }

    static void check(Sets s, Session session, long cutoff, int limitA, int limitB) {
        Set<ItemId> a = s.a().stream().filter(i -> i.timestamp() >= cutoff).map(Item::id).collect(Collectors.toSet());
        Set<ItemId> b = s.b().stream().filter(i -> i.timestamp() >= cutoff).map(Item::id).collect(Collectors.toSet());
        Set<ItemId> aOnly = new HashSet<>(a);
        aOnly.removeAll(b);
        Set<ItemId> bOnly = new HashSet<>(b);
        bOnly.removeAll(a);
        assertEquals(aOnly, session.haveIds(), "have");
        assertEquals(bOnly, session.needIds(), "need");
        assertEquals(session.have.size(), aOnly.size(), "each have once");
        assertEquals(session.need.size(), bOnly.size(), "each need once");
        if (limitA > 0) {
            assertTrue(session.largestUp <= limitA, "initiator sent " + session.largestUp + " > " + limitA);
        }
        if (limitB > 0) {
            assertTrue(session.largestDown <= limitB, "responder sent " + session.largestDown + " > " + limitB);
        }
    }

    @Property(tries = 300)
    void haveAndNeedAreTheSetDifferences(@ForAll @IntRange(max = 3000) int both, @ForAll @IntRange(max = 400) int onlyA,
            @ForAll @IntRange(max = 400) int onlyB, @ForAll("frameLimit") int limitA, @ForAll("frameLimit") int limitB,
            @ForAll @IntRange(max = 2) int storageKind, @ForAll boolean denseTimes, @ForAll long seed) {
        Random random = new Random(seed);
        Sets s = sets(random, both, onlyA, onlyB, denseTimes ? 20 : 10_000_000);
        Function<List<Item>, ItemStorage> make = storage(storageKind);
        Session session = Session.run(make.apply(s.a()), ReconcileOptions.DEFAULT.withFrameSizeLimit(limitA),
            make.apply(s.b()), ReconcileOptions.DEFAULT.withFrameSizeLimit(limitB), 5_000);
        check(s, session, 0, limitA, limitB);
    }

    @Property(tries = 40)
    void tinyFramesStillEnd(@ForAll @IntRange(max = 5000) int onlyA, @ForAll @IntRange(max = 5000) int onlyB,
            @ForAll @IntRange(max = 2000) int both, @ForAll long seed) {
        int min = ReconcileOptions.MIN_FRAME_SIZE_LIMIT;
        Random random = new Random(seed);
        Sets s = sets(random, both, onlyA, onlyB, 1_000_000);
        Session session = Session.run(storage(0).apply(s.a()), ReconcileOptions.DEFAULT.withFrameSizeLimit(min),
            storage(0).apply(s.b()), ReconcileOptions.DEFAULT.withFrameSizeLimit(min), 20_000);
        check(s, session, 0, min, min);
    }

    @Property(tries = 150)
    void onlyItemsFromTheCutoffOnTakePart(@ForAll @IntRange(max = 2000) int both,
            @ForAll @IntRange(max = 300) int onlyA, @ForAll @IntRange(max = 300) int onlyB,
            @ForAll("frameLimit") int limitA, @ForAll("frameLimit") int limitB,
            @ForAll @IntRange(max = 2) int responderCutoff, @ForAll long seed) {
        Random random = new Random(seed);
        Sets s = sets(random, both, onlyA, onlyB, 10_000);
        long cutoff = 1_700_000_000_000L + random.nextInt(10_000);
        // the responder may have the same cutoff, none, or an older one: the initiator's Skip range decides
        long theirs = responderCutoff == 0 ? cutoff : responderCutoff == 1 ? 0 : cutoff - random.nextInt(5000);
        Session session = Session.run(storage(0).apply(s.a()),
            new ReconcileOptions(limitA, cutoff), storage(2).apply(s.b()), new ReconcileOptions(limitB, theirs), 5_000);
        check(s, session, cutoff, limitA, limitB);
    }

    /**
     * A responder whose cutoff is later than the initiator's (the initiator's clock behind) settles what lies before
     * its own: the differences are exactly those from its cutoff on, whatever the initiator holds before it. Before
     * (session 51, break51) the initiator's items between the two cutoffs all came out as {@code have}, pushed to a
     * node that may have applied, cleaned and forgotten them.
     */
    @Property(tries = 150)
    void aResponderWithALaterCutoffSettlesWhatLiesBeforeIt(@ForAll @IntRange(max = 2000) int both,
            @ForAll @IntRange(max = 300) int onlyA, @ForAll @IntRange(max = 300) int onlyB,
            @ForAll("frameLimit") int limitA, @ForAll("frameLimit") int limitB, @ForAll boolean initiatorCutoff,
            @ForAll long seed) {
        Random random = new Random(seed);
        Sets s = sets(random, both, onlyA, onlyB, 10_000);
        long later = 1_700_000_000_000L + 1 + random.nextInt(10_000);
        long earlier = initiatorCutoff ? later - 1 - random.nextInt((int) (later - 1_700_000_000_000L)) : 0;
        Session session = Session.run(storage(0).apply(s.a()),
            new ReconcileOptions(limitA, earlier), storage(2).apply(s.b()), new ReconcileOptions(limitB, later), 5_000);
        check(s, session, later, limitA, limitB);
    }
}
