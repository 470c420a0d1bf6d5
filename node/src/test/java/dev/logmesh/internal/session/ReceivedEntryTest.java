package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import dev.logmesh.internal.protocol.Message;
import dev.logmesh.internal.protocol.MessageCodec;
import dev.logmesh.internal.protocol.MessageConnection;
import dev.logmesh.internal.protocol.ProtocolError;
import dev.logmesh.internal.protocol.ScannedEntries;
import dev.logmesh.spi.Connection;
import dev.logmesh.testkit.ManualLoop;
import dev.logmesh.testkit.SessionNode;
import dev.logmesh.testkit.TestPair;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a received {@code sync} makes in the log. A session makes each received entry's meta with the {@code added}
 * number the store is expected to give it, so the store keeps the session's objects (one {@link Meta} and one
 * {@link Entry} per entry, the same ones the {@code add} event carries); where the guess is wrong (a duplicate, an
 * entry without reasons) the store's numbering decides, as before.
 */
class ReceivedEntryTest {
    final ManualLoop loop = new ManualLoop(1_000_000);

    @Test
    void aCatchUpsEntriesAreStoredAndAnnouncedAsTheObjectsTheSessionMade() {
        SessionNode a = new SessionNode("a", loop, SessionConfig.defaults("test"));
        SessionNode b = new SessionNode("b", loop, SessionConfig.defaults("test"));
        for (int i = 0; i < 5; i++) {
            a.add("a/" + i);
        }
        SessionNode.connect(loop, a, b);
        loop.runAll();
        assertEquals(5, b.added.size());
        for (int i = 0; i < 5; i++) {
            Entry e = b.added.get(i);
            assertEquals("a/" + i, e.action().type());
            assertEquals(i + 1, e.meta().added());
            assertSame(b.log.byId(e.id()).orElseThrow(), e, "the add event carries the stored entry, not a copy");
        }
    }

    @Test
    void duplicatesAndEntriesWithoutReasonsAreNumberedAsTheStoreNumbersThem() {
        SessionNode n = new SessionNode("n", loop, SessionConfig.defaults("test"));
        n.add("before"); // added 1
        ActionId seen = ActionId.parse("1000005 peer 1");
        n.log.add(new Entry(Action.ofType("seen"), Meta.of(seen, 1000005, List.of("r")))); // added 2
        n.log.removeReason("r", dev.logmesh.Criteria.id(seen)); // cleaned, still seen
        TestPair pair = new TestPair(loop);
        n.accept(pair);
        pair.right().inject(BadInputTest.CONNECT);
        loop.runAll();
        n.added.clear();
        pair.clear();

        pair.right().inject("[\"sync\",9,"
            + "{\"type\":\"new/1\"},{\"id\":\"1000005 peer 0\",\"time\":1,\"reasons\":[\"r\"]},"
            + "{\"type\":\"seen\"},{\"id\":\"1000005 peer 1\",\"time\":1,\"reasons\":[\"r\"]},"
            + "{\"type\":\"new/2\"},{\"id\":\"1000005 peer 2\",\"time\":1},"
            + "{\"type\":\"again\"},{\"id\":\"1000005 peer 0\",\"time\":1,\"reasons\":[\"r\"]},"
            + "{\"type\":\"new/3\"},{\"id\":\"1000005 peer 3\",\"time\":1,\"reasons\":[\"r\",\"s\",\"r\"]}]");
        loop.runAll();

        assertEquals(List.of("[\"synced\",9]"), pair.takeAllRight());
        List<String> got = new ArrayList<>();
        for (Entry e : n.added) {
            got.add(e.action().type() + " " + e.id() + " " + e.meta().added() + " " + e.meta().reasons());
            assertEquals(n.log.byId(e.id()).orElseThrow(), e);
        }
        // each new id once, numbered after the log's 2; the one without reasons gets the node's keep reason
        assertEquals(List.of("new/1 1000005 peer 0 3 [r]", "new/2 1000005 peer 2 4 [test]",
            "new/3 1000005 peer 3 5 [r, s]"), got);
        assertEquals(5, n.log.lastAdded());
        assertEquals(4, n.log.size());
        List<Long> stored = new ArrayList<>();
        for (Entry e : n.log.entries(dev.logmesh.spi.Order.ADDED, true, null)) {
            stored.add(e.meta().added());
        }
        assertEquals(List.of(1L, 3L, 4L, 5L), stored);
    }

