package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link NodeArgs} on odd lines: what it takes, picocli reads the same; what picocli refuses, it leaves to it. */
class NodeArgsOddTest {
    @Test
    void oddLinesAreTakenOnlyAsPicocliReadsThem() throws Exception {
        String[][] lines = {
            {"node", "--name="}, {"node", "--name", ""}, {"node", "--name=\u00e9\u4e2d\ud83d\ude00"},
            {"node", "--name", "\u00e9 x"}, {"node", "--port", "65536"}, {"node", "--port", "999999999"},
            {"node", "--port", "2147483648"}, {"node", "--port=0"}, {"node", "--port", "\u0661"},
            {"node", "--port", "1", "--port=2"}, {"node", "--port=1", "--port", "2"},
            {"node", "--name=a", "--name", "b"}, {"node", "--memory", "--memory"},
            {"node", "--peer", "ws://127.0.0.1:1", "--peer=ws://127.0.0.1:2"},
            {"node", "--header", "a=b", "--header=c=d=e"}, {"node", "--name==x"}, {"node", "--=x"},
            {"node", "--name", "\"quoted\""}, {"node", "--name", "'q'"}, {"node", "--data", "a\u0000b"},
            {"node", "--max-drift", "5s"}, {"node", "--max-drift", "PT5S"}, {"node", "--http", ":8080"},
            {"node", "--http", "127.0.0.1:65536"}, {"node", "--unaddressed", "no_client"},
            {"node", "--ping", "999999999999999999"}, {"node", "--ping", "9223372036854775807"},
            {"node", "--NAME", "x"}, {"node", "--name", "x", "extra"}, {"node", "--key", "s p a c e"},
            {"node", "--interface", "lo", "--interface", "lo"}, {"node", "--presence-period", "0s"},
            {"node", "--memory=true"}, {"node", "--no-mdns", "--host", "127.0.0.1", "--name", "n\tt"},
        };
        List<String> wrong = new ArrayList<>();
        for (String[] line : lines) {
            String text = String.join(" ", line);
            NodeCommand fast = NodeArgs.parse(line);
            if (fast == null) {
                continue; // picocli reads it, as before
            }
            NodeCommand slow;
            try {
                slow = NodeArgsTest.picocli(line);
            } catch (RuntimeException e) {
                wrong.add(text + ": taken, but picocli refuses it: " + e.getMessage());
                continue;
            }
            for (java.lang.reflect.Field f : NodeArgsTest.optionFields()) {
                if (!java.util.Objects.equals(f.get(slow), f.get(fast))) {
                    wrong.add(text + ": " + f.getName() + " " + f.get(fast) + " / picocli " + f.get(slow));
                }
            }
        }
        assertEquals(List.of(), wrong);
    }
}
