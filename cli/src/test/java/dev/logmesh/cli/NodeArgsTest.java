package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@link NodeArgs}: a {@code node} line read without picocli gives the command picocli gives, option for option, and
 * what it does not take is left to picocli (so help, usage and errors stay picocli's: {@code MainTest},
 * {@code CliTest}).
 */
class NodeArgsTest {

    /** The {@code @Option} fields of {@link NodeCommand}: what both readers set. */
    static List<Field> optionFields() {
        List<Field> fields = new ArrayList<>();
        for (Field f : NodeCommand.class.getDeclaredFields()) {
            if (f.isAnnotationPresent(CommandLine.Option.class)) {
                f.setAccessible(true);
                fields.add(f);
            }
        }
        return fields;
    }

    /** What picocli reads from {@code args}, as {@link Main#run} configures it; throws its ParameterException. */
    static NodeCommand picocli(String... args) {
        CommandLine cl = Main.commandLine(args).setCaseInsensitiveEnumValuesAllowed(true);
        cl.parseArgs(args);
        return (NodeCommand) cl.getSubcommands().get("node").getCommand();
    }

    static void assertSameOptions(NodeCommand expected, NodeCommand actual, String line) throws Exception {
        for (Field f : optionFields()) {
            assertEquals(f.get(expected), f.get(actual), f.getName() + " of: " + line);
        }
    }

