package dev.logmesh.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.api.Test;

/** One interner per node: shares what repeats, remembers at most {@link Interner#MAX} strings, shares nothing. */
class InternerTest {

    @Test
    void equalStringsBecomeOne() {
        Interner i = new Interner();
        String a = i.intern(new String("chat/add"));
        assertSame(a, i.intern(new String("chat/add")));
        assertSame(i.single("r"), i.single(new String("r")));
        assertEquals(List.of("r"), i.single("r"));
        assertSame(i.intern("r"), i.single("r").get(0), "the list holds the shared string");
    }

    @Test
    void twoNodesShareNothing() {
        Interner a = new Interner();
        Interner b = new Interner();
        String s = a.intern(new String("t"));
        assertNotSame(s, b.intern(new String("t")));
        assertSame(s, a.intern(new String("t")));
    }

    @Test
    void boundedByCountAndLength() {
        Interner i = new Interner();
        for (int n = 0; n < Interner.MAX * 2; n++) {
            i.intern("type/" + n);
        }
        assertEquals(Interner.MAX, i.size());
        // full: a new string comes back as it is, equal but not remembered
        String late = new String("late");
        assertSame(late, i.intern(late));
        assertNotSame(late, i.intern(new String("late")));
        // what was known before it filled up is still shared
        assertSame(i.intern("type/0"), i.intern(new String("type/0")));

        Interner fresh = new Interner();
        String longOne = "x".repeat(Interner.MAX_LENGTH + 1);
        assertSame(longOne, fresh.intern(longOne));
        assertEquals(0, fresh.size(), "long strings are never remembered");
    }

    @Test
    void charactersFindTheSharedStringAndList() {
        Interner i = new Interner();
        char[] buf = "..chat/add..r..".toCharArray();
        String shared = i.intern(new String("chat/add"));
        // the recently used one (the cache), and again after other texts took slots
        assertSame(shared, i.intern(buf, 2, 8));
        assertSame(shared, i.intern(buf, 2, 8));
        for (int n = 0; n < 1000; n++) {
            char[] other = ("t" + n).toCharArray();
            assertEquals("t" + n, i.intern(other, 0, other.length));
            assertSame(i.intern("t" + n), i.intern(other, 0, other.length));
        }
        assertSame(shared, i.intern(buf, 2, 8));
        assertSame(i.single("r"), i.single(buf, 12, 1));
        assertSame(i.single("r"), i.single(buf, 12, 1));
        assertEquals(List.of("a/d"), i.single("..a/d".toCharArray(), 2, 3));
        // texts of the same hash (so the same cache slot) stay apart: "Aa" and "BB"
        assertEquals("Aa", i.intern("Aa".toCharArray(), 0, 2));
        assertEquals("BB", i.intern("BB".toCharArray(), 0, 2));
        assertEquals("Aa", i.intern("Aa".toCharArray(), 0, 2));
        assertEquals(List.of("BB"), i.single("BB".toCharArray(), 0, 2));
        assertEquals(List.of("Aa"), i.single("Aa".toCharArray(), 0, 2));
        // prefixes are other texts
        assertEquals("chat/ad", i.intern(buf, 2, 7));
        assertEquals("", i.intern(buf, 2, 0));
    }

    @Test
    void listsOfReasonsAreShared() {
        Interner i = new Interner();
        List<String> ab = i.list(new java.util.ArrayList<>(List.of("a", "b")));
        assertEquals(List.of("a", "b"), ab);
        assertSame(ab, i.list(List.of(new String("a"), new String("b"))));
        assertSame(ab, List.copyOf(ab), "immutable: a meta keeps it as it is");
        assertEquals(List.of("b", "a"), i.list(List.of("b", "a")), "order counts");
        assertSame(i.single("a"), i.list(List.of("a")));
        assertEquals(List.of(), i.list(List.of()));
        List<String> nine = List.of("1", "2", "3", "4", "5", "6", "7", "8", "9");
        assertNotSame(i.list(new java.util.ArrayList<>(nine)), i.list(new java.util.ArrayList<>(nine)),
            "longer lists are not remembered");
        for (int n = 0; n < Interner.MAX * 2; n++) {
            i.list(List.of("x", "" + n));
        }
        List<String> late = List.of("late", "list");
        assertNotSame(i.list(new java.util.ArrayList<>(late)), i.list(new java.util.ArrayList<>(late)),
            "a full table remembers no more");
        assertSame(ab, i.list(List.of("a", "b")));
    }

    @Test
    void pairsAreTheSharedLists() {
        Interner i = new Interner();
        String a = i.intern("a");
        String b = i.intern("b");
        List<String> ab = i.pair(a, b);
        assertEquals(List.of("a", "b"), ab);
        assertSame(ab, i.pair(a, b));
        assertSame(ab, i.list(new java.util.ArrayList<>(List.of("a", "b"))));
        // equal strings that are other instances: the same list, through the table
        assertSame(ab, i.pair(new String("a"), new String("b")));
        assertEquals(List.of("b", "a"), i.pair(b, a));
        for (int n = 0; n < 500; n++) {
            assertEquals(List.of("x" + n, "y"), i.pair(i.intern("x" + n), i.intern("y")));
        }
        assertSame(ab, i.pair(a, b));
    }
}
