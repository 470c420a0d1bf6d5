package dev.logmesh.internal.net;

/**
 * Run in a JVM whose class path has no Netty epoll jars ({@link NettyTransportWithoutEpollTest}): makes a node's
 * loop and prints the transport chosen and the one its group is of.
 */
final class NoEpollProbe {
    private NoEpollProbe() {
    }

    public static void main(String[] args) {
        NettyTransport chosen = NettyTransport.current();
        try (SystemLoop loop = new SystemLoop("no-epoll-probe")) {
            System.out.println(chosen + " " + NettyTransport.of(loop.ioGroup()));
        }
    }
}
