package dev.logmesh.internal.log;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The frame limits of the mesh's nodes that are smaller than this node's own, and when each was last seen: what an
 * add on this node may be so that it reaches every node ({@link #smallest}). A node learns them from its direct peers'
 * handshakes ({@code logmesh.maxFrame}) and from every node's presence record ({@code maxFrame}), which is flooded
 * through the mesh, so a node two or more hops away counts as a direct peer does.
 *
 * <h2>Design notes</h2>
 * <ul>
 *   <li><b>Raised when the node says so, or is gone.</b> A node seen again with its limit as large as this node's (it
 *       was restarted with a larger {@code --max-frame}) leaves the table at once; a node not seen for
 *       {@link #HORIZON_MILLIS} (it left the mesh for good) leaves it at the next look ({@link #expire}). A node away
 *       for less (a laptop closed over a weekend) still counts: what is added meanwhile must reach it when it is
 *       back. A node whose log is in memory (its presence record says {@code "memory": true}) never comes back under
 *       its id: it counts for three of its presence periods after its last record, as presence lists it.</li>
 *   <li><b>Kept with the log</b> under {@link Log#PEER_FRAME_LIMIT_KEY}, one line per node: {@code "<bytes> <node id>
 *       <seen ms>"} ({@link #encode}), so a restart and {@code logmesh add} honour it. A value of session 38
 *       ({@code "<bytes> <node id>"}, one line) reads as seen at the time it is read.</li>
 *   <li><b>Bounded</b>: at most {@link #MAX_NODES} nodes, the smallest limits kept.</li>
 *   <li><b>Cost.</b> An add compares with {@link #smallest} only: one int, set when the table changes.</li>
 * </ul>
 *
 * <p>Not thread-safe: a node uses it on its loop; {@code logmesh add} reads a kept value ({@link #decode}).
 */
public final class MeshFrameLimits {
    /** How long a node's smaller limit holds after it was last seen, ms: 7 days. */
    public static final long HORIZON_MILLIS = 7L * 24 * 3600 * 1000;
    /** Most nodes kept. */
    public static final int MAX_NODES = 256;

    /**
     * One node's limit.
     *
     * @param bytes   its frame limit, bytes
     * @param seenAt  when it was last seen with that limit, ms (the node's clock)
     * @param keepFor how long after {@code seenAt} it counts, ms: {@link #HORIZON_MILLIS}, or for a node whose log is
     *                in memory (it never comes back under its id) three of its presence periods
     */
    public record Known(int bytes, long seenAt, long keepFor) {
    }

    private final int own;
    private final Map<String, Known> nodes = new HashMap<>();
    private int smallest;
    private String smallestNode;

    /**
     * An empty table.
     *
     * @param own this node's frame limit, bytes
     */
    public MeshFrameLimits(int own) {
        this.own = own;
    }

    /**
     * The smallest limit of the table, bytes, or 0 when it is empty (every known node takes what this node takes).
     */
    public int smallest() {
        return smallest;
    }

    /** The node whose limit {@link #smallest} is, or null. */
    public String smallestNode() {
        return smallestNode;
    }

    /** The nodes kept, with their limits. */
    public Map<String, Known> nodes() {
        return java.util.Collections.unmodifiableMap(nodes);
    }

    /**
     * {@code node} was seen now ({@code now}, ms) with the frame limit {@code bytes} (0 or less: it told none; nothing
     * changes). A limit smaller than this node's own is kept (or refreshed); one as large or larger removes the node.
     *
     * @param keepFor how long it counts after now, ms ({@link Known#keepFor}), or 0: as known before, else
     *                {@link #HORIZON_MILLIS}
     * @return whether the table changed otherwise than by a refreshed time (so it should be kept again)
     */
    public boolean seen(String node, long bytes, long now, long keepFor) {
        if (bytes <= 0) {
            return false;
        }
        if (bytes >= own) {
            if (nodes.remove(node) == null) {
                return false;
            }
            recompute();
            return true;
        }
        Known held = nodes.get(node);
        long keep = keepFor > 0 ? keepFor : held != null ? held.keepFor() : HORIZON_MILLIS;
        Known was = nodes.put(node, new Known((int) bytes, now, keep));
        if (was != null && was.bytes() == bytes && was.keepFor() == keep) {
            return false;
        }
        if (nodes.size() > MAX_NODES) {
            String largest = null;
            for (Map.Entry<String, Known> e : nodes.entrySet()) {
                if (largest == null || e.getValue().bytes() > nodes.get(largest).bytes()) {
                    largest = e.getKey();
                }
            }
            nodes.remove(largest);
        }
        recompute();
        return true;
    }

    /**
     * Removes the nodes not seen for their {@link Known#keepFor} before {@code now}.
     *
     * @return the nodes removed (empty when none)
     */
    public List<String> expire(long now) {
        List<String> gone = new ArrayList<>();
        nodes.entrySet().removeIf(e -> {
            if (now - e.getValue().seenAt() > e.getValue().keepFor()) {
                gone.add(e.getKey());
                return true;
            }
            return false;
        });
        if (!gone.isEmpty()) {
            recompute();
        }
        return gone;
    }

    private void recompute() {
        smallest = 0;
        smallestNode = null;
        for (Map.Entry<String, Known> e : nodes.entrySet()) {
            int b = e.getValue().bytes();
            if (smallest == 0 || b < smallest || (b == smallest && e.getKey().compareTo(smallestNode) < 0)) {
                smallest = b;
                smallestNode = e.getKey();
            }
        }
    }

    /**
     * The table as kept with the log: one line {@code "<bytes> <node id> <seen ms> <keep ms>"} per node, or "" when
     * empty.
     */
    public String encode() {
        StringBuilder out = new StringBuilder();
        nodes.forEach((node, k) -> {
            if (out.length() > 0) {
                out.append('\n');
            }
            out.append(k.bytes()).append(' ').append(node).append(' ').append(k.seenAt()).append(' ')
                .append(k.keepFor());
        });
        return out.toString();
    }

    /**
     * Reads a kept value ({@link #encode}, or session 38's {@code "<bytes> <node id>"}, seen {@code now}) into a table
     * for a node whose own limit is {@code own}: the nodes whose limits are smaller and that were seen within their
     * {@link Known#keepFor} of {@code now}. Lines that do not read are skipped; null reads as empty.
     */
    public static MeshFrameLimits decode(String kept, int own, long now) {
        MeshFrameLimits t = new MeshFrameLimits(own);
        if (kept == null) {
            return t;
        }
        for (String line : kept.split("\n", -1)) {
            String[] parts = line.trim().split(" ", -1);
            if (parts.length < 2 || parts[1].isEmpty()) {
                continue;
            }
            try {
                int bytes = Integer.parseInt(parts[0]);
                long seen = parts.length >= 3 ? Long.parseLong(parts[2]) : now;
                long keep = parts.length >= 4 ? Long.parseLong(parts[3]) : HORIZON_MILLIS;
                if (bytes > 0 && bytes < own && keep > 0 && now - seen <= keep) {
                    t.nodes.put(parts[1], new Known(bytes, Math.min(seen, now), keep));
                }
            } catch (NumberFormatException e) {
                // not a line of ours: skipped
            }
        }
        t.recompute();
        return t;
    }
}
