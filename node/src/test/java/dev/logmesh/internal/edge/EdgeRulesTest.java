package dev.logmesh.internal.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class EdgeRulesTest {
    final EdgeHooks.Type exact = EdgeHooks.Type.of(EdgeHooks.Access.DENY);
    final EdgeHooks.Type regex = EdgeHooks.Type.accept();
    final EdgeHooks.Type other = EdgeHooks.Type.of((ctx, a, m) -> true);

    @Test
    void typesExactThenRegexThenOther() {
        EdgeRules r = EdgeRules.builder().type("users/rename", exact).type(Pattern.compile("^users/"), regex)
            .otherType(other).build();
        assertSame(exact, r.type("users/rename"));
        assertSame(regex, r.type("users/add"));
        assertSame(other, r.type("posts/add"));
    }

    @Test
    void defaultAcceptsStrictRefuses() {
        EdgeHooks.Type t = EdgeRules.acceptAll().type("anything");
        assertSame(EdgeHooks.Access.ALLOW, t.access());
        assertNull(t.process());
        assertNull(EdgeRules.builder().strict().build().type("anything"));
        assertTrue(EdgeRules.builder().strict().build().strict());
        assertSame(other, EdgeRules.builder().strict().otherType(other).build().type("anything"));
        assertNull(EdgeRules.builder().strict().build().channel("x"));
        assertEquals(Map.of(), EdgeRules.acceptAll().channel("x").params());
    }

    @Test
    void channelsPatternThenRegexThenOther() {
        EdgeHooks.Channel users = EdgeHooks.Channel.accept();
        EdgeHooks.Channel byRegex = EdgeHooks.Channel.of((ctx, s) -> false);
        EdgeHooks.Channel rest = EdgeHooks.Channel.accept();
        EdgeRules r = EdgeRules.builder().channel("users/:id", users).channel(Pattern.compile("^posts/(\\d+)$"), byRegex)
            .otherChannel(rest).build();
        assertSame(users, r.channel("users/7").hooks());
        assertEquals(Map.of("id", "7"), r.channel("users/7").params());
        assertSame(byRegex, r.channel("posts/12").hooks());
        assertEquals(Map.of("1", "12"), r.channel("posts/12").params());
        assertSame(rest, r.channel("posts/x").hooks());
    }

    @Test
    void mistakes() {
        assertThrows(IllegalArgumentException.class,
            () -> EdgeRules.builder().type("a", exact).type("a", exact));
        assertThrows(IllegalStateException.class, () -> EdgeRules.builder().otherType(other).otherType(other));
        assertThrows(IllegalStateException.class,
            () -> EdgeRules.builder().otherChannel(EdgeHooks.Channel.accept()).otherChannel(EdgeHooks.Channel.accept()));
        assertThrows(NullPointerException.class, () -> new EdgeHooks.Type(null, null, null));
    }
}