    /**
     * A frame decoded from its bytes, as logmesh's WebSocket transport decodes it (the scanner's columns: each meta made
     * straight from them), leaves the log and its events as the same frame decoded by Jackson does: ids in every
     * form, times shifted by the base time, reasons (repeated, none: the keep reason), subprotocols, duplicates and seen ids.
     */
    @Test
    void aScannedFrameIsStoredAsTheDecodersFrameIs() throws ProtocolError {
        String frame = "[\"sync\",9,"
            + "{\"type\":\"new/1\"},{\"id\":5,\"time\":1,\"reasons\":[\"r\"]},"
            + "{\"type\":\"seen\"},{\"id\":[5,1],\"time\":1,\"reasons\":[\"r\"]},"
            + "{\"type\":\"new/2\",\"v\":[1,{}]},{\"id\":[6,\"other\",2],\"time\":-3},"
            + "{\"type\":\"again\"},{\"id\":5,\"time\":1,\"reasons\":[\"r\"]},"
            + "{\"type\":\"new/3\"},{\"id\":\"1000007 far 3\",\"time\":2,\"reasons\":[\"r\",\"s\",\"r\"],"
            + "\"subprotocol\":4},"
            + "{\"type\":\"new/4\"},{\"id\":[7,4],\"time\":9,\"reasons\":[\"s\",\"r\"]}]";
        byte[] bytes = frame.getBytes(StandardCharsets.UTF_8);
        Message.Sync scanned = (Message.Sync) new MessageCodec().decodeCommon(bytes, 0, bytes.length);
        assertEquals(ScannedEntries.class, scanned.entries().getClass(), "the frame takes the scanner's path");

        List<String> viaJackson = receive(frame, false);
        List<String> viaScanner = receive(frame, true);
        assertEquals(viaJackson, viaScanner);
        assertEquals(List.of("new/1 1000005 peer 0 time=1000001 3 [r] 0", "new/2 1000006 other 2 time=999997 4 [test] 0",
            "new/3 1000007 far 3 time=1000002 5 [r, s] 4", "new/4 1000007 peer 4 time=1000009 6 [s, r] 0"), viaScanner);
    }

    /** What a node holds after {@code frame} from a peer (its base time 1,000,000 ms; a listener's time fix is 0), as text. */
    private List<String> receive(String frame, boolean asBytes) {
        ManualLoop own = new ManualLoop(1_000_000);
        SessionNode n = new SessionNode("n", own, SessionConfig.defaults("test"));
        n.add("before"); // added 1
        ActionId seen = ActionId.parse("1000005 peer 1");
        n.log.add(new Entry(Action.ofType("seen"), Meta.of(seen, 1000005, List.of("r")))); // added 2
        n.log.removeReason("r", dev.logmesh.Criteria.id(seen)); // cleaned, still seen
        TestPair pair = new TestPair(own);
        n.hub.open(asBytes ? new BytesDecoding(pair.right()) : SessionNode.messages(pair.right()),
            SyncSession.Role.LISTENER, null, null);
        pair.right().inject("[\"connect\",5,\"peer\",1000000,{\"logmesh\":{\"v\":1,\"mesh\":\"test\"}}]");
        own.runAll();
        n.added.clear();
        pair.clear();
        pair.right().inject(frame);
        own.runAll();
        assertEquals(List.of("[\"synced\",9]"), pair.takeAllRight());
        List<String> got = new ArrayList<>();
        for (Entry e : n.added) {
            assertEquals(n.log.byId(e.id()).orElseThrow(), e);
            got.add(e.action().type() + " " + e.id() + " time=" + e.meta().time() + " " + e.meta().added() + " "
                + e.meta().reasons() + " " + e.meta().subprotocol());
        }
        assertEquals(6, n.log.lastAdded());
        return got;
    }

    /** A frame connection whose frames are decoded from their UTF-8 bytes, as {@code NettyConnection} decodes them. */
    private static final class BytesDecoding implements MessageConnection {
        private final Connection frames;
        private final MessageCodec codec = new MessageCodec();

        BytesDecoding(Connection frames) {
            this.frames = frames;
        }

        @Override
        public void start(Handler handler) {
            frames.start(new Connection.Handler() {
                @Override
                public void onOpen() {
                    handler.onOpen();
                }

                @Override
                public void onFrame(String frame) {
                    byte[] b = frame.getBytes(StandardCharsets.UTF_8);
                    try {
                        handler.onMessage(codec.decode(b, 0, b.length));
                    } catch (ProtocolError e) {
                        handler.onBadInput(e);
                    }
                }

                @Override
                public void onClose(String reason) {
                    handler.onClose(reason);
                }
            });
        }

        @Override
        public boolean send(Message message) {
            return frames.send(MessageCodec.encode(message));
        }

        @Override
        public void close(String reason) {
            frames.close(reason);
        }

        @Override
        public String remoteAddress() {
            return frames.remoteAddress();
        }
    }
}
