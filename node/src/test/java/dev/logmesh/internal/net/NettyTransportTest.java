package dev.logmesh.internal.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Which Netty transport a node runs on ({@link NettyTransport}): native epoll where it loads, NIO otherwise. */
class NettyTransportTest {

    @Test
    void autoTakesEpollWhenAvailableAndFallsBackToNio() {
        assertEquals(NettyTransport.EPOLL, NettyTransport.choose(null, () -> true));
        assertEquals(NettyTransport.EPOLL, NettyTransport.choose(" Auto ", () -> true));
        // another OS, another CPU, or the native jar missing: NIO, and no error
        assertEquals(NettyTransport.NIO, NettyTransport.choose(null, () -> false));
        assertEquals(NettyTransport.NIO, NettyTransport.choose("auto", () -> false));
    }

    @Test
    void nioCanBeForcedAndEpollDemanded() {
        assertEquals(NettyTransport.NIO, NettyTransport.choose("nio", () -> true));
        assertEquals(NettyTransport.NIO, NettyTransport.choose("NIO", () -> {
            throw new AssertionError("not asked when NIO is forced");
        }));
        assertEquals(NettyTransport.EPOLL, NettyTransport.choose("epoll", () -> true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NettyTransport.choose("epoll", () -> false));
        assertTrue(e.getMessage().contains("-Dlogmesh.transport=epoll"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NettyTransport.choose("kqueue", () -> true));
        assertTrue(e.getMessage().contains("expected auto, nio or epoll"), e.getMessage());
    }

    @Test
    void onLinuxX8664TheLoopRunsOnNativeEpoll() {
        assumeTrue(System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
            && List.of("amd64", "x86_64").contains(System.getProperty("os.arch")), "the native jar shipped is Linux x86-64");
        assumeTrue(System.getProperty(NettyTransport.PROPERTY) == null, "no transport forced in this JVM");
        assertTrue(Epoll.isAvailable(), () -> "native epoll does not load: " + Epoll.unavailabilityCause());
        try (SystemLoop loop = new SystemLoop("transport-test")) {
            assertEquals(NettyTransport.EPOLL, NettyTransport.of(loop.ioGroup()));
        }
    }

    @Test
    void aTransportOnAGroupOfEitherKindListensAndDials() throws Exception {
        for (NettyTransport kind : NettyTransport.values()) {
            if (kind == NettyTransport.EPOLL && !Epoll.isAvailable()) {
                continue;
            }
            EventLoopGroup group = kind.newGroup(1, new DefaultThreadFactory("transport-test-" + kind, true));
            try (SystemLoop loop = new SystemLoop("transport-test-loop");
                 WsTransport t = new WsTransport(loop, group, 1 << 20, null, null, "test")) {
                assertEquals(kind, NettyTransport.of(group));
                WsTransportTest.listenDialAndPing(loop, t, "127.0.0.1");
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
    }
}
