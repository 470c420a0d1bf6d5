package dev.logmesh.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** {@link EntrySize#split}: the id lists of {@code logmesh:gone} and {@code logmesh:graft} cut to a frame limit. */
class EntrySizeSplitTest {

    @Property(tries = 300)
    void runsKeepEveryIdInOrderAndEachFrameFitsItsBudget(
        @ForAll @Size(max = 400) List<@LongRange(min = 0, max = ActionId.MAX_SAFE) Long> times,
        @ForAll @StringLength(min = 1, max = 40) @AlphaChars @Chars({'"', '\\', '\u00e9', '\u0001', ':'}) String node,
        @ForAll @IntRange(min = 200, max = 4_000) int budget) {
        List<ActionId> ids = new ArrayList<>();
        for (int i = 0; i < times.size(); i++) {
            ids.add(ActionId.of(times.get(i), node, ActionId.MAX_SAFE - i)); // 16 digits, the longest
        }
        List<List<ActionId>> runs = EntrySize.split(ids, budget);
        List<ActionId> joined = new ArrayList<>();
        for (List<ActionId> run : runs) {
            assertFalse(run.isEmpty(), "no empty run");
            joined.addAll(run);
            if (run.size() > 1) { // an id alone may be over the budget; more than one never are
                for (Message m : List.of(new Message.Gone(run), new Message.Graft(run))) {
                    int frame = MessageCodec.encode(m).getBytes(StandardCharsets.UTF_8).length;
                    assertTrue(frame <= budget + EntrySize.FRAME_OVERHEAD, frame + " bytes for a budget of " + budget);
                }
            }
        }
        assertEquals(ids, joined);
    }

    @Test
    void noIdsNoRuns() {
        assertTrue(EntrySize.split(List.of(), 100).isEmpty());
    }

    @Test
    void anIdOverTheBudgetIsARunOfItsOwn() {
        ActionId big = ActionId.of(1, "n".repeat(300), 0);
        ActionId small = ActionId.of(2, "a", 0);
        assertEquals(List.of(List.of(small), List.of(big), List.of(small)),
            EntrySize.split(List.of(small, big, small), 100));
    }
}
