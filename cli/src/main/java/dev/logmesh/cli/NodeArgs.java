package dev.logmesh.cli;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code logmesh node}'s options read without picocli, for start-up (docs/performance.md, Start-up): picocli's
 * first command line costs ~80 ms of a ~370 ms start on a quiet machine (its ~540 classes initialised, the
 * annotations read by reflection, 6 annotation proxy classes spun, which a JDK 17 archive cannot hold).
 *
 * <p>{@link #parse} takes only what it reads exactly as picocli would, and returns null for anything else (help,
 * version, an unknown, repeated or misspelt option, a value that is missing, starts with {@code -} or {@code @}, or
 * that a converter refuses, a number picocli might read otherwise, {@code --}, an argument file): {@link Main} then
 * runs picocli as before, so its help, usage, errors and exit codes are picocli's by construction. The fields set
 * are those of the {@code @Option}s of {@link NodeCommand}, with the same converters; {@code NodeArgsTest} checks
 * that each option is known here and that picocli reads the same values from the lines taken.
 */
final class NodeArgs {
    /** A decimal number as picocli's {@code int} and {@code long} converters read it (no sign +, no leading 0). */
    private static final Pattern DECIMAL = Pattern.compile("0|-?[1-9][0-9]{0,8}");
    private static final Pattern DECIMAL_LONG = Pattern.compile("0|-?[1-9][0-9]{0,17}");

    private NodeArgs() {
    }

    /**
     * The command for {@code args} ({@code args[0]} is {@code node}), or null when picocli must read them. Runs on
     * the main thread; converts with {@link NodeCommand}'s converters and throws nothing.
     */
    static NodeCommand parse(String... args) {
        if (args.length == 0 || !"node".equals(args[0]) || System.getProperty("picocli.trace") != null) {
            return null;
        }
        NodeCommand c = new NodeCommand();
        Set<String> seen = new HashSet<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || a.length() == 2) {
                return null;
            }
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (eq >= 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            boolean list = "--peer".equals(name) || "--interface".equals(name) || "--header".equals(name);
            if (!list && !seen.add(name)) {
                return null; // picocli: "should be specified only once"
            }
            if (isFlag(name)) {
                if (value != null) {
                    return null;
                }
                setFlag(c, name);
                continue;
            }
            if (value == null) {
                if (i + 1 == args.length) {
                    return null;
                }
                value = args[++i];
            }
            if (value.isEmpty() || value.startsWith("-") || value.startsWith("@") || !set(c, name, value)) {
                return null;
            }
        }
        return c;
    }

    private static boolean isFlag(String name) {
        return switch (name) {
            case "--memory", "--no-mdns", "--timestamps", "--json", "--no-overlay" -> true;
            default -> false;
        };
    }

    private static void setFlag(NodeCommand c, String name) {
        switch (name) {
            case "--memory" -> c.memory = true;
            case "--no-mdns" -> c.noMdns = true;
            case "--timestamps" -> c.timestamps = true;
            case "--json" -> c.json = true;
            default -> c.noOverlay = true;
        }
    }

    /** Sets option {@code name} to {@code value}; false for an unknown option or a value not taken here. */
    private static boolean set(NodeCommand c, String name, String value) {
        try {
            switch (name) {
                case "--name" -> c.name = value;
                case "--data" -> c.data = Path.of(value);
                case "--host" -> c.host = value;
                case "--port" -> c.port = decimal(value);
                case "--peer" -> c.peers.add(new Checks.PeerUrl().convert(value));
                case "--public-url" -> c.publicUrl = new Checks.PeerUrl().convert(value);
                case "--mesh" -> c.mesh = value;
                case "--key" -> c.key = value;
                case "--key-file" -> c.keyFile = Path.of(value);
                case "--next-key-file" -> c.nextKeyFile = Path.of(value);
                case "--subprotocol" -> c.subprotocol = decimal(value);
                case "--min-subprotocol" -> c.minSubprotocol = decimal(value);
                case "--max-frame" -> c.maxFrame = decimal(value);
                case "--max-client-frame" -> c.maxClientFrame = decimal(value);
                case "--client-frame-budget" -> c.clientFrameBudget = decimalLong(value);
                case "--ping" -> c.ping = decimalLong(value);
                case "--after" -> c.after = decimalLong(value);
                case "--timeout" -> c.timeout = decimalLong(value);
                case "--max-drift" -> c.maxDrift = new NodeCommand.MaxDrift().convert(value);
                case "--interface" -> c.interfaces.add(value);
                case "--tls-cert" -> c.tlsCert = Path.of(value);
                case "--tls-key" -> c.tlsKey = Path.of(value);
                case "--tls-trust" -> c.tlsTrust = Path.of(value);
                case "--token" -> c.token = value;
                case "--metrics" -> c.metrics = value;
                case "--header" -> c.headers.add(value);
                case "--unaddressed" -> c.unaddressed = unaddressed(value);
                case "--max-active" -> c.maxActive = decimal(value);
                case "--passive-size" -> c.passiveSize = decimal(value);
                case "--client-cursors" -> c.clientCursors = decimal(value);
                case "--channel-replay" -> c.channelReplay = decimal(value);
                case "--memory-limit" -> c.memoryLimit = memoryLimit(value);
                case "--keep-last" -> c.keepLast = decimalLong(value);
                case "--keep-for" -> c.keepFor = new NodeCommand.KeepFor().convert(value);
                case "--seen-horizon" -> c.seenHorizon = new NodeCommand.SeenHorizon().convert(value);
                case "--http" -> c.http = new NodeCommand.HttpAddress().convert(value);
                case "--presence-period" -> c.presencePeriod = new NodeCommand.PresencePeriod().convert(value);
                default -> {
                    return false;
                }
            }
            return true;
        } catch (RuntimeException e) { // NotTaken, InvalidPathException, a converter's TypeConversionException
            return false;
        }
    }

    private static int decimal(String value) {
        if (!DECIMAL.matcher(value).matches()) {
            throw new NotTaken();
        }
        return Integer.parseInt(value);
    }

    /** A size as {@link Checks.ByteSize} takes it; one it refuses is left to picocli, which says why. */
    private static long memoryLimit(String value) {
        try {
            return Checks.ByteSize.parse(value);
        } catch (picocli.CommandLine.TypeConversionException e) {
            throw new NotTaken();
        }
    }

    private static long decimalLong(String value) {
        if (!DECIMAL_LONG.matcher(value).matches()) {
            throw new NotTaken();
        }
        return Long.parseLong(value);
    }

    /** A constant's exact name (picocli, case-insensitive here, also takes other spellings: left to it). */
    private static dev.logmesh.NodeConfig.Unaddressed unaddressed(String value) {
        for (dev.logmesh.NodeConfig.Unaddressed u : dev.logmesh.NodeConfig.Unaddressed.values()) {
            if (u.name().equals(value)) {
                return u;
            }
        }
        throw new NotTaken();
    }

    /** A value this class leaves to picocli. */
    private static final class NotTaken extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotTaken() {
            super(null, null, false, false);
        }
    }
}
