package dev.logmesh.examples;

import dev.logmesh.NodeConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The node options every example's {@code main} takes, turned into a {@link NodeConfig}:
 * {@code --name NAME}, {@code --port PORT}, {@code --host ADDR}, {@code --peer ws://HOST:PORT} (repeatable),
 * {@code --data DIR} (default: log in memory), {@code --no-mdns}, {@code --interface ADDR} (repeatable).
 * Other arguments are left for the example ({@link #rest()}).
 */
public final class ExampleOptions {
    /** Help text for the shared options. */
    @SuppressWarnings("StringConcatToTextBlock") // the leading spaces of each line are part of the text
    public static final String HELP = String.join("\n",
        "  --name NAME         node name (the node id is NAME:random)",
        "  --port PORT         port to listen on (default: any free port)",
        "  --host ADDR         address to listen on (default: 0.0.0.0)",
        "  --peer URL          a peer to dial, ws://HOST:PORT (repeatable)",
        "  --data DIR          keep the log in SQLite under DIR (default: in memory)",
        "  --no-mdns           do not find peers by mDNS",
        "  --interface ADDR    interface for mDNS (repeatable; default: all non-loopback IPv4)");

    /** The examples are LAN programs, as {@code logmesh node} is: every interface and mDNS unless told otherwise. */
    private final NodeConfig.Builder builder = NodeConfig.builder().lan();
    private final List<String> rest = new ArrayList<>();

    private ExampleOptions() {
    }

    /**
     * Parses the shared options.
     *
     * @throws IllegalArgumentException for a missing value or a bad setting
     */
    public static ExampleOptions parse(String[] args, String defaultName) {
        ExampleOptions o = new ExampleOptions();
        o.builder.name(defaultName);
        List<String> interfaces = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--name" -> o.builder.name(value(args, ++i, a));
                case "--port" -> o.builder.port(Integer.parseInt(value(args, ++i, a)));
                case "--host" -> o.builder.host(value(args, ++i, a));
                case "--peer" -> o.builder.peer(URI.create(value(args, ++i, a)));
                case "--data" -> o.builder.dataDir(Path.of(value(args, ++i, a)));
                case "--no-mdns" -> o.builder.mdns(false);
                case "--interface" -> interfaces.add(value(args, ++i, a));
                default -> o.rest.add(a);
            }
        }
        o.builder.interfaces(interfaces);
        o.builder.build(); // validates now, with a clear message
        return o;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    /** The node settings. */
    public NodeConfig config() {
        return builder.build();
    }

    /** Arguments that are not shared options, in order. */
    public List<String> rest() {
        return List.copyOf(rest);
    }
}
