package dev.logmesh.examples;

import dev.logmesh.MeshNode;
import dev.logmesh.NodeConfig;
import dev.logmesh.testkit.LocalNetwork;
import dev.logmesh.testkit.ManualLoop;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Whole nodes of the examples on the node module's in-memory kit (one manual loop, one local network). */
public final class InMemoryMesh implements AutoCloseable {
    public final ManualLoop loop = new ManualLoop();
    public final LocalNetwork net = new LocalNetwork(loop);
    private final List<MeshNode> nodes = new ArrayList<>();

    /** Starts a node at {@code name} that dials {@code peers}. */
    public MeshNode start(String name, String... peers) throws IOException {
        NodeConfig.Builder b = NodeConfig.builder().name(name).mdns(false);
        for (String p : peers) {
            b.peer(LocalNetwork.url(p));
        }
        MeshNode n = MeshNode.start(b.build(), List.of(), loop, net.transport(name));
        nodes.add(n);
        return n;
    }

    @Override
    public void close() {
        List<MeshNode> reversed = new ArrayList<>(nodes);
        Collections.reverse(reversed);
        reversed.forEach(MeshNode::close);
    }
}
