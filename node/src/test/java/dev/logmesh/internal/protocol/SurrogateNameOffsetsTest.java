package dev.logmesh.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A UTF-8 frame with an escaped unpaired surrogate in a name (JSON.stringify writes one for a key cut inside an
 * emoji) and non-ASCII text anywhere before an action's end. Such a frame is read again by a parser without
 * Jackson's symbol table of names, and Jackson makes that parser of bytes a parser of chars over a reader: its
 * token offsets count chars, and the actions were cut from the bytes at those offsets. Before, each action after a
 * non-ASCII char was cut short or shifted (a key of a cut emoji and U+2028 lost the action's last two chars, its
 * text was no longer JSON), and a stock client's such action was never answered.
 */
class SurrogateNameOffsetsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MessageCodec CODEC = new MessageCodec();

    @ParameterizedTest
    @ValueSource(strings = {
        // U+2028 right after the surrogate in the name (JSON.stringify writes U+2028 raw)
        "[\"sync\",1,{\"type\":\"t\",\"k\\ud83d\u2028\":\"v\"},{\"id\":\"1 a:b:c 0\",\"time\":1}]",
        // non-ASCII in the value of another key, then a second action
        "[\"sync\",2,{\"type\":\"t\",\"\\ude00k\":\"caf\u00e9 \u65e5\u672c\"},{\"id\":\"1 a:b:c 0\",\"time\":1},"
            + "{\"type\":\"u\",\"s\":\"x\"},{\"id\":\"1 a:b:c 1\",\"time\":1}]",
        // non-ASCII only in the first entry's meta, the surrogate name in the second action
        "[\"sync\",2,{\"type\":\"t\"},{\"id\":\"1 a:b:c 0\",\"time\":1,\"m\":\"\uD83D\uDE00\"},"
            + "{\"type\":\"u\",\"k\\ud83d\":\"e\u0301\"},{\"id\":\"1 a:b:c 1\",\"time\":1}]",
    })
    void everyActionKeepsItsWholeTextInEveryPath(String frame) throws Exception {
        byte[] utf8 = frame.getBytes(StandardCharsets.UTF_8);
        JsonNode tree = JSON.readTree(frame);
        List<JsonNode> expected = new java.util.ArrayList<>();
        for (int i = 2; i < tree.size(); i += 2) {
            expected.add(tree.get(i));
        }
        for (Message m : List.of(CODEC.decode(frame), CODEC.decode(utf8, 0, utf8.length),
            CODEC.decodeStreaming(utf8, 0, utf8.length))) {
            List<String> texts = ((Message.Sync) m).entries().stream().map(e -> e.action().toJson()).toList();
            List<JsonNode> got = new java.util.ArrayList<>();
            for (String t : texts) {
                try {
                    got.add(JSON.readTree(t));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new AssertionError("an action's text is not JSON: " + t.replace("\u2028", "<LS>"), e);
                }
            }
            assertEquals(expected, got, texts.toString());
        }
    }
}
