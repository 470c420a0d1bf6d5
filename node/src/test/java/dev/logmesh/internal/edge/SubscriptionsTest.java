package dev.logmesh.internal.edge;

import static dev.logmesh.internal.edge.Entries.action;
import static dev.logmesh.internal.edge.Entries.entry;
import static dev.logmesh.internal.edge.Entries.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import dev.logmesh.Meta;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SubscriptionsTest {

    @Test
    void filtersPerChannelAreKeyedByTheirJson() {
        Subscriptions s = new Subscriptions();
        assertTrue(s.add("users/1", "{}", ChannelFilter.ALL));
        assertFalse(s.add("users/1", "{\"a\":1}", e -> false));
        assertEquals(Set.of("{}", "{\"a\":1}"), s.filterKeys("users/1"));
        assertTrue(s.wants("users/1", entry("{'type':'x'}", "n")));
        assertFalse(s.remove("users/1", "{}"));
        assertFalse(s.wants("users/1", entry("{'type':'x'}", "n")));
        assertTrue(s.has("users/1"));
        assertTrue(s.remove("users/1", "{\"a\":1}"));
        assertFalse(s.has("users/1"));
        assertTrue(s.isEmpty());
        assertFalse(s.remove("never", "{}"));
        assertFalse(s.wants("never", entry("{'type':'x'}", "n")));
    }

    @Test
    void resubscribingReplacesTheSameFilter() {
        Subscriptions s = new Subscriptions();
        s.add("c", "{}", e -> false);
        s.add("c", "{}", ChannelFilter.ALL);
        assertEquals(Set.of("{}"), s.filterKeys("c"));
        assertTrue(s.wants("c", entry("{'type':'x'}", "n")));
        s.add("d", "{}", ChannelFilter.ALL);
        assertEquals(List.of("c", "d"), List.copyOf(s.channels()));
        s.clear();
        assertTrue(s.isEmpty());
        assertEquals(Set.of(), s.filterKeys("c"));
    }

    @Test
    void filterKeyIsJsonStringifyOfFilterOrEmptyObject() {
        assertEquals("{}", Subscriptions.filterKey(null));
        assertEquals("{}", Subscriptions.filterKey(json("null")));
        assertEquals("{\"b\":1,\"a\":[1,\"x\"]}", Subscriptions.filterKey(json("{'b':1,'a':[1,'x']}")));
    }

    @Test
    void subscribeActions() {
        Subscribe s = Subscribe.of(action("{'type':'logux/subscribe','channel':'users/1','filter':{'a':1},"
            + "'since':{'id':'5 bob:x:y 2','time':7}}"));
        assertEquals("users/1", s.channel());
        assertEquals("{\"a\":1}", s.filterKey());
        assertEquals(new Since(ActionId.of(5, "bob:x:y", 2), 7), s.since());
        assertFalse(s.unsubscribe());
        Subscribe u = Subscribe.of(action("{'type':'logux/unsubscribe','channel':'users/1'}"));
        assertTrue(u.unsubscribe());
        assertEquals("{}", u.filterKey());
        assertNull(u.since());
        assertNull(Subscribe.of(action("{'type':'logux/subscribe','channel':1}")));
        assertNull(Subscribe.of(action("{'type':'logux/subscribe'}")));
        assertThrows(IllegalArgumentException.class, () -> Subscribe.of(action("{'type':'other'}")));
    }

    @Test
    void malformedSinceIsIgnored() {
        for (String since : List.of("1", "{'id':5,'time':1}", "{'id':'5 a 0'}", "{'id':'x','time':1}",
            "{'id':'5 a 0','time':'1'}", "{'id':'5 a 0','time':1.5}")) {
            assertNull(Since.of(json(since)), since);
        }
        assertNull(Since.of(null));
    }

    @Test
    void sinceComparesAsIsFirstOlder() {
        Since since = new Since(ActionId.of(100, "b", 0), 100);
        assertTrue(since.isBefore(Meta.of(ActionId.of(101, "a", 0), 101, List.of())));
        assertFalse(since.isBefore(Meta.of(ActionId.of(100, "b", 0), 100, List.of())));
        assertFalse(since.isBefore(Meta.of(ActionId.of(99, "c", 0), 99, List.of())));
        // same time: node id decides (Logux's order)
        assertTrue(since.isBefore(Meta.of(ActionId.of(100, "c", 0), 100, List.of())));
        assertFalse(since.isBefore(Meta.of(ActionId.of(100, "a", 0), 100, List.of())));
        // time decides before id
        assertTrue(since.isBefore(Meta.of(ActionId.of(1, "a", 0), 200, List.of())));
    }
}
