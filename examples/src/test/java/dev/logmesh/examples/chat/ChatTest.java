package dev.logmesh.examples.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.MeshNode;
import dev.logmesh.testkit.LocalMesh;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chat example on the test kit's LocalMesh (the manual loop's clock starts at 00:16:40 UTC). */
class ChatTest {

    @Test
    @SuppressWarnings("FutureReturnValueIgnored") // sends complete on the manual loop; what is printed is asserted
    void messagesPrintAsTheyArriveLateOnesWithANoteAndHistoryInCreatedOrder() throws Exception {
        try (LocalMesh mesh = new LocalMesh()) {
            MeshNode a = mesh.start("alice");
            MeshNode b = mesh.start("bob", "alice");
            List<String> aliceSees = new ArrayList<>();
            List<String> bobSees = new ArrayList<>();
            Chat alice = new Chat(a, "alice", aliceSees::add, ZoneOffset.UTC);
            Chat bob = new Chat(b, "bob", bobSees::add, ZoneOffset.UTC);
            mesh.run(100);

            alice.send("hi");
            mesh.run(1_000);
            assertEquals(List.of("00:16:40 alice: hi"), bobSees);

            // bob writes while offline; alice writes twice later; bob comes back
            mesh.net().down("bob");
            bob.send("anyone?");
            mesh.run(2_000);
            alice.send("where is bob");
            mesh.run(1_000);
            alice.send("oh well");
            mesh.net().up("bob");
            mesh.run(60_000);

            assertEquals(List.of("00:16:40 alice: hi", "00:16:43 alice: where is bob", "00:16:44 alice: oh well",
                "00:16:41 bob: anyone?   [late: written before the 2 messages above]"), aliceSees);
            assertEquals(List.of("00:16:40 alice: hi", "00:16:41 bob: anyone?", "00:16:43 alice: where is bob",
                "00:16:44 alice: oh well"), bobSees);

            aliceSees.clear();
            alice.history();
            mesh.runAll();
            assertEquals(List.of("--- 4 messages, in the order every node agrees on ---", "00:16:40 alice: hi",
                "00:16:41 bob: anyone?", "00:16:43 alice: where is bob", "00:16:44 alice: oh well", "---"), aliceSees);
        }
    }
}
