package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.Meta;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The terminal lines of {@code logmesh node} for an action whose type, origin or fields hold control characters
 * (any client or peer of the mesh can add one: JSON carries them as escapes). Before, the type and the node id were
 * printed raw: an ESC sequence in a type cleared the screen or set the terminal's title (or worse, as the terminal
 * allows), and a line break in a type forged a line of its own; C1 controls, U+2028 and bidi overrides in the rest
 * went through too. Now every such character is shown as its escape, and an event is one line.
 */
class HumanOutputControlCharsTest {
    private final List<String> lines = new ArrayList<>();
    private final HumanOutput out = new HumanOutput(lines::add, ZoneOffset.UTC);

    private static Entry entry(String node, String json) {
        return new Entry(Action.parse(json), Meta.of(ActionId.of(3_723_000, node, 0), 3_723_000, List.of()));
    }

    @Test
    void controlCharactersAreShownAsEscapesNotSentToTheTerminal() {
        out.add(entry("bob:1", "{\"type\":\"a\\u001b[2Jb\"}"));
        out.add(entry("bob:1", "{\"type\":\"x\\n01:02:03 alice:1 forged\"}"));
        out.add(entry("bob\u001b]0;title\u0007:1", "{\"type\":\"t\"}"));
        out.add(entry("bob:1", "{\"type\":\"t\",\"s\":\"\u009b31m \u2028 \u202e \\u007f\"}"));
        out.peer("eve\u001b[2J:1", true);
        assertEquals(List.of(
            "01:02:03 bob:1 a\\u001b[2Jb",
            "01:02:03 bob:1 x\\u000a01:02:03 alice:1 forged",
            "01:02:03 bob\\u001b]0;title\\u0007:1 t",
            "01:02:03 bob:1 t {\"s\":\"\\u009b31m \\u2028 \\u202e \\u007f\"}",
            "peer   eve\\u001b[2J:1 connected"), lines);
        for (String l : lines) {
            assertTrue(l.chars().noneMatch(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f)), l);
        }
    }

    @Test
    void ordinaryTextIsShownAsItIs() {
        out.add(entry("h\u00e9:\u65e5\u672c", "{\"type\":\"caf\u00e9\",\"s\":\"\uD83D\uDE00 tab\\t\"}"));
        assertEquals(List.of("01:02:03 h\u00e9:\u65e5\u672c caf\u00e9 {\"s\":\"\uD83D\uDE00 tab\\t\"}"), lines);
    }
}
