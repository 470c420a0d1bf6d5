package dev.logmesh.cli;

import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import picocli.CommandLine;

/**
 * Checks of what the user typed, before anything starts, each failing with a {@link UsageError} that names
 * the value and says what to do. Pure where it can be: the network checks only look at this machine's
 * interfaces (no DNS lookup for an address literal).
 */
final class Checks {
    private Checks() {
    }

    /**
     * The converter of every {@code int} and {@code long} option (registered for the types in
     * {@link Main#commandLine}): takes what picocli's own takes ({@link Integer#valueOf}, {@link Long#valueOf}), and
     * says why it refuses a value. picocli's said only "'3000000000' is not an int", which reads as if the digits were
     * wrong; a whole number beyond the type's range is now refused with the bound it passed. Digits other than 0-9
     * are refused ({@link #hasOtherDigits}): {@link Integer#valueOf} reads any Unicode digit, so {@code --port
     * ７００１} listened on 7001 until session 28.
     *
     * @param <T> {@link Integer} or {@link Long}
     */
    static final class WholeNumber<T extends Number> implements CommandLine.ITypeConverter<T> {
        private final java.util.function.Function<String, T> parse;
        private final long min;
        private final long max;

        private WholeNumber(java.util.function.Function<String, T> parse, long min, long max) {
            this.parse = parse;
            this.min = min;
            this.max = max;
        }

        /** For {@code int} and {@link Integer} options. */
        static WholeNumber<Integer> ints() {
            return new WholeNumber<>(Integer::valueOf, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }

        /** For {@code long} and {@link Long} options. */
        static WholeNumber<Long> longs() {
            return new WholeNumber<>(Long::valueOf, Long.MIN_VALUE, Long.MAX_VALUE);
        }

        @Override
        public T convert(String value) {
            if (hasOtherDigits(value)) {
                throw new CommandLine.TypeConversionException(notAsciiDigits(value, "a whole number"));
            }
            try {
                return parse.apply(value);
            } catch (NumberFormatException e) {
                if (value.matches("[-+]?[0-9]+")) {
                    boolean negative = value.startsWith("-");
                    throw new CommandLine.TypeConversionException("'" + value + "' is out of range: "
                        + (negative ? "at least " + min : "at most " + max));
                }
                throw new CommandLine.TypeConversionException("'" + value + "' is not a whole number");
            }
        }
    }

    /**
     * Whether {@code text} has a digit other than the ASCII 0-9 (a fullwidth {@code ７}, an Arabic-Indic {@code ٧}):
     * {@link Integer#parseInt} and {@link Long#parseLong} read any Unicode digit, so such a number was taken, and the
     * echoed configuration and the status files showed a text other than the one typed (scripts that grep them for
     * it find nothing). Every number and duration of the command line is refused with one (session 28).
     */
    static boolean hasOtherDigits(String text) {
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            if (Character.isDigit(c) && (c < '0' || c > '9')) {
                return true;
            }
            i += Character.charCount(c);
        }
        return false;
    }

    /** What is said of a value with digits other than 0-9: {@code "'７００１' is not a whole number: use ..."}. */
    static String notAsciiDigits(String value, String what) {
        return "'" + value + "' is not " + what + ": use the digits 0-9";
    }

    /**
     * The converter of a size in bytes ({@code --memory-limit}): a whole number of bytes, or one with a binary unit
     * {@code k}, {@code m}, {@code g}, {@code t} (also {@code KiB}, {@code MB} and the like, any case: all are powers
     * of 1024), more than 0 and at most {@link Long#MAX_VALUE}.
     */
    static final class ByteSize implements CommandLine.ITypeConverter<Long> {
        private static final java.util.regex.Pattern SIZE = java.util.regex.Pattern.compile(
            "([0-9]+)\\s*(?:([kmgt])(?:i?b)?|b)?", java.util.regex.Pattern.CASE_INSENSITIVE);

        @Override
        public Long convert(String value) {
            return parse(value);
        }

