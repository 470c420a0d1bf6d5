package dev.logmesh.examples.desktop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.ActionId;
import org.junit.jupiter.api.Test;

/** What the window shows for an item (the window itself is exercised by scripts/demo-desktop.sh). */
class DesktopAppTest {
    @Test
    void anItemShowsItsTextAndTheNameOfItsNode() {
        SharedList.Item item = new SharedList.Item(ActionId.of(1, "alice:Xk3v9QaB", 0), "alice:Xk3v9QaB", "milk");
        assertEquals("milk  (alice)", item.toString());
        assertEquals("tea  (anon)", new SharedList.Item(ActionId.of(1, "anon", 0), "anon", "tea").toString());
    }
}
