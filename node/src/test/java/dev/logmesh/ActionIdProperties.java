package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The created order ({@link ActionId#compareTo}) is a total order consistent with equals; ids round-trip. */
class ActionIdProperties {

    @Provide
    Arbitrary<ActionId> ids() {
        // small ranges so that equal parts are frequent; nodes include surrogate pairs and high BMP characters
        Arbitrary<Long> numbers = Arbitraries.oneOf(Arbitraries.longs().between(0, 12),
            Arbitraries.longs().between(0, ActionId.MAX_SAFE));
        Arbitrary<String> nodes = Arbitraries.oneOf(Arbitraries.of("a", "b", "ab", "\uD83D\uDE00", "\uFF21"),
            Arbitraries.strings().withCharRange('!', '~').withChars('\u00E9', '\uFFFF').ofMinLength(1).ofMaxLength(4));
        return Combinators.combine(numbers, nodes, numbers).as(ActionId::new);
    }

    @Property(seed = "42")
    @SuppressWarnings("SelfComparison") // a.compareTo(a) == 0 is part of the property
    void antisymmetricAndConsistentWithEquals(@ForAll("ids") ActionId a, @ForAll("ids") ActionId b) {
        assertEquals(Integer.signum(a.compareTo(b)), -Integer.signum(b.compareTo(a)));
        assertEquals(a.compareTo(b) == 0, a.equals(b));
        assertEquals(a.compareTo(a), 0);
    }

    @Property(seed = "42")
    void transitive(@ForAll("ids") ActionId a, @ForAll("ids") ActionId b, @ForAll("ids") ActionId c) {
        if (a.compareTo(b) <= 0 && b.compareTo(c) <= 0) {
            assertTrue(a.compareTo(c) <= 0, a + " <= " + b + " <= " + c);
        }
        if (a.compareTo(b) < 0 && b.compareTo(c) < 0) {
            assertTrue(a.compareTo(c) < 0);
        }
    }

    @Property(seed = "42")
    void totalAndMsFirst(@ForAll("ids") ActionId a, @ForAll("ids") ActionId b) {
        assertTrue(a.isBefore(b) || b.isBefore(a) || a.equals(b));
        if (a.ms() != b.ms()) {
            assertEquals(Long.compare(a.ms(), b.ms()), Integer.signum(a.compareTo(b)));
        }
    }

    @Property(seed = "42")
    void parsesItsOwnText(@ForAll("ids") ActionId a) {
        assertEquals(a, ActionId.parse(a.toString()));
    }

    /** What the record generated before {@link ActionId} wrote its own {@code equals} and {@code hashCode}. */
    private record Generated(long ms, String node, long seq) {
    }

    @Property(seed = "42")
    void equalsAndHashAreTheRecordsOwn(@ForAll("ids") ActionId a, @ForAll("ids") ActionId b) {
        // the same hash (hashed collections iterate in the same order as before), equal with a copy of the node
        // string (not the same instance: the compare's shortcut must not be the answer)
        assertEquals(new Generated(a.ms(), a.node(), a.seq()).hashCode(), a.hashCode());
        ActionId copy = new ActionId(a.ms(), new String(a.node().toCharArray()), a.seq());
        assertEquals(a, copy);
        assertEquals(0, a.compareTo(copy));
        assertEquals(a.hashCode(), copy.hashCode());
        assertEquals(new Generated(a.ms(), a.node(), a.seq()).equals(new Generated(b.ms(), b.node(), b.seq())),
            a.equals(b));
    }

    @Example
    void seqTenSortsAfterSeqNine() {
        assertTrue(ActionId.parse("5 n 9").isBefore(ActionId.parse("5 n 10")));
        assertTrue(ActionId.parse("9 n 0").isBefore(ActionId.parse("10 n 0")));
    }
}
