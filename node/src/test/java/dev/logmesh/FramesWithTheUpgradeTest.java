package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * WebSocket frames a connection sends in the same bytes as its upgrade request, which RFC 6455 §4.1 forbids (a
 * client waits for the 101 answer; browsers and WebSocket libraries do) but a raw socket can do: they are refused
 * with {@code wrong-format} and a close, never read. Before session 26 Netty's HTTP decoder handed such bytes on
 * out of step with the frame decoder, and the frame-limit handler (FrameLimit) had not read their headers: the node
 * answered "broken WebSocket frame: RSV != 0 and no extension negotiated, RSV:7" for a frame over
 * {@code --max-frame}, and a connection that had not logged in could have one frame read under the client frame
 * limit (100 MiB by default) instead of {@code --max-frame}.
 */
@Tag("slow")
class FramesWithTheUpgradeTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    @SuppressWarnings("StringConcatToTextBlock") // HTTP lines end in \r\n: clearer as escapes
    private static final byte[] UPGRADE = ("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);

    private MeshNode node;

    @AfterEach
    void close() {
        if (node != null) {
            node.close();
        }
    }

    /** A masked text frame of {@code payload}, FIN set. */
    static byte[] textFrame(String payload) {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x81);
        if (p.length < 126) {
            out.write(0x80 | p.length);
        } else {
            out.write(0x80 | 126);
            out.write(p.length >>> 8);
            out.write(p.length & 0xFF);
        }
        byte[] mask = {7, 1, 4, 2};
        out.write(mask, 0, 4);
        for (int i = 0; i < p.length; i++) {
            out.write(p[i] ^ mask[i % 4]);
        }
        return out.toByteArray();
    }

    /**
     * Reads the 101 answer, then the text of the text frames the node sends until it closes (a close frame or the
     * end of the stream).
     */
    static List<String> textsUntilClose(DataInputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.readUnsignedByte());
        }
        assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
        List<String> texts = new ArrayList<>();
        try {
            while (true) {
                int first = in.readUnsignedByte();
                long len = in.readUnsignedByte() & 0x7F;
                if (len == 126) {
                    len = in.readUnsignedShort();
                } else if (len == 127) {
                    len = in.readLong();
                }
                byte[] payload = new byte[(int) len];
                in.readFully(payload);
                if ((first & 0x0F) == 8) {
                    return texts;
                }
                if ((first & 0x0F) == 1) {
                    texts.add(new String(payload, StandardCharsets.UTF_8));
                }
            }
        } catch (EOFException closed) {
            return texts;
        }
    }

    private List<String> sendWithTheUpgrade(byte[]... frames) throws Exception {
        node = MeshNode.start(NodeConfig.builder().name("n").memory().host("127.0.0.1").mdns(false)
            .maxFrameBytes(4096).build());
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), node.url().getPort())) {
            s.setSoTimeout((int) WAIT.toMillis());
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.write(UPGRADE);
            for (byte[] f : frames) {
                all.write(f);
            }
            OutputStream out = s.getOutputStream();
            out.write(all.toByteArray()); // one write: the request and the frames in the same segment
            out.flush();
            return textsUntilClose(new DataInputStream(s.getInputStream()));
        }
    }

    static final String EARLY = "[\"error\",\"wrong-format\",\"broken WebSocket frame: a frame came with the upgrade "
        + "request, before the server's 101 answer (RFC 6455 4.1)\"]";

    @Test
    void aFrameOverMaxFrameThatComesWithTheUpgradeRequestIsRefused() throws Exception {
        // a client's connect padded to 6,000 bytes: over --max-frame (4096), under the client frame limit
        String connect = "[\"connect\",5,\"alice:c1:t\",0,{\"pad\":\"" + "x".repeat(6000) + "\"}]";
        assertEquals(List.of(EARLY), sendWithTheUpgrade(textFrame(connect)));
        assertStillServes();
    }

    @Test
    void aSmallFrameThatComesWithTheUpgradeRequestIsRefusedToo() throws Exception {
        assertEquals(List.of(EARLY), sendWithTheUpgrade(textFrame("[\"connect\",5,\"alice:c1:t\",0]")));
        assertStillServes();
    }

    /** A client that waits for the 101 answer, as RFC 6455 says, still logs in (the node serves on). */
    private void assertStillServes() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), node.url().getPort())) {
            s.setSoTimeout((int) WAIT.toMillis());
            OutputStream out = s.getOutputStream();
            out.write(UPGRADE);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.readUnsignedByte());
            }
            assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
            out.write(textFrame("[\"connect\",5,\"alice:c1:t\",0]"));
            out.flush();
            assertEquals(0x81, in.readUnsignedByte(), "a text frame back");
            int len = in.readUnsignedByte() & 0x7F;
            byte[] payload = new byte[len == 126 ? in.readUnsignedShort() : len];
            in.readFully(payload);
            String first = new String(payload, StandardCharsets.UTF_8);
            assertTrue(first.startsWith("[\"headers\"") || first.startsWith("[\"connected\""), first);
        }
        assertEquals(0, node.entries().join().size());
    }
}
