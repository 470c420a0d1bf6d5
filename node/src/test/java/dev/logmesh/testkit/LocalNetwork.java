package dev.logmesh.testkit;

import dev.logmesh.internal.protocol.MessageConnection;

import dev.logmesh.spi.Loop;
import dev.logmesh.internal.protocol.MessageTransport;
import java.net.URI;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * An in-memory network for whole nodes ({@code MeshNode.start(config, listeners, loop, net.transport("a"))}):
 * each host listens at {@code ws://NAME:1}; links are {@link LocalPair}s on the one loop all nodes share.
 * {@link #down}/{@link #up} take a host off the network and back (its links break, dials to it fail).
 */
public final class LocalNetwork {
    private final Loop loop;
    private final Map<String, Consumer<MessageConnection>> hosts = new HashMap<>();
    private final Map<String, Set<LocalPair>> links = new HashMap<>();
    private final Set<String> down = new HashSet<>();

    public LocalNetwork(Loop loop) {
        this.loop = loop;
    }

    /** The URL of a host on this network. */
    public static URI url(String host) {
        return URI.create("ws://" + host + ":1");
    }

    /** A transport factory for the node living at {@code host}. */
    public Function<Loop, MessageTransport> transport(String host) {
        return nodeLoop -> new MessageTransport() {
            @Override
            public URI listen(String ignoredHost, int port, Consumer<MessageConnection> acceptor) {
                hosts.put(host, acceptor);
                return url(host);
            }

            @Override
            public MessageConnection dial(URI url) {
                return connect(host, url.getHost());
            }

            @Override
            public void close() {
                hosts.remove(host);
                breakLinks(host);
            }
        };
    }

    private MessageConnection connect(String from, String to) {
        Consumer<MessageConnection> acceptor = hosts.get(to);
        if (acceptor == null || down.contains(to) || down.contains(from)) {
            return LocalPair.refused(loop, "connection refused: " + to);
        }
        LocalPair pair = new LocalPair(loop);
        links.computeIfAbsent(from, k -> new HashSet<>()).add(pair);
        links.computeIfAbsent(to, k -> new HashSet<>()).add(pair);
        loop.execute(() -> acceptor.accept(pair.right()));
        return pair.left();
    }

    private void breakLinks(String host) {
        Set<LocalPair> pairs = links.remove(host);
        if (pairs != null) {
            for (LocalPair p : pairs) {
                p.cut("network down at " + host);
            }
        }
    }

    /** Takes a host off the network: its links break and nobody can reach it, nor it anybody. */
    public void down(String host) {
        down.add(host);
        breakLinks(host);
    }

    /** Puts a host back on the network. */
    public void up(String host) {
        down.remove(host);
    }
}