    /** A value each option's type takes. */
    static String sample(Field f) {
        Class<?> t = f.getType();
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) {
            return "7";
        } else if (t == java.time.Duration.class) {
            return "5s";
        } else if (t == java.net.InetSocketAddress.class) {
            return "127.0.0.1:8080";
        } else if (t == dev.logmesh.NodeConfig.Unaddressed.class) {
            return "NO_CLIENT";
        } else if (f.getName().equals("peers") || f.getName().equals("publicUrl")) {
            return "ws://127.0.0.1:7001";
        }
        return "x";
    }

    @Test
    void everyOptionOfNodeIsReadWithoutPicocli() throws Exception {
        List<Field> fields = optionFields();
        assertEquals(42, fields.size(), "options of node: NodeArgs must know a new one (start-up)");
        for (Field f : fields) {
            String name = f.getAnnotation(CommandLine.Option.class).names()[0];
            String[] args = f.getType() == boolean.class ? new String[] {"node", name}
                : new String[] {"node", name, sample(f)};
            NodeCommand fast = NodeArgs.parse(args);
            assertNotNull(fast, String.join(" ", args) + " is left to picocli");
            assertSameOptions(picocli(args), fast, String.join(" ", args));
        }
    }

    @Test
    void theLinesOfTheLaunchersAndDocsAreReadAsPicocliReadsThem() throws Exception {
        String[][] lines = {
            {"node"},
            {"node", "--name", "cold-ready", "--memory", "--no-mdns", "--host", "127.0.0.1", "--port", "0", "--json"},
            {"node", "--name=alice", "--port=7001", "--peer", "ws://127.0.0.1:7002", "--peer=wss://[::1]:7003",
                "--header", "env=development", "--header=a=b=c", "--interface", "eth0", "--interface", "10.0.0.1"},
            {"node", "--data", "/tmp/logmesh data", "--key-file", "k", "--next-key-file", "k2", "--tls-cert", "c.pem", "--tls-key", "k.pem",
                "--tls-trust", "t.pem", "--timestamps", "--no-overlay", "--max-active", "3", "--passive-size", "12",
                "--client-cursors", "1000000"},
            {"node", "--max-drift", "PT1M", "--presence-period", "0", "--ping", "10000", "--timeout", "70000",
                "--max-frame", "1048576", "--max-client-frame", "209715200", "--client-frame-budget", "4294967296",
                "--subprotocol", "2", "--min-subprotocol", "1", "--unaddressed", "NO_CLIENT"},
            {"node", "--http", "[::1]:0", "--metrics", "0", "--token", "t0k=n", "--mesh", "\"quoted\"", "--key", "s"},
            {"node", "--name", "node", "--host", "help"}, // values that are command names
            {"node", "--max-drift", "500ms", "--presence-period", "1d", "--port", "65535"},
            {"node", "--data", "d", "--json", "--after", "0"}, {"node", "--after=123456789012"},
        };
        for (String[] args : lines) {
            NodeCommand fast = NodeArgs.parse(args);
            assertNotNull(fast, String.join(" ", args));
            assertSameOptions(picocli(args), fast, String.join(" ", args));
        }
    }

    @Test
    void helpVersionMistakesAndOddFormsAreLeftToPicocli() {
        String[][] lines = {
            {"node", "--help"}, {"node", "-h"}, {"node", "--version"}, {"node", "-V"}, {"node", "--help", "--memory"},
            {"node", "--nmae", "x"}, {"node", "--name"}, {"node", "--name", "a", "--name", "b"},
            {"node", "--memory", "--memory"}, {"node", "--memory=true"}, {"node", "--memory", "true"},
            {"node", "--name", "--memory"}, {"node", "--name="}, {"node", "--name", ""}, {"node", "--"},
            {"node", "@args.txt"}, {"node", "--name", "@x"}, {"node", "extra"}, {"node", "-"},
            {"node", "--port", "x"}, {"node", "--port", "-1"}, {"node", "--port", "08"}, {"node", "--port", "+8"}, {"node", "--port", "0x10"},
            {"node", "--port", "99999999999"}, {"node", "--ping", " 5"}, {"node", "--max-drift", "soon"},
            {"node", "--max-drift", "-PT1S"}, {"node", "--peer", "http://x:1"}, {"node", "--http", "x:99999"},
            {"node", "--unaddressed", "no_client"}, {"node", "--data", "a\0b"}, {"nod", "--memory"}, {"--help"},
            {},
        };
        for (String[] args : lines) {
            assertNull(NodeArgs.parse(args), String.join(" ", args));
        }
        System.setProperty("picocli.trace", "DEBUG");
        try {
            assertNull(NodeArgs.parse("node", "--memory"), "picocli's trace asked for");
        } finally {
            System.clearProperty("picocli.trace");
        }
    }

    /**
     * Random lines from options and values that include the awkward ones: whatever {@link NodeArgs} takes, picocli
     * takes too, with the same values.
     */
    @Test
    void whatItTakesPicocliReadsTheSame() throws Exception {
        String[] names = {"--name", "--data", "--memory", "--host", "--port", "--peer", "--mesh", "--key", "--ping",
            "--max-drift", "--no-mdns", "--interface", "--header", "--unaddressed", "--http", "--json", "--help",
            "--presence-period", "--max-frame", "--max-client-frame", "--client-frame-budget", "-V", "--"};
        String[] values = {"x", "0", "7001", "-1", "01", "ws://127.0.0.1:1", "wss://h:2/", "ws://", "5s", "PT2S",
            "NO_CLIENT", "every_client", "a=b", "", "-x", "@f", "127.0.0.1:0", "9:99999", " 3", "node", "--memory",
            "2147483647", "2147483648", "1h", "x y"};
        Random random = new Random(12);
        int taken = 0;
        for (int n = 0; n < 3000; n++) {
            List<String> args = new ArrayList<>(List.of("node"));
            for (int k = random.nextInt(5); k > 0; k--) {
                String name = names[random.nextInt(names.length)];
                String value = values[random.nextInt(values.length)];
                switch (random.nextInt(3)) {
                    case 0 -> args.add(name);
                    case 1 -> args.add(name + "=" + value);
                    default -> {
                        args.add(name);
                        args.add(value);
                    }
                }
            }
            String[] a = args.toArray(String[]::new);
            NodeCommand fast = NodeArgs.parse(a);
            if (fast == null) {
                continue;
            }
            taken++;
            NodeCommand slow;
            try {
                slow = picocli(a);
            } catch (CommandLine.ParameterException e) {
                fail("taken, but picocli refuses " + args + ": " + e.getMessage());
                return;
            }
            assertSameOptions(slow, fast, String.join(" ", args));
        }
        assertEquals(true, taken > 300, "lines taken: " + taken);
    }
}
