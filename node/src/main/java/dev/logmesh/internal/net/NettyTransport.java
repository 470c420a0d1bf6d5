package dev.logmesh.internal.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ResourceLeakDetector;
import java.util.Locale;
import java.util.concurrent.ThreadFactory;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty socket transport a node's event loops and channels use: Linux's native epoll where Netty's native
 * library loads ({@link Epoll#isAvailable()}: Linux on x86-64 with the {@code netty-transport-native-epoll} jar on
 * the class path), else the JDK's NIO selector, which works everywhere.
 *
 * <p>The system property {@value #PROPERTY} chooses: {@code auto} (the default: epoll when available), {@code nio}
 * (always NIO: a way out if the native library misbehaves on some machine) or {@code epoll} (epoll, and a start that
 * fails with the reason when it is not available). It is read when a node first needs a transport; the CLI passes
 * it through {@code JAVA_OPTS}. Netty extracts the native library to a temporary directory on first use
 * ({@code io.netty.native.workdir}); its cost at start-up is in docs/performance.md.
 *
 * <p>Netty's buffer leak detection is off in a node ({@link #leakDetection}) unless the process chose a level with
 * Netty's own property {@code io.netty.leakDetection.level}: at Netty's default level ({@code simple}) one buffer in
 * 128 records a stack trace where it is allocated and where it is released, which put tens of microseconds into
 * about one memory round trip in 16 (docs/performance.md, "Memory rtt, session 14"). Netty's level is the
 * process's: an application that embeds a node and wants leak reports sets that property.
 *
 * <p>An event loop group and the channels registered on it must be of the same transport: {@link #of} tells which
 * one a group given from outside (a shared {@link SystemLoop}) is. Stateless; any thread.
 */
public enum NettyTransport {
    /** Linux's epoll through Netty's native library (fewer allocations and system calls per read than NIO). */
    EPOLL {
        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerChannel> serverChannel() {
            return EpollServerSocketChannel.class;
        }

        @Override
        public Class<? extends SocketChannel> socketChannel() {
            return EpollSocketChannel.class;
        }
    },
    /** The JDK's NIO selector: every platform. */
    NIO {
        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerChannel> serverChannel() {
            return NioServerSocketChannel.class;
        }

        @Override
        public Class<? extends SocketChannel> socketChannel() {
            return NioSocketChannel.class;
        }
    };

    /** The system property that chooses the transport: {@code auto} (default), {@code nio} or {@code epoll}. */
    public static final String PROPERTY = "logmesh.transport";

    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);

    /** Chosen on first use, from {@value #PROPERTY} and {@link Epoll#isAvailable()}; null before. */
    private static volatile NettyTransport current;

    /** The factory of this transport's I/O handlers, for an event loop group. */
    public abstract IoHandlerFactory ioHandlerFactory();

    /** The listening channel class for this transport. */
    public abstract Class<? extends ServerChannel> serverChannel();

    /** The connecting channel class for this transport. */
    public abstract Class<? extends SocketChannel> socketChannel();

    /**
     * A group of {@code threads} event loops of this transport, on threads from {@code threadFactory}. One thread (every
     * group a node makes) is a lone event loop, which is a group of itself: Netty's multi-thread group learns that its
     * loops ended through listeners that it runs on its global executor, whose thread is not a daemon and lingers for
     * a second after each use, so every close left a non-daemon {@code globalEventExecutor-1-N} thread behind
     * (embed25's trial; {@code CloseLeavesNoThreadTest}). A lone loop has no such listener: its close waits on its
     * own termination, and no thread outlives it.
     */
    public EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        if (threads == 1) {
            return new SingleThreadIoEventLoop(null, threadFactory, ioHandlerFactory());
        }
        return new MultiThreadIoEventLoopGroup(threads, threadFactory, ioHandlerFactory());
    }

    /**
     * The transport of this process: {@value #PROPERTY} and whether epoll is available, decided on first use.
     *
     * @throws IllegalArgumentException when {@value #PROPERTY} has a wrong value or asks for epoll where it is not
     *     available (see {@link #choose})
     */
    public static NettyTransport current() {
        NettyTransport c = current;
        if (c == null) {
            String property = System.getProperty(PROPERTY);
            c = choose(property, () -> EpollClasses.PRESENT && Epoll.isAvailable());
            applyLeakDetection();
            if (c == NIO && !"nio".equalsIgnoreCase(String.valueOf(property).trim())) {
                LOG.debug("native epoll transport not available, using NIO: {}", unavailabilityCause());
            }
            current = c;
        }
        return c;
    }

    /**
     * The transport {@code property} (the value of {@value #PROPERTY}, null when unset) asks for, given whether epoll
     * is available; {@code epollAvailable} is asked only when it matters.
     *
     * @throws IllegalArgumentException for a value other than {@code auto}, {@code nio}, {@code epoll} (any case,
     *     blanks around ignored), or for {@code epoll} when it is not available
     */
    static NettyTransport choose(String property, BooleanSupplier epollAvailable) {
        String p = property == null ? "auto" : property.trim().toLowerCase(Locale.ROOT);
        return switch (p) {
            case "", "auto" -> epollAvailable.getAsBoolean() ? EPOLL : NIO;
            case "nio" -> NIO;
            case "epoll" -> {
                if (!epollAvailable.getAsBoolean()) {
                    throw new IllegalArgumentException("-D" + PROPERTY + "=epoll, but the native epoll transport is not "
                        + "available here: " + unavailabilityCause());
                }
                yield EPOLL;
            }
            default -> throw new IllegalArgumentException("-D" + PROPERTY + "=" + property
                + ": expected auto, nio or epoll");
        };
    }

    /**
     * Sets Netty's buffer leak detection to {@link #leakDetection}'s level for this process's system properties, if
     * it gives one. Idempotent; any thread; called when a node first needs a transport and by every
     * {@link WsTransport} (its event loops may come from outside).
     */
    static void applyLeakDetection() {
        ResourceLeakDetector.Level level = leakDetection(System::getProperty);
        if (level != null && ResourceLeakDetector.getLevel() != level) {
            ResourceLeakDetector.setLevel(level);
        }
    }

    /**
     * The leak detection level a node sets, given the system properties ({@code property} maps a name to its value,
     * null when unset): {@link ResourceLeakDetector.Level#DISABLED}, or null (Netty's own choice stands) when
     * {@code io.netty.leakDetection.level} or its older name {@code io.netty.leakDetectionLevel} is set.
     */
    static ResourceLeakDetector.Level leakDetection(UnaryOperator<String> property) {
        return property.apply("io.netty.leakDetection.level") != null
            || property.apply("io.netty.leakDetectionLevel") != null ? null : ResourceLeakDetector.Level.DISABLED;
    }

    /** The transport of {@code group}'s event loops: channels registered on it must be of this transport. */
    public static NettyTransport of(EventLoopGroup group) {
        return group instanceof IoEventLoopGroup g && EpollClasses.PRESENT && g.isIoType(EpollIoHandler.class) ? EPOLL
            : NIO;
    }

    /** Why epoll is not available: Netty's own cause, or the epoll classes missing from the class path. */
    private static String unavailabilityCause() {
        return EpollClasses.PRESENT ? String.valueOf(Epoll.unavailabilityCause())
            : "Netty's epoll classes (netty-transport-classes-epoll) are not on the class path";
    }

    /**
     * Whether Netty's epoll classes are on the class path: an application that embeds the node may leave the epoll
     * jars out, and then this class must not touch them ({@code NoClassDefFoundError}) but run on NIO.
     */
    private static final class EpollClasses {
        static final boolean PRESENT = present();

        private static boolean present() {
            try {
                Class.forName("io.netty.channel.epoll.Epoll", false, NettyTransport.class.getClassLoader());
                return true;
            } catch (ClassNotFoundException | LinkageError e) {
                return false;
            }
        }
    }
}
