package dev.logmesh.internal.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays the reference implementation's sessions (resources {@code vectors/}, see their README): every
 * message either side sends must be the recorded bytes, and the differences the recorded ones, with each
 * storage implementation.
 */
class VectorTest {

    /** One recorded session. */
    record Vector(String name, int clientLimit, int serverLimit, List<Item> client, List<Item> server,
            List<String> up, List<String> down, Set<ItemId> have, Set<ItemId> need) {

        static Vector load(Path file) {
            List<Item> client = new ArrayList<>();
            List<Item> server = new ArrayList<>();
            List<String> up = new ArrayList<>();
            List<String> down = new ArrayList<>();
            Set<ItemId> have = new HashSet<>();
            Set<ItemId> need = new HashSet<>();
            int[] limits = new int[2];
            try {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (line.startsWith("#") || line.isEmpty() || line.equals("done") || line.startsWith("case,")) {
                        continue;
                    }
                    int comma = line.indexOf(',');
                    String kind = line.substring(0, comma);
                    String value = line.substring(comma + 1);
                    switch (kind) {
  case "limits" -> {
limits[0] = Integer.parseInt(value.split(",", -1)[0]);
                            limits[1] = Integer.parseInt(value.split(",", -1)[1]);
}
  case "c", "s", "b" -> {
Item item = Item.of(ActionId.parse(value));
                            if (!kind.equals("s")) {
                                client.add(item);
                            }
                            if (!kind.equals("c")) {
                                server.add(item);
                            }
}
  case ">" -> 
up.add(value);
  case "<" -> 
down.add(value);
  case "have" -> 
have.add(ItemId.fromHex(value));
  case "need" -> 
need.add(ItemId.fromHex(value));
  default -> 
throw new IllegalArgumentException("unknown line in " + file + ": " + line);
}
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String name = file.getFileName().toString().replace(".txt", "");
            return new Vector(name, limits[0], limits[1], client, server, up, down, have, need);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Path> files() throws URISyntaxException, IOException {
        Path dir = Path.of(VectorTest.class.getResource("vectors").toURI());
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.toString().endsWith(".txt")).sorted().forEach(files::add);
        }
        assertTrue(files.size() >= 10, "vector files are missing: " + files);
        return files.stream();
    }

    static Map<String, Function<Collection<Item>, ItemStorage>> storages() {
        Map<String, Function<Collection<Item>, ItemStorage>> m = new HashMap<>();
        m.put("naive", NaiveStorage::new);
        m.put("index", items -> fill(new ItemIndex(), items));
        m.put("index-4-1", items -> fill(new ItemIndex(4, 1), items));
        m.put("index-64-8", items -> fill(new ItemIndex(64, 8), items));
        return m;
    }

    static ItemIndex fill(ItemIndex index, Collection<Item> items) {
        items.forEach(index::add);
        return index;
    }

    static Stream<Arguments> cases() throws URISyntaxException, IOException {
        List<Arguments> args = new ArrayList<>();
        List<Path> files = files().toList();
        for (String storage : storages().keySet().stream().sorted().toList()) {
            for (Path f : files) {
                args.add(Arguments.of(storage, f.getFileName().toString()));
            }
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("cases")
    void replaysTheReferenceSession(String storageName, String fileName) throws Exception {
        Vector v = Vector.load(Path.of(VectorTest.class.getResource("vectors/" + fileName).toURI()));
        Function<Collection<Item>, ItemStorage> make = storages().get(storageName);
        ItemStorage client = make.apply(v.client());
        ItemStorage server = make.apply(v.server());
        Initiator initiator = Initiator.create(client, ReconcileOptions.DEFAULT.withFrameSizeLimit(v.clientLimit()));
        Responder responder = Responder.create(server, ReconcileOptions.DEFAULT.withFrameSizeLimit(v.serverLimit()));

        assertEquals(v.up().get(0), Hex.encode(initiator.initiate()), "initiate()");
        List<Item> have = new ArrayList<>();
        List<Need> need = new ArrayList<>();
        for (int k = 0; k < v.down().size(); k++) {
            // each side gets the recorded message, so each role is checked on its own
            assertEquals(v.down().get(k), Hex.encode(responder.reconcile(Hex.decode(v.up().get(k)))),
                "answer to message " + k);
            Round round = initiator.reconcile(Hex.decode(v.down().get(k)));
            have.addAll(round.have());
            need.addAll(round.need());
            if (k + 1 < v.up().size()) {
                assertEquals(v.up().get(k + 1), Hex.encode(round.reply()), "message " + (k + 1));
            } else {
                assertNull(round.reply(), "the session should be over after message " + k);
            }
        }
        assertEquals(v.up().size(), v.down().size());

        Set<ItemId> haveIds = new HashSet<>();
        have.forEach(i -> haveIds.add(i.id()));
        Set<ItemId> needIds = new HashSet<>();
        need.forEach(n -> needIds.add(n.id()));
        assertEquals(v.have(), haveIds, "have");
        assertEquals(v.need(), needIds, "need");
        assertEquals(have.size(), haveIds.size(), "each have once");
        assertEquals(need.size(), needIds.size(), "each need once");

        // the windows lead the server to its items
        Map<ItemId, Item> serverItems = new HashMap<>();
        v.server().forEach(i -> serverItems.put(i.id(), i));
        for (Need n : need) {
            long t = serverItems.get(n.id()).timestamp();
            assertTrue(n.minTimestamp() <= t && t <= n.maxTimestamp(), n + " has the wrong window for " + t);
        }
        ItemIndex serverIndex = fill(new ItemIndex(), v.server());
        assertEquals(need.size(), serverIndex.findAll(need).size(), "findAll finds every need");
    }
}
