package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Criteria;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.spi.Order;
import dev.logmesh.spi.PeerCursor;
import dev.logmesh.spi.Store;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write-behind of {@link SqliteStore#add} (FULL durability, batches of at least
 * {@link SqliteStore#WRITE_BEHIND_MIN} entries whose ids are new by their origins' marks) against the
 * {@link MemoryStore} model: catch-up sized batches, with cursors, interleaved with every other call and reopens.
 */
class SqliteWriteBehindModelTest {
    private static final List<String> NODES = List.of("a", "b", "\u00FC", "\uD83D\uDE00");
    private static final List<String> REASONS = List.of("r", "s", "t");

    @TempDir
    Path dir;

    @Test
    void catchUpBatchesBehaveLikeTheModel() {
        for (long seed = 1; seed <= 12; seed++) {
            run(seed, dir.resolve("log-" + seed + ".db"));
        }
    }

    private static Entry entry(ActionId id, List<String> reasons, boolean extra) {
        Map<String, JsonNode> x = extra ? Map.of("x", IntNode.valueOf((int) id.seq())) : Map.of();
        return new Entry(Action.parse("{\"type\":\"t\",\"text\":\"" + id + "\"}"),
            new Meta(id, id.ms() * 10, 0, reasons, 0, x));
    }

    private void run(long seed, Path file) {
        Random rnd = new Random(seed);
        Store model = new MemoryStore();
        SqliteStore sqlite = SqliteStore.open(file);
        Map<String, Long> next = new HashMap<>();
        List<ActionId> all = new ArrayList<>();
        boolean usedBehind = false;
        try {
            for (int step = 0; step < 40; step++) {
                int kind = rnd.nextInt(12);
                String where = "seed " + seed + " step " + step + " kind " + kind;
                if (kind < 5) {
                    int n = kind == 0 ? 1 + rnd.nextInt(5) : 64 + rnd.nextInt(100);
                    List<Entry> batch = new ArrayList<>();
                    Map<String, List<ActionId>> per = new HashMap<>();
                    for (int i = 0; i < n; i++) {
                        String node = NODES.get(rnd.nextInt(NODES.size()));
                        long ms = next.getOrDefault(node, 1L);
                        if (rnd.nextInt(400) == 0 && !all.isEmpty()) {
                            ActionId old = all.get(rnd.nextInt(all.size())); // a duplicate: the batch is not fresh
                            batch.add(entry(old, List.of("r"), false));
                            continue;
                        }
                        next.put(node, ms + 1 + rnd.nextInt(3));
                        ActionId id = new ActionId(ms, node, rnd.nextInt(3));
                        all.add(id);
                        per.computeIfAbsent(node, k -> new ArrayList<>()).add(id);
                        List<String> reasons = rnd.nextInt(10) == 0 ? List.of()
                            : List.of(REASONS.get(rnd.nextInt(REASONS.size())));
                        batch.add(entry(id, reasons, rnd.nextBoolean()));
                    }
                    Map<String, PeerCursor> cursors = rnd.nextBoolean()
                        ? Map.of("p", new PeerCursor(step * 10L, step)) : Map.of();
                    assertEquals(model.add(batch, cursors), sqlite.add(batch, cursors), where);
                } else if (kind == 5) {
                    String r = REASONS.get(rnd.nextInt(3));
                    long max = rnd.nextBoolean() ? Long.MAX_VALUE : rnd.nextInt((int) Math.max(1, model.lastAdded()));
                    Criteria c = new Criteria(null, null, null, 0, max);
                    assertEquals(model.removeReason(r, c), sqlite.removeReason(r, c), where);
                } else if (kind == 6 && !all.isEmpty()) {
                    ActionId id = all.get(rnd.nextInt(all.size()));
                    assertEquals(model.remove(id), sqlite.remove(id), where);
                } else if (kind == 7 && !all.isEmpty()) {
                    ActionId id = all.get(rnd.nextInt(all.size()));
                    assertEquals(model.quarantine(id), sqlite.quarantine(id), where);
                } else if (kind == 8) {
                    usedBehind |= behindThreadOf(sqlite) != null;
                    sqlite.close();
                    sqlite = SqliteStore.open(file);
                } else if (kind == 9 && !all.isEmpty()) {
                    ActionId id = all.get(rnd.nextInt(all.size()));
                    Meta meta = model.byId(id).map(Entry::meta).orElse(null);
                    if (meta != null) {
                        Meta changed = meta.withReasons(List.of("s", "t"));
                        assertEquals(model.changeMeta(id, changed), sqlite.changeMeta(id, changed), where);
                    }
                } else if (kind == 10) {
                    long before = rnd.nextInt((int) Math.max(1, model.maxSeenMs() + 1));
                    assertEquals(model.forgetSeen(before), sqlite.forgetSeen(before), where);
                } else {
                    for (String node : NODES) {
                        assertEquals(model.maxSeenMs(node), sqlite.maxSeenMs(node), where + " maxSeenMs " + node);
                    }
                }
                // a read right after: the cursor, sizes and both orders
                assertEquals(model.cursor("p"), sqlite.cursor("p"), where + " cursor");
                assertEquals(model.lastAdded(), sqlite.lastAdded(), where + " lastAdded");
                assertEquals(model.size(), sqlite.size(), where + " size");
                assertEquals(model.maxSeenMs(), sqlite.maxSeenMs(), where + " maxSeenMs");
                for (Order order : Order.values()) {
                    assertEquals(model.page(order, true, null, 100_000), sqlite.page(order, true, null, 100_000),
                        where + " " + order);
                }
                for (String r : REASONS) {
                    assertEquals(model.withReason(r, 0, 100_000), sqlite.withReason(r, 0, 100_000),
                        where + " withReason " + r);
                }
                if (!all.isEmpty()) {
                    ActionId id = all.get(rnd.nextInt(all.size()));
                    assertEquals(model.seen(id), sqlite.seen(id), where + " seen " + id);
                }
            }
            usedBehind |= behindThreadOf(sqlite) != null;
            org.junit.jupiter.api.Assertions.assertTrue(usedBehind, "seed " + seed + ": no batch went behind");
        } finally {
            sqlite.close();
        }
    }

    private static Object behindThreadOf(SqliteStore s) {
        try {
            java.lang.reflect.Field f = SqliteStore.class.getDeclaredField("behindThread");
            f.setAccessible(true);
            return f.get(s);
        } catch (ReflectiveOperationException e) {
            throw new LinkageError(e.getMessage(), e);
        }
    }
}
