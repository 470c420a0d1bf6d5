package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.session.SessionConfig;
import org.junit.jupiter.api.Test;

/**
 * {@link NodeConfig.Builder#subprotocol} and {@link NodeConfig.Builder#minSubprotocol}: a node whose own subprotocol
 * is below the least it takes from peers refuses every peer of its own version (a mesh of such nodes never syncs).
 * Before session 28 {@code subprotocol(1).minSubprotocol(2)} was built and the node started.
 */
class SubprotocolSettingTest {

    @Test
    void aSubprotocolBelowTheMinimumIsRefusedNamingBoth() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NodeConfig.builder().subprotocol(1).minSubprotocol(2).build());
        assertTrue(e.getMessage().contains("subprotocol 1 is below minSubprotocol 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.builder().minSubprotocol(1).build(),
            "the default subprotocol 0 is below 1");
    }

    /**
     * The embedding API's sessions refuse it too, by the same rule
     * ({@link dev.logmesh.internal.protocol.Subprotocols#problem}, which NodeConfig and the command line call): before session 29 {@code SessionConfig} took {@code withSubprotocol(1,
     * 2)} and only checked that neither was negative.
     */
    @Test
    void sessionConfigRefusesASubprotocolBelowTheMinimumByTheSameRule() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> SessionConfig.defaults("m").withSubprotocol(1, 2));
        assertEquals(dev.logmesh.internal.protocol.Subprotocols.problem(1, 2, "subprotocol", "minSubprotocol"),
            e.getMessage());
        assertTrue(e.getMessage().startsWith("subprotocol 1 is below minSubprotocol 2: "), e.getMessage());
        IllegalArgumentException config = assertThrows(IllegalArgumentException.class,
            () -> NodeConfig.builder().subprotocol(1).minSubprotocol(2).build());
        assertEquals(e.getMessage(), config.getMessage(), "one rule, one wording");
        assertThrows(IllegalArgumentException.class, () -> SessionConfig.defaults("m").withSubprotocol(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> SessionConfig.defaults("m").withSubprotocol(0, -1));
        assertEquals(2, SessionConfig.defaults("m").withSubprotocol(2, 2).minSubprotocol());
    }

    @Test
    void aSubprotocolAtOrAboveTheMinimumIsTaken() {
        NodeConfig same = NodeConfig.builder().subprotocol(2).minSubprotocol(2).build();
        assertEquals(2, same.subprotocol());
        assertEquals(2, same.minSubprotocol());
        NodeConfig above = NodeConfig.builder().subprotocol(3).minSubprotocol(1).build();
        assertEquals(3, above.subprotocol());
        assertEquals(1, above.minSubprotocol());
        assertEquals(0, NodeConfig.builder().build().minSubprotocol());
    }
}
