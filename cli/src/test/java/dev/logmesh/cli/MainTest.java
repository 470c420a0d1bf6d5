package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@link Main}: a subcommand named first is the only one registered (start-up), and the help is unchanged. */
class MainTest {
    private static final List<String> ALL = List.of("node", "add", "log", "peers", "status", "user-token", "help");

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
}
