package dev.logmesh.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Meta;
import dev.logmesh.spi.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 10, fault 7: {@code send} never throws, also over an application's frame transport. */
class FrameTransportSendTest {

    /** A frame connection that records what it is asked to do; {@code throwing} makes its send throw. */
    static final class Frames implements Connection {
        final List<String> calls = new ArrayList<>();
        boolean throwing;
        /** What send throws when {@code throwing}. */
        RuntimeException exception = new IllegalStateException("a transport that breaks its contract");
        Error error;

        @Override
        public void start(Handler handler) {
        }

        @Override
        public boolean send(String frame) {
            if (throwing) {
                if (error != null) {
                    throw error;
                }
                throw exception;
            }
            calls.add("send " + frame);
            return true;
        }

        @Override
        public void close(String reason) {
            calls.add("close: " + reason);
        }

        @Override
        public String remoteAddress() {
            return "test";
        }
    }

    static Message.Sync tooDeep() {
        // a custom meta value nested deeper than any JSON writer takes (an action can no longer be: Action.of)
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode n = root;
        for (int i = 0; i < 1_500; i++) {
            n = n.putObject("a");
        }
        Meta meta = new Meta(ActionId.parse("1 a 0"), 1, 0, List.of(), 0, Map.of("deep", root));
        return new Message.Sync(1, List.of(new Message.WireEntry(Action.ofType("deep"),
            WireMeta.toWire(meta, "b", 0, 0))));
    }

    @Test
    void aMessageThatCannotBeEncodedClosesTheLinkAndReturnsFalse() {
        Frames frames = new Frames();
        FrameTransport.Adapter link = new FrameTransport.Adapter(frames, new MessageCodec(), 1 << 20);
        assertTrue(link.send(new Message.Ping(1)));
        assertFalse(link.send(tooDeep()));
        assertEquals(2, frames.calls.size(), frames.calls.toString());
        assertTrue(frames.calls.get(1).startsWith("close: cannot send sync"), frames.calls.toString());
    }

    @Test
    void aTransportWhoseSendThrowsIsClosedAndTheNodeSeesFalse() {
        Frames frames = new Frames();
        frames.throwing = true;
        FrameTransport.Adapter link = new FrameTransport.Adapter(frames, new MessageCodec(), 1 << 20);
        assertFalse(link.send(new Message.Ping(1)));
        assertTrue(frames.calls.get(0).startsWith("close: cannot send ping"), frames.calls.toString());
    }

    /**
     * Session 27: an application transport's {@code AssertionError} or {@code StackOverflowError} is its link's
     * failure, as its exception is (before, it left {@code send} and ended the node); an {@code OutOfMemoryError}
     * still goes through.
     */
    @Test
    void aTransportWhoseSendThrowsAnErrorOfItsOwnIsClosedTooButOutOfMemoryGoesThrough() {
        for (Error e : List.of(new AssertionError("an assert in the transport"), new StackOverflowError())) {
            Frames frames = new Frames();
            frames.throwing = true;
            frames.error = e;
            FrameTransport.Adapter link = new FrameTransport.Adapter(frames, new MessageCodec(), 1 << 20);
            assertFalse(link.send(new Message.Ping(1)), e.toString());
            assertTrue(frames.calls.get(0).startsWith("close: cannot send ping"), frames.calls.toString());
        }
        Frames frames = new Frames();
        frames.throwing = true;
        frames.error = new OutOfMemoryError("injected");
        FrameTransport.Adapter link = new FrameTransport.Adapter(frames, new MessageCodec(), 1 << 20);
        assertSame(frames.error, assertThrows(OutOfMemoryError.class, () -> link.send(new Message.Ping(1))));
    }
}
