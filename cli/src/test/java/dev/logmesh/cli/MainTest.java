package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@link Main}: a subcommand named first is the only one registered (start-up), and the help is unchanged. */
class MainTest {
    private static final List<String> ALL = List.of("node", "add", "log", "backup", "downgrade", "peers", "status",
        "user-token", "help");

    @Test
    void theSubcommandNamedFirstIsTheOnlyOneRegistered() {
        assertEquals(List.of("node"), List.copyOf(Main.commandLine("node", "--memory").getSubcommands().keySet()));
        assertEquals(List.of("log"), List.copyOf(Main.commandLine("log", "--data", "x").getSubcommands().keySet()));
    }

    @Test
    void anythingElseRegistersEverySubcommandInTheUsagesOrder() {
        for (String[] args : new String[][] {{}, {"--help"}, {"--version"}, {"help", "node"}, {"nod"}}) {
            assertEquals(ALL, List.copyOf(Main.commandLine(args).getSubcommands().keySet()), String.join(" ", args));
        }
    }

    /**
     * A whole number beyond its option's type: the error names the option, the value and the bound it passed.
     * Before, picocli said "'3000000000' is not an int", as if the digits were wrong.
     */
    @Test
    void aNumberOutOfItsOptionsRangeIsRefusedWithTheBound() {
        String[][] cases = {
            {"--max-client-frame", "3000000000", "at most 2147483647"},
            {"--max-frame", "99999999999", "at most 2147483647"},
            {"--port", "-99999999999", "at least -2147483648"},
            {"--ping", "99999999999999999999", "at most 9223372036854775807"},
            {"--max-frame", "1e6", "is not a whole number"},
        };
        for (String[] c : cases) {
            CliTest.Run r = CliTest.run("", "node", "--memory", "--no-mdns", "--host", "127.0.0.1", c[0], c[1]);
            assertEquals(2, r.code(), r.err());
            String expected = "Invalid value for option '" + c[0] + "': '" + c[1] + "' ";
            assertTrue(r.err().contains(expected) && r.err().contains(c[2]), expected + c[2] + " in " + r.err());
        }
        CliTest.Run add = CliTest.run("", "add", "--data", "x", "--max-frame", "3000000000", "{}");
        assertEquals(2, add.code(), add.err());
        assertTrue(add.err().contains("'3000000000' is out of range: at most 2147483647"), add.err());
    }