        static long parse(String value) {
            if (hasOtherDigits(value)) {
                throw new CommandLine.TypeConversionException(notAsciiDigits(value, "a size"));
            }
            java.util.regex.Matcher m = SIZE.matcher(value.strip());
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a size: give bytes (268435456) "
                    + "or a whole number with k, m or g (256m)");
            }
            int shift = m.group(2) == null ? 0
                : 10 * ("kmgt".indexOf(Character.toLowerCase(m.group(2).charAt(0))) + 1);
            long n;
            try {
                n = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0 || n > Long.MAX_VALUE >> shift) {
                throw new CommandLine.TypeConversionException("'" + value + "' is too large: at most "
                    + Long.MAX_VALUE + " bytes");
            }
            if (n == 0) {
                throw new CommandLine.TypeConversionException("'" + value + "' holds nothing: give more than 0 bytes");
            }
            return n << shift;
        }
    }

    /** The converter of {@code --peer}: a {@code ws://HOST:PORT} or {@code wss://HOST:PORT} URL. */
    static final class PeerUrl implements CommandLine.ITypeConverter<URI> {
        @Override
        public URI convert(String value) {
            try {
                return peerUrl(value);
            } catch (UsageError e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static URI peerUrl(String value) {
        String v = value.strip();
        String example = "write ws://HOST:PORT (or wss://HOST:PORT for a TLS node)";
        URI u;
        try {
            u = new URI(v);
        } catch (URISyntaxException e) {
            throw new UsageError("'" + value + "' is not a URL: " + example);
        }
        String scheme = u.getScheme();
        if (scheme == null || u.isOpaque()) {
            throw new UsageError("'" + value + "' is not a URL: " + example);
        }
        if (!scheme.equalsIgnoreCase("ws") && !scheme.equalsIgnoreCase("wss")) {
            throw new UsageError("'" + value + "' is not a ws:// or wss:// URL: " + example);
        }
        // a port out of range makes the authority registry-based: no host, no port
        String authority = u.getRawAuthority();
        if (authority == null || authority.isEmpty()) {
            throw new UsageError("'" + value + "' has no host: " + example);
        }
        int colon = authority.lastIndexOf(':');
        if (colon < 0 || authority.endsWith("]")) {
            throw new UsageError("'" + value + "' has no port: " + example + " (logmesh has no default port)");
        }
        String portText = authority.substring(colon + 1);
        if (hasOtherDigits(portText)) {
            throw new UsageError("'" + value + "': port " + notAsciiDigits(portText, "a number"));
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new UsageError("'" + value + "': port '" + portText + "' is not a number: " + example);
        }
        if (port < 1 || port > 65535) {
            throw new UsageError("'" + value + "': port " + port + " is out of range (1-65535)");
        }
        if (u.getHost() == null) {
            throw new UsageError("'" + value + "': '" + authority.substring(0, colon) + "' is not a host name or "
                + "address: " + example);
        }
        return u;
    }

    /** {@code --public-url}, beyond {@link #peerUrl}: no query or fragment (other nodes dial it as it is). */
    static void publicUrl(URI u) {
        if (u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new UsageError("--public-url '" + u + "': the URL other nodes dial has no query or fragment: "
                + "write ws://HOST:PORT (a path is kept)");
        }
    }

    /**
     * {@code --name}: the start of the node id ({@code NAME:random}), so no space (the id's separator in action ids)
     * and no control character (a tab, a newline: refused in node ids on the wire). The error names the character
     * and where it is, as a tab or a newline cannot be seen in the value printed back. Then the node's own rule
     * ({@link dev.logmesh.internal.log.Log#nameProblem}: other blanks, an empty part between colons, and with mDNS
     * ({@code mdns}) a name too long for one DNS label).
     */
    static void nodeName(String name, boolean mdns) {
        if (name.isEmpty()) {
            // before (session 35) "(letters, digits, '-', '_', '.')", where any other character is taken as well
            throw new UsageError("--name is empty: give a name such as alice (any characters but spaces, other "
                + "blanks and control characters; ':' only between other characters; at most " + MAX_NAME
                + " characters, and " + dev.logmesh.internal.log.Log.MAX_MDNS_NAME_BYTES + " UTF-8 bytes"
                + (mdns ? "" : " when mDNS is on") + ")");
        }
        if (name.length() > MAX_NAME) {
            // before (session 28) the node failed after its store opened, with "IllegalStateException:
            // java.lang.IllegalArgumentException: node id is longer than 256 characters" out of the overlay
            throw new UsageError("--name is " + name.length() + " characters long: at most " + MAX_NAME + " (the node "
                + "id NAME:" + "x".repeat(dev.logmesh.internal.log.Log.RANDOM_ID_CHARS) + " is at most "
                + dev.logmesh.internal.overlay.PeerInfo.MAX_ID_LENGTH + " characters); give a shorter name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == ' ' || Character.isISOControl(c)) {
                throw new UsageError("--name: " + characterName(c) + " at index " + i + " is not allowed in a node "
                    + "name (no spaces or control characters); give a name such as alice");
            }
        }
        String problem = dev.logmesh.internal.log.Log.nameProblem(name, mdns);
        if (problem != null) {
            throw new UsageError("--name '" + name + "' " + problem + "; give a name such as alice or shop:eu");
        }
    }

    /**
     * Longest {@code --name}: the node's own limit ({@link dev.logmesh.internal.log.Log#MAX_NAME_CHARS}: the node id
     * it makes, {@code NAME:} and the random part, within the overlay's); before session 29 a copy, 256 - 9.
     */
    static final int MAX_NAME = dev.logmesh.internal.log.Log.MAX_NAME_CHARS;

    private static String characterName(char c) {
        String code = String.format("U+%04X", (int) c);
        return switch (c) {
            case ' ' -> "a space (" + code + ")";
            case '\t' -> "a tab (" + code + ")";
            case '\n' -> "a newline (" + code + ")";
            case '\r' -> "a carriage return (" + code + ")";
            default -> "the control character " + code;
        };
    }

    /** {@code --port}: 0 (any free port) to 65535. */
    static void port(int port) {
        if (port < 0 || port > 65535) {
            throw new UsageError("--port " + port + " is out of range: give 1-65535, or 0 for any free port");
        }
    }

    /**
     * {@code --metrics [HOST:]PORT}: {@code {host, port}}, host 127.0.0.1 when only a port is given.
     *
     * @throws UsageError for a port out of range or a host that is not of this machine
     */
    static String[] metricsAddress(String value) {
        int colon = value.lastIndexOf(':');
        String h = colon < 0 ? "127.0.0.1" : value.substring(0, colon);
        String p = colon < 0 ? value : value.substring(colon + 1);
        if (hasOtherDigits(p)) {
            throw new UsageError("--metrics " + value + ": the port " + notAsciiDigits(p, "a number"));
        }
        int n;
        try {
            n = Integer.parseInt(p);
        } catch (NumberFormatException e) {
            throw new UsageError("--metrics " + value + ": give [HOST:]PORT, e.g. 9464 or 127.0.0.1:9464");
        }
        if (n < 0 || n > 65_535) {
            throw new UsageError("--metrics " + value + ": the port must be 0..65535");
        }
        try {
            host(h);
        } catch (UsageError e) {
            throw new UsageError("--metrics " + value + ": " + e.getMessage().replace("--host " + h, h));
        }
        return new String[] {h, Integer.toString(n)};
    }

    /**
     * {@code --http [HOST:]PORT}: the host must be an address of this machine (as {@code --host}).
     *
     * @throws UsageError naming the value and what to give instead
     */
    static void httpAddress(java.net.InetSocketAddress http) {
        String h = http.getHostString();
        String value = h + ":" + http.getPort();
        try {
            host(h);
        } catch (UsageError e) {
            throw new UsageError("--http " + value + ": " + e.getMessage().replace("--host " + h, h));
        }
    }

    /**
     * {@code --ping} and {@code --timeout}: at least {@link dev.logmesh.NodeConfig#MIN_PING_MILLIS} and
     * {@link dev.logmesh.NodeConfig#MIN_TIMEOUT_MILLIS} (NodeConfig refuses less, in its own words).
     *
     * @throws UsageError naming the option, its value, the least value and why
     */
    static void pingAndTimeout(long ping, long timeout) {
        if (ping < dev.logmesh.NodeConfig.MIN_PING_MILLIS) {
            throw new UsageError("--ping " + ping + " is too short: give " + dev.logmesh.NodeConfig.MIN_PING_MILLIS
                + " ms or more (default 4000; peers end a session that pings more than 20 times a second as a flood)");
        }
        if (timeout < dev.logmesh.NodeConfig.MIN_TIMEOUT_MILLIS) {
            throw new UsageError("--timeout " + timeout + " is too short: give "
                + dev.logmesh.NodeConfig.MIN_TIMEOUT_MILLIS + " ms or more (default 8000; an action announced but "
                + "missing for 300 ms is asked for, within the timeout)");
        }
    }

    /** {@code --client-cursors}: at least 1 (NodeConfig refuses less, without the option's name). */
    static void clientCursors(int n) {
        if (n < 1) {
            throw new UsageError("--client-cursors " + n + " keeps no Logux client's cursor: give 1 or more (default "
                + dev.logmesh.spi.Store.CLIENT_CURSORS + ")");
        }
    }

    /** {@code --channel-replay}: 0 to 100,000 (NodeConfig refuses others, without the option's name). */
    static void channelReplay(int n) {
        if (n < 0 || n > dev.logmesh.NodeConfig.MAX_CHANNEL_REPLAY) {
            throw new UsageError("--channel-replay " + n + ": give how many actions of a channel's history a "
                + "subscribing client gets, 0 (none) to " + dev.logmesh.NodeConfig.MAX_CHANNEL_REPLAY + " (default "
                + dev.logmesh.NodeConfig.DEFAULT_CHANNEL_REPLAY + ")");
        }
    }

    /**
     * {@code --max-client-frame}: unset, or at least {@code --max-frame} (NodeConfig refuses less, naming both).
     *
     * @param maxClientFrame the option's value, or null if not given
     */
    static void maxClientFrame(int maxFrame, Integer maxClientFrame) {
        if (maxClientFrame != null && maxClientFrame < maxFrame) {
            throw new UsageError("--max-client-frame " + maxClientFrame + " is below --max-frame " + maxFrame
                + ": a Logux client's session takes at least the frames any session takes; give " + maxFrame
                + " or more (default 104857600, 100 MiB, or 1/16 of the heap if less)");
        }
    }

    /** The smallest {@code --max-frame} a node takes (NodeConfig refuses less). */
    static final int MIN_MAX_FRAME = 1024;

    /**
     * {@code --max-frame} of {@code node} and {@code add}: at least {@value #MIN_MAX_FRAME} bytes, refused naming the
     * option and its value (before, session 27, the node said NodeConfig's "max frame size must be at least 1024
     * bytes" and {@code add} took 0 or a negative limit, refusing each line).
     */
    static void maxFrame(int maxFrame) {
        if (maxFrame < MIN_MAX_FRAME) {
            throw new UsageError("--max-frame " + maxFrame + " is too small: give " + MIN_MAX_FRAME
                + " or more (bytes; default 1048576, the same on every node of a mesh)");
        }
    }

    /**
     * {@code --subprotocol} and {@code --min-subprotocol}: 0 or more, refused naming the option and its value (before,
     * session 27, NodeConfig's "subprotocol must be >= 0" for either, also for {@code --min-subprotocol -1}), and
     * {@code --subprotocol} at least {@code --min-subprotocol}, refused naming both (before, session 28, such a node
     * started and refused every peer of its own version).
     */
    static void subprotocols(int subprotocol, int minSubprotocol) {
        // the node's rule, in its own place (Subprotocols.problem), with the options' names
        String problem = dev.logmesh.internal.protocol.Subprotocols.problem(subprotocol, minSubprotocol,
            "--subprotocol", "--min-subprotocol");
        if (problem != null) {
            throw new UsageError(problem);
        }
    }

    /**
     * {@code --tls-cert} and {@code --tls-key} go together, and {@code --mesh} is not empty: refused naming the
     * options (before, session 27, NodeConfig's "TLS needs both a certificate and a key" and "mesh name must not be
     * empty").
     */
    static void tlsAndMesh(Path tlsCert, Path tlsKey, String mesh) {
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new UsageError((tlsCert != null ? "--tls-cert is given without --tls-key"
                : "--tls-key is given without --tls-cert") + ": give both (the PEM certificate chain and its private"
                + " key), or neither for ws://");
        }
        if (mesh.isEmpty()) {
            throw new UsageError("--mesh is empty: give the mesh's name (default " + dev.logmesh.NodeConfig.DEFAULT_MESH
                + "; nodes of one mesh give the same)");
        }
    }

    /** The largest {@code --max-active} a node takes (NodeConfig, OverlayConfig.LIMIT_MAX_ACTIVE). */
    static final int LIMIT_MAX_ACTIVE = 32;

    /** The largest {@code --passive-size} a node takes (NodeConfig). */
    static final int LIMIT_PASSIVE_SIZE = 1024;

    /**
     * {@code --max-active} 1 to {@value #LIMIT_MAX_ACTIVE} and {@code --passive-size} {@code --max-active} to
     * {@value #LIMIT_PASSIVE_SIZE}, refused naming the option and its value (before, session 27, NodeConfig's "max
     * active must be 1..32, got 0").
     */
    static void overlay(int maxActive, int passiveSize) {
        if (maxActive < 1 || maxActive > LIMIT_MAX_ACTIVE) {
            throw new UsageError("--max-active " + maxActive + " is out of range: give 1 to " + LIMIT_MAX_ACTIVE
                + " (sessions that carry actions; default " + dev.logmesh.NodeConfig.DEFAULT_MAX_ACTIVE + ")");
        }
        if (passiveSize < maxActive || passiveSize > LIMIT_PASSIVE_SIZE) {
            throw new UsageError("--passive-size " + passiveSize + " is out of range: give " + maxActive
                + " (--max-active) to " + LIMIT_PASSIVE_SIZE + " (default "
                + dev.logmesh.NodeConfig.DEFAULT_PASSIVE_SIZE + ")");
        }
    }

    /**
     * {@code --client-frame-budget}: unset, or positive and at least {@code --max-client-frame}, or its default for
     * this heap when it is not given (before, session 27, NodeConfig's "client frame budget (clientFrameBudgetBytes)
     * must be at least ..." said neither the option nor what to give).
     *
     * @param budget the option's value, or null if not given
     * @param maxClientFrame {@code --max-client-frame}'s value, or null if not given
     * @param maxFrame {@code --max-frame}'s value (the client limit is never less)
     */
    static void clientFrameBudget(Long budget, Integer maxClientFrame, int maxFrame) {
        if (budget == null) {
            return;
        }
        int limit = maxClientFrame != null ? maxClientFrame
            : Math.max(dev.logmesh.NodeConfig.defaultMaxClientFrameBytes(Runtime.getRuntime().maxMemory()), maxFrame);
        if (budget <= 0) {
            throw new UsageError("--client-frame-budget " + budget + ": give a number of bytes, at least "
                + "--max-client-frame (" + limit + " here)");
        }
        if (maxClientFrame != null && budget < maxClientFrame) {
            throw new UsageError("--client-frame-budget " + budget + " is below --max-client-frame " + maxClientFrame
                + ": the budget must take at least one frame at the client limit");
        }
        if (maxClientFrame == null && budget < limit) {
            throw new UsageError("--client-frame-budget " + budget + " is below the client frame limit of " + limit
                + " bytes (--max-client-frame's default with this heap): give " + limit + " or more, or a smaller "
                + "--max-client-frame");
        }
    }

    /** The shortest presence period a node takes, the node's own ({@link dev.logmesh.NodeConfig#MIN_PRESENCE_PERIOD}). */
    static final java.time.Duration MIN_PRESENCE_PERIOD = dev.logmesh.NodeConfig.MIN_PRESENCE_PERIOD;

    /** The longest presence period, the node's own ({@link dev.logmesh.NodeConfig#MAX_PRESENCE_PERIOD}). */
    static final java.time.Duration MAX_PRESENCE_PERIOD = dev.logmesh.NodeConfig.MAX_PRESENCE_PERIOD;

    /**
     * The values {@code --presence-period} takes, in the one wording its help, its errors and the README use (before,
     * session 28, the help gave no range, the errors "0 (off) or a period from 100ms to 1d", the README "100 ms to 1
     * day; 0 turns it off").
     */
    static final String PRESENCE_PERIOD_VALUES = "0 (off) or a period from 100ms to 1d";

    /**
     * {@code --presence-period}: {@value #PRESENCE_PERIOD_VALUES}.
     *
     * @throws UsageError naming the value and the range
     */
    static void presencePeriod(java.time.Duration period) {
        if (!period.isZero() && (period.compareTo(MIN_PRESENCE_PERIOD) < 0
            || period.compareTo(MAX_PRESENCE_PERIOD) > 0)) {
            throw new UsageError("--presence-period " + human(period) + " is out of range: give "
                + PRESENCE_PERIOD_VALUES + " (default 5s)");
        }
    }

    private static String human(java.time.Duration d) {
        if (d.toMillisPart() != 0 || d.getNano() % 1_000_000 != 0 || d.getSeconds() == 0) {
            return d.toMillis() + "ms";
        }
        return d.getSeconds() + "s";
    }

    /**
     * A server of the CLI ({@code --metrics}, {@code --http}) could not listen: one line naming the option and the
     * address, and what to do.
     */
    static String bindFailure(Throwable e, String option, String where, String flag) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = String.valueOf(root.getMessage());
        if (msg.contains("in use")) {
            return option + ": cannot listen on " + where + ": the port is in use (by another process, or by this "
                + "node's other options): stop that process, or choose another " + flag + " port (0 = any free port)";
        }
        return option + ": cannot listen on " + where + ": " + msg + ": give an address of this machine and a free "
            + "port";
    }

    /** {@code --host}: an address of this machine (or a name resolving to one), or a wildcard. */
    static void host(String host) {
        if (host.matches("[0-9.]+") && !isIpv4(host)) {
            throw new UsageError("--host " + host + " is not an IPv4 address: give an address of this machine ("
                + String.join(", ", localAddresses()) + "), 0.0.0.0 for all of them, or 127.0.0.1");
        }
        InetAddress a;
        try {
            a = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new UsageError("--host " + host + ": no such host: give an address of this machine ("
                + String.join(", ", localAddresses()) + "), 0.0.0.0 for all of them, or 127.0.0.1");
        }
        try {
            if (!a.isAnyLocalAddress() && !a.isLoopbackAddress() && NetworkInterface.getByInetAddress(a) == null) {
                throw new UsageError("--host " + host + " is not an address of this machine: give one of "
                    + String.join(", ", localAddresses()) + ", 0.0.0.0 for all of them, or 127.0.0.1");
            }
        } catch (SocketException e) {
            // cannot list the interfaces: let the bind say what it says
        }
    }

    static boolean isIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    /** {@code --interface}: each an IPv4 address of an up interface, or the name of one. */
    static void interfaces(List<String> specs) {
        if (specs.isEmpty()) {
            return;
        }
        List<NetworkInterface> all;
        try {
            all = Collections.list(NetworkInterface.getNetworkInterfaces());
        } catch (SocketException e) {
            return; // mDNS will say what it says
        }
        for (String spec : specs) {
            String s = spec.strip();
            boolean found = false;
            for (NetworkInterface ni : all) {
                boolean named = ni.getName().equals(s);
                boolean addressed = Collections.list(ni.getInetAddresses()).stream()
                    .anyMatch(a -> a instanceof Inet4Address && a.getHostAddress().equals(s));
                if (named || addressed) {
                    found = true;
                    if (!up(ni)) {
                        throw new UsageError("--interface " + s + ": interface " + ni.getName() + " is down: bring "
                            + "it up or choose another of: " + describe(all));
                    }
                }
            }
            if (!found) {
                throw new UsageError("--interface " + s + ": no such interface or IPv4 address on this machine: "
                    + "choose from " + describe(all));
            }
        }
    }

    private static boolean up(NetworkInterface ni) {
        try {
            return ni.isUp();
        } catch (SocketException e) {
            return false;
        }
    }

    private static String describe(List<NetworkInterface> all) {
        List<String> out = new ArrayList<>();
        for (NetworkInterface ni : all) {
            List<String> v4 = new ArrayList<>();
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (a instanceof Inet4Address) {
                    v4.add(a.getHostAddress());
                }
            }
            if (!v4.isEmpty() && up(ni)) {
                out.add(ni.getName() + " (" + String.join(", ", v4) + ")");
            }
        }
        return String.join(", ", out);
    }

    /** The IPv4 addresses of this machine's up interfaces. */
    static List<String> localAddresses() {
        List<String> out = new ArrayList<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (up(ni)) {
                    for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                        if (a instanceof Inet4Address) {
                            out.add(a.getHostAddress());
                        }
                    }
                }
            }
        } catch (SocketException e) {
            out.add("127.0.0.1");
        }
        return out;
    }

    /** A data directory: missing (it will be created) or a directory, not a file. */
    static void dataDir(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UsageError("--data " + dir + " is a file, not a directory: give a directory (it is created "
                + "if missing)");
        }
    }

    /**
     * Reads a key file: one line of UTF-8 text, surrounding white space dropped.
     *
     * @param warn gets a warning when other users may read the file
     */
    static byte[] keyFile(Path file, Consumer<String> warn) {
        return keyFile(file, "--key-file", warn);
    }

    /** As {@link #keyFile(Path, Consumer)}, for the option {@code option} (--key-file or --next-key-file). */
    static byte[] keyFile(Path file, String option, Consumer<String> warn) {
        String make = "create it with: head -c 32 /dev/urandom | base64 > " + file + " && chmod 600 " + file;
        if (Files.isDirectory(file)) {
            throw new UsageError(option + " " + file + " is a directory: give the file that holds the key");
        }
        if (!Files.exists(file)) {
            throw new UsageError(option + " " + file + " does not exist: " + make);
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (AccessDeniedException e) {
            throw new UsageError(option + " " + file + " is not readable by this user: fix its owner or "
                + "permissions (chmod 600, owned by the user that runs the node)");
        } catch (NoSuchFileException e) {
            throw new UsageError(option + " " + file + " does not exist: " + make);
        } catch (IOException e) {
            throw new UsageError(option + " " + file + " cannot be read (" + e.getMessage() + ")");
        }
        if (!Files.isReadable(file)) {
            throw new UsageError(option + " " + file + " is not readable by this user: fix its owner or "
                + "permissions (chmod 600, owned by the user that runs the node)");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new UsageError(option + " " + file + " is not text (a binary file?): the key is one line of "
                + "text; " + make);
        }
        if (text.indexOf('\0') >= 0) {
            throw new UsageError(option + " " + file + " is not text (a binary file?): the key is one line of "
                + "text; " + make);
        }
        String key = text.strip();
        if (key.isEmpty()) {
            throw new UsageError(option + " " + file + " is empty: " + make);
        }
        if (key.contains("\n")) {
            throw new UsageError(option + " " + file + " has more than one line: the key is one line of text"
                + ("--key-file".equals(option) ? " (to rotate the key, give the new one in a file of its own as "
                + "--next-key-file)" : ""));
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.GROUP_READ)) {
                warn.accept("WARNING: key file " + file + " can be read by other users (mode "
                    + java.nio.file.attribute.PosixFilePermissions.toString(perms) + "): chmod 600 " + file);
            }
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system: nothing to say
        }
        return key.getBytes(StandardCharsets.UTF_8);
    }

    /** What failed when a node could not start, as one line saying what to do. */
    static String startFailure(Throwable e, String host, int port) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String where = host + ":" + port;
        if (root instanceof BindException || String.valueOf(root.getMessage()).contains("Address already in use")) {
            if (String.valueOf(root.getMessage()).contains("in use")) {
                return "cannot listen on " + where + ": the port is in use (another logmesh node?): stop that "
                    + "process, or choose another --port (0 = any free port)";
            }
            return "cannot listen on " + where + ": " + root.getMessage() + ": check --host (an address of this "
                + "machine) and --port";
        }
        return e.getMessage();
    }
}
