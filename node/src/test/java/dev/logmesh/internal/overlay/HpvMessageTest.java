package dev.logmesh.internal.overlay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logmesh.internal.overlay.HpvMessage.Disconnect;
import dev.logmesh.internal.overlay.HpvMessage.ForwardJoin;
import dev.logmesh.internal.overlay.HpvMessage.Join;
import dev.logmesh.internal.overlay.HpvMessage.Neighbor;
import dev.logmesh.internal.overlay.HpvMessage.NeighborReply;
import dev.logmesh.internal.overlay.HpvMessage.Priority;
import dev.logmesh.internal.overlay.HpvMessage.Shuffle;
import dev.logmesh.internal.overlay.HpvMessage.ShuffleReply;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Golden JSON per overlay message type (HyParView §4.2–4.4) and rejection of malformed input. */
class HpvMessageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PeerInfo N7 = new PeerInfo("n7", "ws://10.0.0.7:31337");

    private static String wire(HpvMessage m) throws Exception {
        return JSON.writeValueAsString(m.toJson());
    }

    private static HpvMessage read(String json) throws Exception {
        return HpvMessage.fromJson(JSON.readTree(json));
    }

    private static void roundTrip(HpvMessage m, String golden) throws Exception {
        assertEquals(golden, wire(m));
        assertEquals(m, read(golden));
    }

    @Test
    void joinIsTheJoinersAddress() throws Exception {
        // §4.2 JOIN
        roundTrip(new Join("ws://10.0.0.7:31337"), "{\"type\":\"join\",\"addr\":\"ws://10.0.0.7:31337\"}");
    }

    @Test
    void forwardJoinCarriesTheJoinerAndTtl() throws Exception {
        // §4.2 FORWARD_JOIN
        roundTrip(new ForwardJoin(N7, 5),
            "{\"type\":\"forwardJoin\",\"peer\":{\"id\":\"n7\",\"addr\":\"ws://10.0.0.7:31337\"},\"ttl\":5}");
    }

    @Test
    void neighborCarriesPriorityAndAddress() throws Exception {
        // §4.3 NEIGHBOR
        roundTrip(new Neighbor(Priority.HIGH, "ws://a"),
            "{\"type\":\"neighbor\",\"priority\":\"high\",\"addr\":\"ws://a\"}");
        roundTrip(new Neighbor(Priority.LOW, "ws://a"),
            "{\"type\":\"neighbor\",\"priority\":\"low\",\"addr\":\"ws://a\"}");
    }

    @Test
    void neighborReplyAndDisconnectAreFlags() throws Exception {
        roundTrip(new NeighborReply(true), "{\"type\":\"neighborReply\",\"accepted\":true}");
        roundTrip(new NeighborReply(false), "{\"type\":\"neighborReply\",\"accepted\":false}");
        // §4.2 DISCONNECT
        roundTrip(new Disconnect(false), "{\"type\":\"disconnect\",\"leaving\":false}");
        roundTrip(new Disconnect(true), "{\"type\":\"disconnect\",\"leaving\":true}");
    }

    @Test
    void shuffleAndReplyListPeers() throws Exception {
        // §4.4 SHUFFLE and SHUFFLE_REPLY
        PeerInfo n8 = new PeerInfo("n8", "ws://n8");
        roundTrip(new Shuffle(N7, 6, List.of(n8)), "{\"type\":\"shuffle\",\"origin\":{\"id\":\"n7\",\"addr\":"
            + "\"ws://10.0.0.7:31337\"},\"ttl\":6,\"peers\":[{\"id\":\"n8\",\"addr\":\"ws://n8\"}]}");
        roundTrip(new ShuffleReply(List.of(n8, N7)), "{\"type\":\"shuffleReply\",\"peers\":[{\"id\":\"n8\",\"addr\":"
            + "\"ws://n8\"},{\"id\":\"n7\",\"addr\":\"ws://10.0.0.7:31337\"}]}");
        roundTrip(new ShuffleReply(List.of()), "{\"type\":\"shuffleReply\",\"peers\":[]}");
    }

    @Test
    void unknownFieldsAreIgnored() throws Exception {
        assertEquals(new Disconnect(true), read("{\"type\":\"disconnect\",\"leaving\":true,\"reason\":\"bye\"}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "[]", "\"join\"", "{}", "{\"type\":1}", "{\"type\":\"hello\"}",
        "{\"type\":\"join\"}", "{\"type\":\"join\",\"addr\":null}", "{\"type\":\"join\",\"addr\":7}",
        "{\"type\":\"join\",\"addr\":\"\"}", "{\"type\":\"join\",\"addr\":\"ws://a\\u0000\"}",
        "{\"type\":\"forwardJoin\",\"peer\":{\"id\":\"a\",\"addr\":\"x\"},\"ttl\":-1}",
        "{\"type\":\"forwardJoin\",\"peer\":{\"id\":\"a\",\"addr\":\"x\"},\"ttl\":17}",
        "{\"type\":\"forwardJoin\",\"peer\":{\"id\":\"a\",\"addr\":\"x\"},\"ttl\":1.5}",
        "{\"type\":\"forwardJoin\",\"peer\":{\"id\":\"a\",\"addr\":\"x\"},\"ttl\":\"3\"}",
        "{\"type\":\"forwardJoin\",\"peer\":[\"a\",\"x\"],\"ttl\":3}",
        "{\"type\":\"forwardJoin\",\"peer\":{\"id\":\"\",\"addr\":\"x\"},\"ttl\":3}",
        "{\"type\":\"neighbor\",\"priority\":\"urgent\",\"addr\":\"x\"}",
        "{\"type\":\"neighbor\",\"priority\":\"HIGH\",\"addr\":\"x\"}",
        "{\"type\":\"neighborReply\",\"accepted\":\"yes\"}", "{\"type\":\"disconnect\"}",
        "{\"type\":\"shuffle\",\"origin\":{\"id\":\"a\",\"addr\":\"x\"},\"ttl\":3,\"peers\":{}}",
        "{\"type\":\"shuffle\",\"origin\":{\"id\":\"a\",\"addr\":\"x\"},\"ttl\":3,\"peers\":[1]}",
        "{\"type\":\"shuffleReply\",\"peers\":[{\"id\":\"a\",\"addr\":\"x\"},{\"id\":\"a\",\"addr\":\"y\"}]}",
        "{\"type\":\"shuffleReply\"}"})
    void malformedInputIsRefusedWithAReason(String json) throws Exception {
        JsonNode node = JSON.readTree(json);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HpvMessage.fromJson(node));
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), json);
    }

    @Test
    void oversizedListsAndStringsAreRefused() throws Exception {
        StringBuilder peers = new StringBuilder();
        for (int i = 0; i <= HpvMessage.MAX_PEERS; i++) {
            peers.append(i == 0 ? "" : ",").append("{\"id\":\"n").append(i).append("\",\"addr\":\"x\"}");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> read("{\"type\":\"shuffleReply\",\"peers\":[" + peers + "]}"));
        assertEquals("field \"peers\" holds 33 peers, more than 32", e.getMessage());
        String longId = "n".repeat(PeerInfo.MAX_ID_LENGTH + 1);
        e = assertThrows(IllegalArgumentException.class,
            () -> read("{\"type\":\"forwardJoin\",\"peer\":{\"id\":\"" + longId + "\",\"addr\":\"x\"},\"ttl\":1}"));
        assertEquals("node id is longer than 256 characters", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> read("{\"type\":\"join\",\"addr\":\"" + "a".repeat(PeerInfo.MAX_ADDRESS_LENGTH + 1) + "\"}"));
        assertEquals("address is longer than 512 characters", e.getMessage());
    }

    @Test
    void recordsValidateToo() {
        List<PeerInfo> many = new ArrayList<>();
        for (int i = 0; i <= HpvMessage.MAX_PEERS; i++) {
            many.add(new PeerInfo("n" + i, "x"));
        }
        assertThrows(IllegalArgumentException.class, () -> new ShuffleReply(many));
        assertThrows(IllegalArgumentException.class, () -> new ShuffleReply(List.of(N7, N7)));
        assertThrows(IllegalArgumentException.class, () -> new ForwardJoin(N7, HpvMessage.MAX_TTL + 1));
        assertThrows(IllegalArgumentException.class, () -> new PeerInfo("a b\n", "x"));
        assertThrows(IllegalArgumentException.class, () -> new PeerInfo("a", ""));
        assertThrows(NullPointerException.class, () -> new Neighbor(null, "x"));
        List<PeerInfo> mutable = new ArrayList<>(List.of(N7));
        Shuffle s = new Shuffle(N7, 1, mutable);
        mutable.clear();
        assertEquals(1, s.peers().size(), "the record keeps its own copy");
    }

    @Test
    void configValidatesEachField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> OverlayConfig.builder().maxActive(0).build());
        assertEquals("maxActive must be in [1, 32], got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> OverlayConfig.builder().maxActive(8).maxPassive(7).build());
        assertEquals("maxPassive must be in [8, 1024], got 7", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> OverlayConfig.builder().passiveWalkLength(7).build());
        assertEquals("passiveWalkLength must be in [0, 6], got 7", e.getMessage());
        assertEquals(OverlayConfig.DEFAULTS, OverlayConfig.DEFAULTS.toBuilder().build());
        assertEquals(8, OverlayConfig.DEFAULTS.toBuilder().maxActive(8).build().maxActive());
    }
}
