package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.spi.Store;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Actions read back from SQLite rows ({@code Action.ofStored}: not checked again) behave as the actions that were
 * added: same type, equal, usable. {@code Action.of(tree)} never checked its text with {@code Action.parse}, so
 * "checked before it was stored" does not hold for every row.
 */
@Disabled("fault, not fixed: Action.of(tree) takes numbers of more than 1000 digits, which Action.parse, "
    + "Action.ofStored's lazy type() and every codec refuse (Jackson's StreamReadConstraints): the stored action throws "
    + "IllegalStateException from type(), and its sync frame is refused by peers (\"frame is not JSON\"). Fix: "
    + "Action.of refuses what parse would (or the limits are raised everywhere), a design choice for the lead")
class SqliteStoredActionTest {
    @TempDir
    Path dir;

    /** An integer of 1001 digits: {@code Action.of} takes it; Jackson's default read limit is 1000 digits. */
    static Action bigNumber() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("type", "big");
        n.put("n", BigInteger.TEN.pow(1000));
        return Action.of(n);
    }

    @Test
    void anActionMadeFromATreeReadsBackUsable() {
        Action added = bigNumber();
        ActionId id = new ActionId(1_000_000L, "origin", 0);
        List<Store.Corruption> reports = new ArrayList<>();
        try (SqliteStore store = SqliteStore.open(dir.resolve("log.db"))) {
            store.add(List.of(new Entry(added, Meta.of(id, 1_000_000L, List.of("keep")))));
        }
        try (SqliteStore store = SqliteStore.open(dir.resolve("log.db"))) {
            store.onCorrupt(reports::add);
            Optional<Entry> read = store.byId(id);
            assertTrue(read.isPresent(), "the entry was quarantined: " + reports);
            Action a = read.get().action();
            assertEquals("big", a.type());
            assertEquals(added, a);
            assertEquals(added.hashCode(), a.hashCode());
        }
    }

    /**
     * What a node stores it sends to its peers: a logmesh peer's codec must take the {@code sync} frame that carries
     * it, else every catch-up with that peer fails on the same entry.
     */
    @Test
    void aPeerDecodesTheSyncFrameThatCarriesIt() throws Exception {
        String frame = "[\"sync\",1," + bigNumber().toJson() + ",{\"id\":\"1000000 origin 0\",\"time\":1000000}]";
        var m = new dev.logmesh.internal.protocol.MessageCodec().decode(frame);
        assertTrue(m instanceof dev.logmesh.internal.protocol.Message.Sync, String.valueOf(m));
    }
}
