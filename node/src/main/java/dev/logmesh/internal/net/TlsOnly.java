package dev.logmesh.internal.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The first handler of a {@code wss://} listener's connection: it reads the first bytes, and when they are a TLS
 * record it puts the TLS handler in its place (which gets those bytes); when they are not (a {@code ws://} dial, or
 * any plain HTTP request), it answers in plain HTTP, {@code 400} with the header {@value #HEADER}{@code : tls}, and
 * closes, as nginx answers "The plain HTTP request was sent to HTTPS port". Nothing else is read in plain text.
 * Before (session 22) the TLS handler closed such a connection without a byte, and a logmesh dialer could only
 * guess ("not a logmesh/Logux endpoint, or a ws:// URL for a wss:// node?"); with the header it says which
 * ({@link WsTransport#beforeUpgrade}). Runs on the channel's event loop.
 */
final class TlsOnly extends ByteToMessageDecoder {
    /** The header of the plain answer: its value {@code tls} says the port wants TLS. */
    static final String HEADER = "X-Logmesh-Listener";
    /** Bytes of a TLS record header, enough to tell TLS from plain text ({@link SslHandler#isEncrypted}). */
    private static final int RECORD_HEADER = 5;
    private static final String BODY = "this logmesh node speaks TLS: dial it with wss://, not ws://\n";
    private static final byte[] ANSWER = ("HTTP/1.1 400 Bad Request\r\n"
        + HEADER + ": tls\r\n"
        + "Content-Type: text/plain; charset=utf-8\r\n"
        + "Content-Length: " + BODY.length() + "\r\n"
        + "Connection: close\r\n\r\n"
        + BODY).getBytes(StandardCharsets.US_ASCII);

    private final SslContext tls;

    TlsOnly(SslContext tls) {
        this.tls = tls;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < RECORD_HEADER) {
            return;
        }
        if (SslHandler.isEncrypted(in, false)) {
            // the TLS handler takes this one's place; the bytes read so far go to it as this one is removed
            ctx.pipeline().replace(this, "tls", tls.newHandler(ctx.alloc()));
            return;
        }
        in.skipBytes(in.readableBytes());
        ctx.writeAndFlush(ctx.alloc().buffer(ANSWER.length).writeBytes(ANSWER))
            .addListener(ChannelFutureListener.CLOSE);
    }
}
