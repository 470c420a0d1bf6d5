package dev.logmesh.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code logmesh} command line.
 *
 * <p>Start-up (docs/performance.md, Cold): picocli reads each command's annotations by reflection when the
 * command is registered, and its own classes (class file version 49) cannot go into a dynamic class-data
 * sharing archive: picocli took ~175 of the ~440 ms from process start to a node's {@code ready}, and registering
 * the six subcommands not run ~40 ms of it. When the first argument names a subcommand, only that one is
 * registered: its parsing, help and errors are the same, as picocli looks at no other subcommand for them.
 * Anything else ({@code --help}, {@code help NAME}, a typo, no argument) registers them all, so the usage lists
 * them and a typo is reported as before. A {@code node} line goes without picocli at all when {@link NodeArgs} takes
 * it (the fourth round of the same work: picocli's first command line was ~80 of the ~370 ms left).
 */
@Command(name = "logmesh", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "A peer-to-peer mesh of synchronized Logux action logs.")
public final class Main implements Runnable {

    /** The subcommands' names, in the order the usage lists them. */
    static final List<String> SUBCOMMANDS = List.of("node", "add", "log", "backup", "downgrade", "peers", "status",
        "user-token", "help");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * A new instance of the subcommand {@code name}, or null if there is none. A switch, not a map of method
     * references: with such a map (one of them to picocli's {@code HelpCommand::new}, class file version 49), JDK
     * 25.0.3 crashed while assembling the launcher's ahead-of-time cache (a guarantee in its heap writer), so the
     * cache was never made; with the switch it is.
     */
    static Object subcommand(String name) {
        return switch (name) {
            case "node" -> new NodeCommand();
            case "add" -> new AddCommand();
            case "log" -> new LogCommand();
            case "backup" -> new BackupCommand();
            case "downgrade" -> new DowngradeCommand();
            case "peers" -> new PeersCommand();
            case "status" -> new StatusCommand();
            case "user-token" -> new UserTokenCommand();
            case "help" -> new CommandLine.HelpCommand();
            default -> null;
        };
    }

    public static void main(String[] args) {
        // slf4j-simple, named: without a name SLF4J looks for providers in every jar of the class path (a
        // ServiceLoader), which opens all ~35 of them before the node is ready (docs/performance.md, Start-up).
        // Its note that it loads the named provider is info, so only warnings of its own are printed.
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.provider", "org.slf4j.simple.SimpleServiceProvider");
            if (System.getProperty("slf4j.internal.verbosity") == null) {
                System.setProperty("slf4j.internal.verbosity", "WARN");
            }
        }
        // picocli looks for Groovy's Closure class once (annotations may hold closures in Groovy scripts); it is
        // not on the class path, so the lookup opened each of its ~35 jars in turn: off, as picocli allows
        if (System.getProperty("picocli.disable.closures") == null) {
            System.setProperty("picocli.disable.closures", "true");
        }
        // Netty's selector comes from SelectorProvider.provider(), which looks for a provider in every jar of the
        // class path (a ServiceLoader: ~30 ms of CPU opening them) before it takes the JDK's default. On Linux the
        // default is named instead, when this JDK has it, and only when nobody chose one already
        if (System.getProperty(SELECTOR_PROVIDER) == null && "Linux".equals(System.getProperty("os.name"))
            && jdkHas(EPOLL_PROVIDER)) {
            System.setProperty(SELECTOR_PROVIDER, EPOLL_PROVIDER);
        }
        // slf4j-simple: the rest of its settings are in simplelogger.properties (stderr, the time of day, ...)
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
            System.getProperty("logmesh.log", "info"));
        // each log line led by the UTC time (LogTime), not slf4j-simple's milliseconds since start (negative after a
        // clock set back, clock40)
        LogTime.install();
        System.exit(stdoutWritten(run(args)));
    }

    /**
     * {@code code}, or 1 with a line on stderr when it is 0 but stdout could not be written: {@link System#out} keeps
     * a write error to itself, so {@code user-token > token} on a full disk left an empty file with exit code 0, and
     * so did {@code peers --json}, {@code status --json} and {@code --help} (a new-user trial, session 14). {@code
     * node} and {@code log} stop at their first failed write (see there).
     */
    static int stdoutWritten(int code) {
        System.out.flush();
        if (code == 0 && System.out.checkError()) {
            System.err.println("logmesh: cannot write stdout (a full disk, or its reader went away)");
            return 1;
        }
        return code;
    }

    /** The system property that names the JDK's {@link java.nio.channels.spi.SelectorProvider}. */
    static final String SELECTOR_PROVIDER = "java.nio.channels.spi.SelectorProvider";
    /** The JDK's default selector provider on Linux (epoll), in {@code java.base}. */
    static final String EPOLL_PROVIDER = "sun.nio.ch.EPollSelectorProvider";

    /** Whether the JDK's own modules have this class (looked up, not initialised). */
    static boolean jdkHas(String className) {
        try {
            Class.forName(className, false, null);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Runs the command line and returns the exit code (for tests). A {@code node} line that {@link NodeArgs} reads
     * runs without picocli (start-up); anything else, and every help, usage and error, goes through picocli.
     */
    public static int run(String... args) {
        String unreadable = unreadableArgument(args, System.getProperty("sun.jnu.encoding"));
        if (unreadable != null) {
            System.err.println("logmesh: " + unreadable);
            return 2;
        }
        loadPicocliForTheArchive();
        NodeCommand node = NodeArgs.parse(args);
        if (node != null) {
            return call(node, args);
        }
        return commandLine(args).setCaseInsensitiveEnumValuesAllowed(true)
            .setParameterExceptionHandler(new Errors.BadParameter()).setExecutionExceptionHandler(new Errors.Failed())
            .execute(args);
    }

    /**
     * Why an argument cannot be used as the JVM read it, or null. The JVM decodes arguments with the locale's charset
     * ({@code sun.jnu.encoding}): in a C/POSIX locale ({@code LANG=C}, no {@code LC_ALL}: containers, services, cron)
     * that is ASCII, and each non-ASCII byte arrives as U+FFFD, so {@code --name héllo} would name the node
     * {@code h\uFFFD\uFFFDllo} and {@code user-token --user José} would sign another user id, silently. Such an
     * argument, under a charset that is not UTF-8, is refused (a U+FFFD typed on purpose comes only through a
     * UTF-8 locale, where nothing is checked).
     *
     * @param charset the JVM's {@code sun.jnu.encoding} (null: unknown, nothing is checked)
     */
    static String unreadableArgument(String[] args, String charset) {
        if (charset == null || charset.equalsIgnoreCase("UTF-8") || charset.equalsIgnoreCase("UTF8")) {
            return null;
        }
        for (int i = 0; i < args.length; i++) {
            if (args[i].indexOf('\uFFFD') >= 0) {
                String option = i > 0 && args[i - 1].startsWith("-") ? " of " + args[i - 1] : "";
                return "argument " + (i + 1) + option + " (" + args[i].replace('\uFFFD', '?') + ") has bytes that the"
                    + " locale's charset (" + charset + ") cannot read, so it would be changed; run logmesh in a UTF-8"
                    + " locale, e.g. LANG=C.UTF-8 (LC_ALL and LC_CTYPE, when set, win over LANG)";
            }
        }
        return null;
    }

    /**
     * Runs {@code node} as picocli's {@code execute} does for a {@link java.util.concurrent.Callable}: its result is
     * the exit code, and an exception out of it goes to {@link Errors#failed} (with picocli's command line for its
     * error stream, made only then).
     */
    static int call(NodeCommand node, String... args) {
        try {
            Integer code = node.call();
            return code == null ? 0 : code;
        } catch (Exception e) {
            return Errors.failed(e, commandLine(args), null);
        }
    }

    /** The system property that {@code scripts/lib/cds.sh} sets on a training run of the launchers' archive. */
    static final String CDS_TRAINING = "logmesh.cds.training";

    /**
     * On a training run of the launchers' archive (a {@code node} run that writes the class list the static archive
     * is dumped from: {@code scripts/lib/cds.sh} sets {@link #CDS_TRAINING}), loads what the other runs of picocli
     * load: a {@code node} run reads its options without it ({@link NodeArgs}), so without this the archive would
     * hold none of picocli's classes and every other subcommand, {@code --help} and {@code --version} would load
     * them from the jar. Called on the main thread before anything else (a node is often stopped soon after its
     * {@code ready} line: work after it may not make it into the list), once per archive: that run's start is
     * ~0.1 s slower. Prints nothing; a failure only leaves classes out of the list.
     */
    static void loadPicocliForTheArchive() {
        if (!Boolean.getBoolean(CDS_TRAINING)) {
            return;
        }
        try {
            CommandLine all = commandLine().setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler(new Errors.BadParameter()).setExecutionExceptionHandler(new Errors.Failed());
            all.parseArgs("node", "--name", "training", "--memory", "--port", "0");
            all.getUsageMessage();
            all.getSubcommands().get("node").getUsageMessage();
            commandLine("--version").parseArgs("--version");
        } catch (RuntimeException e) {
            // an optimisation: classes left out of the list are loaded from the jars
        }
    }

    /**
     * The sign, in a training run's class list, that its node held a sync session: {@code scripts/lib/cds.sh}'s dumper
     * looks for this class ({@code dev/logmesh/cli/Main$SessionHeld}) and does not freeze an archive from a list
     * without it (a lone first node, a peer not up yet) until the third such list in a row. None of the node's own
     * classes does: a session object and its protocol classes are made on a dial to a port where nothing listens, or
     * for a session the peer refuses, and what a connected session loads depends on its options (overlay, range
     * reconciliation). Loaded by {@link #mark()}, which {@code node} calls on every run once a peer's first session is
     * up ({@link dev.logmesh.MeshNode.Listener#peer}; any thread; an empty call once the class is loaded).
     */
    static final class SessionHeld {
        private SessionHeld() {
        }

        /** Loads this class (the mark); does nothing else. */
        static void mark() {
            // loading this class is the mark
        }
    }

    /**
     * The command line for these arguments: with only the subcommand that {@code args[0]} names, or with every
     * subcommand when it names none; its {@code int} and {@code long} options refuse an out-of-range value with the
     * bound ({@link Checks.WholeNumber}).
     */
    static CommandLine commandLine(String... args) {
        CommandLine cl = new CommandLine(new Main());
        // help NAME shows a sibling's usage: it needs them all
        Object only = args.length > 0 && !"help".equals(args[0]) ? subcommand(args[0]) : null;
        if (only != null) {
            cl.addSubcommand(args[0], only);
        } else {
            for (String name : SUBCOMMANDS) {
                cl.addSubcommand(name, subcommand(name));
            }
        }
        // after the subcommands: picocli gives a converter to those registered at this moment
        Checks.WholeNumber<Integer> ints = Checks.WholeNumber.ints();
        Checks.WholeNumber<Long> longs = Checks.WholeNumber.longs();
        return cl.registerConverter(Integer.class, ints).registerConverter(int.class, ints)
            .registerConverter(Long.class, longs).registerConverter(long.class, longs);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
