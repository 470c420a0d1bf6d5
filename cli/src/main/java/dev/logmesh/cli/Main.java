package dev.logmesh.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code logmesh} command line.
 *
 * <p>Start-up (README, "Performance", Cold): picocli reads each command's annotations by reflection when the
 * command is registered, and its own classes (class file version 49) cannot go into a class-data sharing
 * archive, so registering all seven subcommands was a third of the time from process start to a node's
 * {@code ready}. When the first argument names a subcommand, only that one is registered: its parsing, help and
 * errors are the same, as picocli looks at no other subcommand for them. Anything else ({@code --help},
 * {@code help NAME}, a typo, no argument) registers them all, so the usage lists them and a typo gets picocli's
 * suggestions.
 */
@Command(name = "logmesh", mixinStandardHelpOptions = true, version = "logmesh 0.1.0",
    description = "A peer-to-peer mesh of synchronized Logux action logs.")
public final class Main implements Runnable {

    /** The subcommands by name, in the order the usage lists them; each made when registered. */
    static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("node", NodeCommand::new);
        m.put("add", AddCommand::new);
        m.put("log", LogCommand::new);
        m.put("peers", PeersCommand::new);
        m.put("status", StatusCommand::new);
        m.put("user-token", UserTokenCommand::new);
        m.put("help", CommandLine.HelpCommand::new);
        return java.util.Collections.unmodifiableMap(m);
    }

    public static void main(String[] args) {
        // slf4j-simple: logs go to stderr; stdout carries only the command's output
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
            System.getProperty("logmesh.log", "info"));
        // error events are printed on stdout (a line on a terminal): their copy in the log would say each twice
        System.setProperty("org.slf4j.simpleLogger.log.dev.logmesh.MeshNode.events", "off");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        return commandLine(args).setCaseInsensitiveEnumValuesAllowed(true)
            .setParameterExceptionHandler(Errors::badParameter).setExecutionExceptionHandler(Errors::failed)
            .execute(args);
    }

    /**
     * The command line for these arguments: with only the subcommand that {@code args[0]} names, or with every
     * subcommand when it names none.
     */
    static CommandLine commandLine(String... args) {
        CommandLine cl = new CommandLine(new Main());
        // help NAME shows a sibling's usage: it needs them all
        Supplier<Object> only = args.length > 0 && !"help".equals(args[0]) ? SUBCOMMANDS.get(args[0]) : null;
        if (only != null) {
            cl.addSubcommand(args[0], only.get());
        } else {
            SUBCOMMANDS.forEach((name, make) -> cl.addSubcommand(name, make.get()));
        }
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
