package dev.logmesh.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * How the command line reports what goes wrong: one line on stderr, no stack trace (unless
 * {@code -Dlogmesh.log=debug}), exit code 2 for bad usage and 1 for anything else.
 */
final class Errors {
    /** Exit code of a usage mistake (picocli's own code for bad parameters too). */
    static final int USAGE = 2;

    private Errors() {
    }

    /** A bad option or argument: one line and a pointer to the help, not the whole help. */
    static int badParameter(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        err.println("logmesh: " + oneLine(ex.getMessage()) + " (see: " + name + " --help)" + memoryNodeHint(ex, name));
        err.flush();
        return USAGE;
    }

    /**
     * For {@code status} and {@code peers} without {@code --data}: what to do for a {@code --memory} node, which has no
     * data directory (and so no status file) for them to read; else nothing. Before (session 43) they said only
     * "Missing required option: '--data=DIR'", which an operator of a {@code --memory} node could not give.
     */
    static String memoryNodeHint(CommandLine.ParameterException ex, String command) {
        if (!(ex instanceof CommandLine.MissingParameterException missing)
            || !(command.endsWith(" status") || command.endsWith(" peers"))
            || missing.getMissing().stream().noneMatch(a -> a instanceof CommandLine.Model.OptionSpec o
                && "--data".equals(o.longestName()))) {
            return "";
        }
        return ". A node started with --memory has no data directory, so this cannot read it: start that node with "
            + "--http [HOST:]PORT and read http://HOST:PORT/status.json (its peers, the mesh it knows, whether it can "
            + "write its log), or --metrics [HOST:]PORT";
    }

    /** An exception out of a command: a {@link UsageError} exits 2, anything else 1; both as one line. */
    static int failed(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        if (ex instanceof UsageError) {
            err.println("logmesh: " + oneLine(ex.getMessage()));
            err.flush();
            return USAGE;
        }
        String message = ex.getMessage() == null ? ex.getClass().getSimpleName()
            : ex.getClass().getSimpleName() + ": " + ex.getMessage();
        err.println("logmesh: " + oneLine(message));
        if ("debug".equalsIgnoreCase(System.getProperty("logmesh.log"))) {
            ex.printStackTrace(err);
        }
        err.flush();
        return 1;
    }

    /**
     * {@link #badParameter} as picocli's handler. A named class, not a method reference: picocli's interfaces are
     * of class file version 49, and a lambda implementing one makes the launcher's static archive link it while
     * dumping, which excludes it and the picocli classes that implement it (logged as "Old class has been
     * linked"); each start then opened the jars of the class path one by one to find them, 18 ms of a start on
     * a quiet machine (docs/performance.md, Start-up).
     */
    static final class BadParameter implements CommandLine.IParameterExceptionHandler {
        @Override
        public int handleParseException(CommandLine.ParameterException ex, String[] args) {
            return badParameter(ex, args);
        }
    }

    /** {@link #failed} as picocli's handler; a named class for the reason {@link BadParameter} gives. */
    static final class Failed implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
            return failed(ex, cmd, parsed);
        }
    }

    static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
