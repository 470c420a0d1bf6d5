package dev.logmesh.examples.desktop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.MeshNode;
import dev.logmesh.testkit.LocalMesh;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The desktop example's model on the test kit's LocalMesh: two instances, one offline for a while. */
class SharedListTest {

    @Test
    @SuppressWarnings("FutureReturnValueIgnored") // adds complete on the manual loop; the lists are asserted after
    void bothInstancesShowTheSameItemsInIdOrderAfterOneWasOffline() throws Exception {
        try (LocalMesh mesh = new LocalMesh()) {
            MeshNode alice = mesh.start("alice");
            MeshNode bob = mesh.start("bob", "alice");
            SharedList a = new SharedList(alice);
            SharedList b = new SharedList(bob);
            List<List<SharedList.Item>> shownByBob = new ArrayList<>();
            b.onChange(shownByBob::add);

            // both online: items sync
            a.add("milk");
            mesh.run(100);
            b.add("bread");
            mesh.run(100);
            assertEquals(List.of("milk", "bread"), texts(a));
            assertEquals(texts(a), texts(b));

            // bob goes offline and keeps adding; alice adds meanwhile, later than bob's first offline item
            mesh.net().down("bob");
            mesh.run(100);
            b.add("eggs");
            mesh.run(1_000);
            a.add("tea");
            mesh.run(1_000);
            b.add("jam");
            mesh.run(1_000);
            assertEquals(List.of("milk", "bread", "tea"), texts(a));
            assertEquals(List.of("milk", "bread", "eggs", "jam"), texts(b));

            // back online: each merges the other's items into place, by id
            mesh.net().up("bob");
            mesh.run(60_000);
            assertEquals(List.of("milk", "bread", "eggs", "tea", "jam"), texts(a));
            assertEquals(a.items(), b.items());
            List<SharedList.Item> sorted = new ArrayList<>(a.items());
            sorted.sort(Comparator.comparing(SharedList.Item::id));
            assertEquals(sorted, a.items(), "ordered by id");
            assertEquals(a.items(), shownByBob.get(shownByBob.size() - 1), "the listener saw the final list");
        }
    }

    /** The README's "Testing an app" snippet, as it is printed there. */
    @Test
    void theReadmeSnippet() {
        try (LocalMesh mesh = new LocalMesh(42)) {                     // the seed drives every random choice
            SharedList alice = new SharedList(mesh.start("alice"));     // your code, on real nodes
            SharedList bob = new SharedList(mesh.start("bob", "alice")); // bob dials alice
            alice.add("milk");
            mesh.run(1_000);                                             // one simulated second
            assertEquals("milk", bob.items().get(0).text());
            mesh.partition("alice", "bob");                              // split
            bob.add("bread");
            mesh.firewall().on("synced").from("alice").times(1).drop();  // faults by message type and link:
            mesh.heal();                                                 // drop, delay, duplicate, reorder
            mesh.run(30_000);
            mesh.check();  // every node: the same actions in the same order, each applied once, none lost
            assertEquals(alice.items(), bob.items());
            assertEquals(List.of("milk", "bread"), texts(alice));
        }
    }

    static List<String> texts(SharedList l) {
        return l.items().stream().map(SharedList.Item::text).toList();
    }
}
