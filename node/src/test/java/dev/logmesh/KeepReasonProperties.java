package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.logmesh.internal.log.Log;
import dev.logmesh.internal.store.MemoryStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.constraints.UniqueElements;

/**
 * A node's keep reason says the reasons it gives a meta from the reasons alone ({@code Log.PreAdd#reasonsFor}), and
 * a receiving session makes a scanned entry's meta with them ({@code Log#storedReasons}): they must be the reasons
 * {@code apply} gives, and a meta made with them must be stored as it is.
 */
class KeepReasonProperties {
    @Property(seed = "50", tries = 500)
    void reasonsForIsWhatApplyGives(@ForAll @Size(max = 4) @UniqueElements List<@StringLength(min = 1, max = 3) String> reasons,
                                    @ForAll boolean withKeep) {
        List<String> given = new ArrayList<>(reasons);
        if (withKeep && !given.contains("mesh")) {
            given.add("mesh");
        }
        given = List.copyOf(given);
        MeshNode.KeepReason hook = new MeshNode.KeepReason("mesh");
        Meta meta = new Meta(ActionId.parse("1 n 0"), 1, 0, given, 0, Map.of());
        for (int round = 0; round < 2; round++) { // the second time from the hook's memo
            List<String> stored = hook.reasonsFor(given);
            assertEquals(hook.apply(Action.ofType("a"), meta), meta.withReasons(stored));
            Meta made = meta.withReasons(stored);
            assertSame(made, hook.apply(Action.ofType("a"), made), "a meta made with them is kept as it is");
        }
    }

    @Property(seed = "50", tries = 50)
    void storedReasonsOnlyWhenEveryHookCanSay(@ForAll @Size(max = 3) @UniqueElements
                                              List<@StringLength(min = 1, max = 3) String> reasons) {
        Log log = Log.open(new MemoryStore(), "n", () -> 1000L, 1000);
        assertSame(reasons, log.storedReasons(reasons), "no hook: the reasons as they are");
        log.onPreAdd(new MeshNode.KeepReason("mesh"));
        assertEquals(new MeshNode.KeepReason("mesh").reasonsFor(reasons), log.storedReasons(reasons));
        log.onPreAdd((action, meta) -> meta); // a hook that cannot say without the entry
        assertNull(log.storedReasons(reasons));
    }
}
