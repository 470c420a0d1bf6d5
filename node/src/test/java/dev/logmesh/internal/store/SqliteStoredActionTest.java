package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Actions read back from SQLite rows ({@code Action.ofStored}: not checked again) behave as the actions that were
 * added: same type, equal, usable, and sendable to peers. {@code Action.of(tree)} must therefore take only trees whose
 * text every reader takes (the breaker's case: a 1001-digit integer, past Jackson's read limit of 1000, was taken, then
 * threw from {@code type()} after a round trip through SQLite and was refused by every peer's codec).
 */
class SqliteStoredActionTest {
    @TempDir
    Path dir;

    /**
     * A number of {@code digits} digits, 1.000…0: Jackson's read limit counts digits. Not an integer of that many
     * digits: one of 309 digits or more is beyond a double's range, refused by {@code Action.of} since embed34
     * (JavaScript reads it as Infinity), before the read limit is reached.
     */
    static ObjectNode bigNumber(int digits) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("type", "big");
        n.put("n", new java.math.BigDecimal(BigInteger.TEN.pow(digits - 1), digits - 1));
        return n;
    }

    @Test
    void actionOfRefusesATreeWhoseTextNoReaderTakes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Action.of(bigNumber(1001)));
        assertTrue(e.getMessage().contains("does not make JSON text that nodes read back"), e.getMessage());
        ObjectNode deep = JsonNodeFactory.instance.objectNode().put("type", "deep");
        ObjectNode at = deep;
        for (int i = 0; i < 1_100; i++) {
            at = at.putObject("a");
        }
        assertThrows(IllegalArgumentException.class, () -> Action.of(deep));
    }

    @Test
    void anActionMadeFromATreeReadsBackUsable() {
        Action added = Action.of(bigNumber(1000)); // at the limit: taken
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
        String frame = "[\"sync\",1," + Action.of(bigNumber(1000)).toJson()
            + ",{\"id\":\"1000000 origin 0\",\"time\":1000000}]";
        var m = new dev.logmesh.internal.protocol.MessageCodec().decode(frame);
        assertTrue(m instanceof dev.logmesh.internal.protocol.Message.Sync, String.valueOf(m));
    }
}