    /**
     * Digits other than 0-9 in a number or a duration (session 28): {@link Integer#parseInt} reads any Unicode digit,
     * so {@code --port ７００１} listened on 7001, and the configuration echoed and the status files showed a text
     * other than the one typed. Each option that takes a number refuses them, naming the value and the digits to use.
     * Before: the node options were taken ({@code --after=-1} ends the line then, so the test fails instead of running
     * a node), {@code --max-frame ５} said "--max-frame 5 is too small", a duration "is not a duration: give a number
     * and a unit", a peer's port "'127.0.0.1' is not a host name or address".
     */
    @Test
    void digitsOtherThanZeroToNineAreRefusedInEveryNumberAndDuration() {
        String[][] cases = {
            {"--port", "\uff17\uff10\uff10\uff11", "'\uff17\uff10\uff10\uff11' is not a whole number: use the digits 0-9"},
            {"--ping", "\u0665\u0660\u0660\u0660", "'\u0665\u0660\u0660\u0660' is not a whole number: use the digits 0-9"},
            {"--max-frame", "\uff15", "'\uff15' is not a whole number: use the digits 0-9"},
            {"--client-frame-budget", "9\uff19999999999", "is not a whole number: use the digits 0-9"},
            {"--presence-period", "\uff15s", "'\uff15s' is not a duration: use the digits 0-9"},
            {"--max-drift", "PT\uff15S", "'PT\uff15S' is not a duration: use the digits 0-9"},
            {"--http", "\uff18\uff10\uff18\uff10", "port '\uff18\uff10\uff18\uff10' is not a number: use the digits 0-9"},
            {"--peer", "ws://127.0.0.1:\uff17\uff10\uff10\uff11", "port '\uff17\uff10\uff10\uff11' is not a number: use the digits 0-9"},
        };
        for (String[] c : cases) {
            CliTest.Run r = CliTest.run("", "node", "--memory", "--no-mdns", "--host", "127.0.0.1", c[0], c[1],
                "--after=-1");
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains(c[2]), c[2] + " in " + r.err());
        }
        CliTest.Run metrics = CliTest.run("", "node", "--memory", "--no-mdns", "--host", "127.0.0.1", "--metrics",
            "\uff10", "--header", "=x");
        assertEquals(2, metrics.code(), metrics.err());
        assertTrue(metrics.err().contains("--metrics \uff10: the port '\uff10' is not a number: use the digits 0-9"),
            metrics.err());
        CliTest.Run add = CliTest.run("", "add", "--data", "x", "--max-frame", "\uff12\uff10\uff10\uff10", "{}");
        assertEquals(2, add.code(), add.err());
        assertTrue(add.err().contains("is not a whole number: use the digits 0-9"), add.err());
        // the digits 0-9 as before
        assertEquals(7001, NodeArgs.parse("node", "--port", "7001").port);
        assertEquals(Integer.valueOf(4096), Checks.WholeNumber.ints().convert("4096"));
    }

    /**
     * A well-formed duration above its option's bound (session 28), also one beyond a long number of units or a
     * Duration, is refused as out of range with the bound, naming what was typed. Before: "is not a duration" for
     * one beyond a long or a Duration, and {@code --max-drift 99999999999999d} was echoed as "--max-drift
     * 9223372036854775807 ms" (the saturated milliseconds), {@code --presence-period 2d} as "172800s".
     */
    @Test
    void aDurationAboveItsOptionsBoundIsRefusedWithTheBound() {
        String[][] cases = {
            {"--presence-period", "99999999999999999999s", "at most 1d"},
            {"--presence-period", "PT99999999999999999999S", "at most 1d"},
            {"--presence-period", "9999999999999999d", "at most 1d"},
            {"--presence-period", "2d", "at most 1d"},
            {"--presence-period", "P2D", "at most 1d"},
            {"--max-drift", "99999999999999d", "at most 36500d"},
            {"--max-drift", "99999999999999999999ms", "at most 36500d"},
            {"--max-drift", "9999999999999999d", "at most 36500d"},
            {"--max-drift", "36501d", "at most 36500d"},
        };
        for (String[] c : cases) {
            CliTest.Run r = CliTest.run("", "node", "--memory", "--no-mdns", "--host", "127.0.0.1", c[0], c[1],
                "--after=-1");
            assertEquals(2, r.code(), r.err());
            String expected = "Invalid value for option '" + c[0] + "': '" + c[1] + "' is out of range: " + c[2];
            assertTrue(r.err().contains(expected), expected + " in " + r.err());
        }
        // the bounds themselves are taken, by both readers
        String[] bounds = {"node", "--max-drift", "36500d", "--presence-period", "PT24H"};
        assertEquals(java.time.Duration.ofDays(36500), NodeArgs.parse(bounds).maxDrift);
        assertEquals(java.time.Duration.ofDays(1), NodeArgs.parse(bounds).presencePeriod);
        assertEquals(java.time.Duration.ofDays(36500), NodeArgsTest.picocli(bounds).maxDrift);
    }

    @Test
    void eachNameIsTheOneItsCommandAnnotates() {
        for (String name : Main.SUBCOMMANDS) {
            assertEquals(name, Main.subcommand(name).getClass().getAnnotation(CommandLine.Command.class).name());
        }
        assertEquals(ALL, Main.SUBCOMMANDS);
        assertEquals(null, Main.subcommand("nod"));
    }

    @Test
    void helpOfASubcommandAndTheCommandsListWorkAsBefore() {
        CliTest.Run list = CliTest.run("", "--help");
        assertEquals(0, list.code());
        for (String name : ALL) {
            assertTrue(list.out().contains("  " + name + " "), name + " in " + list.out());
        }
        CliTest.Run help = CliTest.run("", "help", "node");
        assertEquals(0, help.code(), help.err());
        assertTrue(help.out().contains("Usage: logmesh node"), help.out());
        assertTrue(help.out().contains("--max-drift=DURATION"), help.out());
        CliTest.Run typo = CliTest.run("", "nod");
        assertEquals(2, typo.code());
        assertTrue(typo.err().contains("Unmatched argument at index 0: 'nod'"), typo.err());
    }

    /**
     * {@code --version} prints the build's version (the parent POM's, which every module inherits), for
     * {@code logmesh} and for each subcommand: it printed a hard-coded {@code logmesh 0.1.0} against a
     * 0.1.0-SNAPSHOT build, and nothing at all for {@code logmesh node --version} and the other subcommands.
     */
    @Test
    void versionIsTheBuildsForTheCommandAndEachSubcommand() throws Exception {
        Matcher m = Pattern.compile("<parent>\\s*<groupId>dev\\.logmesh</groupId>\\s*<artifactId>logmesh-parent"
            + "</artifactId>\\s*<version>([^<]+)</version>").matcher(Files.readString(Path.of("pom.xml")));
        assertTrue(m.find(), "cli/pom.xml names its parent's version");
        String expected = "logmesh " + m.group(1);
        assertEquals(expected, new Version().getVersion()[0]);
        for (String name : ALL) {
            if (name.equals("help")) {
                continue;
            }
            CliTest.Run run = CliTest.run("", name, "--version");
            assertEquals(0, run.code(), name + ": " + run.err());
            assertEquals(expected, run.out().strip(), name);
        }
        CliTest.Run top = CliTest.run("", "--version");
        assertEquals(0, top.code(), top.err());
        assertEquals(expected, top.out().strip());
    }

    /**
     * No help text breaks a word across lines. picocli wraps descriptions with the JDK's line {@code BreakIterator},
     * which breaks after a {@code .} inside a word: {@code ~/.} then {@code local/share/...}, {@code (status.} then
     * {@code json)}, {@code (e.} then {@code g. 12h}; and it split {@code --http=[HOST:]PORT} in the node's synopsis.
     * A line whose last token has a {@code /}, {@code (} or is a lone letter before a {@code .}, followed by a line
     * that goes on in lower case, is such a break; and each option appears whole as {@code --name=LABEL}.
     */
    @Test
    void helpTextBreaksNoWordAcrossLines() {
        List<String> commands = new java.util.ArrayList<>(List.of(""));
        commands.addAll(ALL.subList(0, ALL.size() - 1));
        Pattern fragment = Pattern.compile("(\\S*[/(]\\S*\\.|(^|\\s)\\(?[a-z]\\.)$");
        for (String command : commands) {
            CliTest.Run help = command.isEmpty() ? CliTest.run("", "--help") : CliTest.run("", command, "--help");
            assertEquals(0, help.code(), command + ": " + help.err());
            String[] lines = help.out().split("\n", -1);
            for (int i = 0; i + 1 < lines.length; i++) {
                String line = lines[i].stripTrailing();
                String next = lines[i + 1].strip();
                boolean broken = fragment.matcher(line).find() && !next.isEmpty()
                    && Character.isLowerCase(next.charAt(0));
                assertTrue(!broken, command + " --help breaks a word:\n" + line + "\n" + lines[i + 1]);
            }
            CommandLine cl = command.isEmpty() ? Main.commandLine("--help") : Main.commandLine(command, "--help");
            CommandLine sub = command.isEmpty() ? cl : cl.getSubcommands().get(command);
            for (CommandLine.Model.OptionSpec o : sub.getCommandSpec().options()) {
                if (o.arity().max() > 0) {
                    String whole = o.longestName() + "=" + o.paramLabel();
                    assertTrue(help.out().contains(whole), command + " --help lacks " + whole + " in one piece");
                }
            }
        }
    }
}
