package dev.logmesh.internal.protocol;

import dev.logmesh.internal.callback.Callbacks;
import dev.logmesh.spi.Connection;
import dev.logmesh.spi.Transport;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Runs a node over an application's {@link Transport} of text frames: encodes and decodes every message
 * with {@link MessageCodec} and enforces the frame limit on both directions, so a custom transport gets
 * the same checks as logmesh's own WebSocket transport (which decodes straight from its buffers instead).
 *
 * <p>Called on the node's loop, like the connections it wraps.
 */
public final class FrameTransport implements MessageTransport {
    private final Transport transport;
    private final int maxFrameBytes;
    /** This node's codec: one per transport, so one per node (its interner is the node's). */
    private final MessageCodec codec = new MessageCodec();

    /**
     * @param maxFrameBytes the largest frame accepted or sent, in UTF-8 bytes
     */
    public FrameTransport(Transport transport, int maxFrameBytes) {
        this.transport = transport;
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    public URI listen(String host, int port, Consumer<MessageConnection> acceptor) throws IOException {
        return transport.listen(host, port, c -> acceptor.accept(new Adapter(c, codec, maxFrameBytes)));
    }

    @Override
    public MessageConnection dial(URI url) {
        return new Adapter(transport.dial(url), codec, maxFrameBytes);
    }

    @Override
    public void close() {
        transport.close();
    }

    /**
     * One frame connection seen as a message connection, with the same codec and frame limit as a node's
     * (for protocol tests that hand a session one link of the test kit).
     */
    public static MessageConnection adapt(Connection frames, int maxFrameBytes) {
        return new Adapter(frames, new MessageCodec(), maxFrameBytes);
    }

    /** One frame connection seen as a message connection. */
    static final class Adapter implements MessageConnection {
        private final Connection frames;
        private final MessageCodec codec;
        private final int maxFrameBytes;

        Adapter(Connection frames, MessageCodec codec, int maxFrameBytes) {
            this.frames = frames;
            this.codec = codec;
            this.maxFrameBytes = maxFrameBytes;
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
                    // a UTF-16 length over the limit is over it in UTF-8 too; count bytes only near it
                    if (frame.length() > maxFrameBytes
                        || (frame.length() * 3L > maxFrameBytes
                            && frame.getBytes(StandardCharsets.UTF_8).length > maxFrameBytes)) {
                        handler.onBadInput(ProtocolError.wrongFormat(frame.substring(0, Math.min(64, frame.length())),
                            "frame over the limit of " + maxFrameBytes + " bytes"));
                        return;
                    }
                    Message m;
                    try {
                        m = codec.decode(frame);
                    } catch (ProtocolError e) {
                        handler.onBadInput(e);
                        return;
                    }
                    handler.onMessage(m);
                }

                @Override
                public void onBytes(long count) {
                    handler.onBytes(count);
                }

                @Override
                public void onClose(String reason) {
                    handler.onClose(reason);
                }
            });
        }

        /**
         * Encodes and hands the frame on. Never throws (the {@link MessageConnection} contract, whatever the
         * application's transport does): a message that cannot be encoded, or a transport that throws, closes
         * the link and returns false.
         */
        @Override
        public boolean send(Message message) {
            try {
                return frames.send(MessageCodec.encode(message));
            } catch (RuntimeException | Error e) {
                Callbacks.rethrowFatal(e); // else the application's transport failed: this link only
                try {
                    frames.close("cannot send " + message.type() + ": " + e);
                } catch (RuntimeException | Error again) {
                    Callbacks.rethrowFatal(again);
                    e.addSuppressed(again);
                }
                org.slf4j.LoggerFactory.getLogger(FrameTransport.class).warn("cannot send {} to {}: {}",
                    message.type(), frames.remoteAddress(), e.toString());
                return false;
            }
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
