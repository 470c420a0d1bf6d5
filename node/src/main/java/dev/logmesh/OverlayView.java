package dev.logmesh;

import java.util.List;

/**
 * This node's place in the bounded-degree overlay ({@link NodeConfig#overlay()}), as {@link MeshNode#overlay()}
 * reports it.
 *
 * @param on         whether the node is in the overlay (off by configuration, or a node that does not listen)
 * @param active     node ids of the active view: mesh nodes whose sessions carry entries, at most
 *                   {@code maxActive}
 * @param passive    node ids of the passive view: known mesh nodes to replace them with
 * @param maxActive  the bound on the active view
 * @param maxPassive the bound on the passive view
 * @param sessions   sessions with overlay members now, active or not (at most {@code maxActive} plus a few
 *                   short-lived ones)
 */
public record OverlayView(boolean on, List<String> active, List<String> passive, int maxActive, int maxPassive,
                          int sessions) {
    public OverlayView {
        active = List.copyOf(active);
        passive = List.copyOf(passive);
    }
}
