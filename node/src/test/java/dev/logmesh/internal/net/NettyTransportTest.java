package dev.logmesh.internal.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.util.ResourceLeakDetector;
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

    @Test
    void aNodesTransportTurnsNettysLeakDetectionOffUnlessThePropertyChoosesALevel() throws Exception {
        assumeTrue(System.getProperty("io.netty.leakDetection.level") == null
            && System.getProperty("io.netty.leakDetectionLevel") == null, "leak detection chosen for this JVM");
        // Netty's default (SIMPLE) records a stack trace for one buffer in 128, at its allocation and its release:
        // tens of microseconds in about one round trip in 16 of the memory rtt (docs/performance.md)
        try (SystemLoop loop = new SystemLoop("leak-test")) {
            new WsTransport(loop, loop.ioGroup(), 1 << 20, null, null, "leak-test").close();
            assertEquals(ResourceLeakDetector.Level.DISABLED, ResourceLeakDetector.getLevel());
        }
        // a level the process chose is Netty's to apply: the node leaves it alone
        assertEquals(null, NettyTransport.leakDetection(name -> name.equals("io.netty.leakDetection.level") ? "paranoid"
            : null));
        assertEquals(null, NettyTransport.leakDetection(name -> name.equals("io.netty.leakDetectionLevel") ? "simple"
            : null));
        assertEquals(ResourceLeakDetector.Level.DISABLED, NettyTransport.leakDetection(name -> null));
    }
}
