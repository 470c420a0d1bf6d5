package dev.logmesh.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code logmesh} command line. */
@Command(name = "logmesh", mixinStandardHelpOptions = true, version = "logmesh 0.1.0",
    description = "A peer-to-peer mesh of synchronized Logux action logs.",
    subcommands = {NodeCommand.class, AddCommand.class, LogCommand.class, PeersCommand.class, StatusCommand.class,
        UserTokenCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

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
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true)
            .setParameterExceptionHandler(Errors::badParameter).setExecutionExceptionHandler(Errors::failed)
            .execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
