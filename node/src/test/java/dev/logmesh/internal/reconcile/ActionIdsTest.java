package dev.logmesh.internal.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.logmesh.ActionId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** From an item the node holds back to its action id, through the log's ids of one millisecond. */
class ActionIdsTest {

    @Test
    void resolvesAmongTheIdsOfTheSameMillisecond() {
        ActionId a = ActionId.of(1000, "alice", 0);
        ActionId b = ActionId.of(1000, "bob", 0);
        ActionId c = ActionId.of(1000, "bob", 1);
        List<ActionId> log = List.of(a, b, c);
        ItemIndex index = new ItemIndex();
        log.forEach(index::add);
        for (int i = 0; i < index.size(); i++) {
            Item item = index.get(i);
            ActionId found = ActionIds.resolve(item, ms -> log.stream().filter(id -> id.ms() == ms).toList());
            assertEquals(item, Item.of(found));
        }
        assertNull(ActionIds.resolve(Item.of(ActionId.of(1000, "carol", 0)), ms -> log));
        assertNull(ActionIds.resolve(Item.of(a), ms -> List.of()));
    }

    @Test
    void needsAreFoundInTheirWindow() {
        ItemIndex index = new ItemIndex(4, 1);
        for (int i = 0; i < 100; i++) {
            index.add(ActionId.of(1000 + i / 3, "n" + i % 3, 0));
        }
        Item wanted = Item.of(ActionId.of(1010, "n1", 0));
        assertEquals(wanted, index.find(wanted.id(), 1005, 1020));
        assertNull(index.find(wanted.id(), 1011, 1020), "outside the window");
        assertEquals(wanted, index.find(wanted.id(), 0, Long.MAX_VALUE));
        Item other = Item.of(ActionId.of(1030, "n2", 0));
        assertEquals(List.of(wanted, other), index.findAll(List.of(new Need(other.id(), 1025, 1033),
            new Need(wanted.id(), 1000, 1012), new Need(ItemId.hashOf("absent"), 1000, 1040))));
    }
}
