package dev.logmesh.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Entry;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code logmesh node} prints on a terminal: one readable line per event, and during a long catch-up
 * received from a peer a progress line (at most twice a second) instead of a line per action.
 *
 * <p>Thread: events come from the node's loop; every method is synchronized,
 * so lines never mix. The lines go to a sink that must not block (the node's bounded {@link Ndjson} writer: a
 * terminal on hold must not stop the loop).
 */
final class HumanOutput {
    /** A catch-up with at least this many entries to go shows progress instead of each action. */
    static final long CATCH_UP_THRESHOLD = 1_000;

    private final java.util.function.Consumer<String> out;
    private final DateTimeFormatter time;
    /** Catch-ups in progress, by peer. */
    private final Map<String, CatchUp> catchUps = new HashMap<>();
    /** When the log became unwritable ({@link #health}, the node's clock), or -1 while it is writable. */
    private long unwritableSince = -1;
    /** Peers whose session ended while the log could not be written: said once each, until it can. */
    private final java.util.Set<String> quietPeers = new java.util.TreeSet<>();
    /** Sessions that began meanwhile, not said. */
    private int sessionsMeanwhile;

    private static final class CatchUp {
        final long startDone;
        final long startMillis;

        CatchUp(long startDone, long now) {
            this.startDone = startDone;
            this.startMillis = now;
        }
    }

    /** Prints straight to {@code out} (blocking if it blocks). */
    HumanOutput(PrintStream out, ZoneId zone) {
        this(line -> {
            out.println(line);
            out.flush();
        }, zone);
    }

    /** Hands each line to {@code lines}, which must not block (the node's {@link Ndjson#line}). */
    HumanOutput(java.util.function.Consumer<String> lines, ZoneId zone) {
        this.out = lines;
        this.time = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT).withZone(zone);
    }

    synchronized void ready(String nodeId, URI url, Path data) {
        ready(nodeId, url, data, null);
    }

    /** The ready line, with the id of the mesh key ({@link dev.logmesh.MeshNode#keyId}) unless the mesh is open. */
    synchronized void ready(String nodeId, URI url, Path data, String keyId) {
        ready(nodeId, url, data, keyId, null);
    }

    /** The ready line, with the ids of the mesh key and of the next key ({@code --next-key-file}) when given. */
    synchronized void ready(String nodeId, URI url, Path data, String keyId, String nextKeyId) {
        line("ready  " + nodeId + (url != null ? " at " + url : " (not listening)")
            + (data != null ? ", log in " + data : ", log in memory")
            + (keyId != null ? ", mesh key id " + keyId : "")
            + (nextKeyId != null ? ", next key id " + nextKeyId : ""));
    }

    synchronized void peer(String nodeId, boolean connected) {
        if (!connected) {
            catchUps.remove(nodeId);
        }
        if (unwritableSince >= 0) {
            if (connected) {
                sessionsMeanwhile++;
            }
            // said once per peer while the log cannot be written (its redials flapped: break37), at a disconnect: a
            // redial's connect does not use up that line (before, verify38, a peer whose session ended before the
            // health event was never said with why)
            if (connected || !quietPeers.add(nodeId)) {
                return;
            }
            // not "a session ends when it sends entries" (before session 46): a session whose entries the log cannot
            // store is held until it can, so an end now is the link's or the peer's
            line("peer   " + nodeId + " disconnected while this node cannot write its log: " + nodeId + " keeps what "
                + "this node has not acknowledged and sends it again. Its sessions are not said again until the log "
                + "can be written");
            return;
        }
        line("peer   " + nodeId + (connected ? " connected" : " disconnected"));
    }

    synchronized void error(String message) {
        line("error  " + message);
    }

    synchronized void warning(String message) {
        line("warn   " + message);
    }

    /** The end of what an error line said (a full peer can write again). */
    synchronized void notice(String message) {
        line("note   " + message);
    }

    /** The node's log became unwritable, or writable again. */
    synchronized void health(dev.logmesh.NodeHealth health) {
        if (!health.writable()) {
            if (unwritableSince < 0) {
                unwritableSince = health.sinceMillis();
            }
            // a memory node has no disk to free (before, session 44, it was told to df its data directory)
            String todo = health.problem().contains("memory store")
                ? "make room in memory: restart the node with a larger --memory-limit, or with --keep-last N or "
                    + "--keep-for DURATION so it cleans its oldest, or keep the log on disk (--data DIR)"
                : "free space where the log is (df on its data directory)";
            line("health cannot write the log: " + health.problem() + ". What to do: " + todo + ". Until then peers "
                + "keep what they send and send it again, and stdin lines are held; a line says when the log can be "
                + "written again");
            return;
        }
        if (unwritableSince < 0) {
            line("health the log is writable again");
            return;
        }
        long seconds = Math.max(0, (health.sinceMillis() - unwritableSince) / 1000);
        line("health the log is writable again, after " + seconds + " s" + (sessionsMeanwhile == 0 ? ""
            : "; " + sessionsMeanwhile + " session" + (sessionsMeanwhile == 1 ? "" : "s") + " with "
                + String.join(", ", quietPeers) + " began and ended meanwhile, and what they sent comes again"));
        unwritableSince = -1;
        quietPeers.clear();
        sessionsMeanwhile = 0;
    }

    /** {@code 12:03:04 bob:Xk3v9QaB chat/message {"text":"hi"}}: time of the action, origin, type, the rest. */
    synchronized void add(Entry e) {
        if (!catchUps.isEmpty()) {
            return; // summarised by the progress lines
        }
        ObjectNode rest = e.action().json();
        rest.remove("type");
        line(time.format(Instant.ofEpochMilli(e.meta().time())) + " " + e.id().node() + " " + e.action().type()
            + (rest.isEmpty() ? "" : " " + rest));
    }

    /**
     * A catch-up this node receives from {@code peer} made progress ({@link dev.logmesh.MeshNode.Listener#catchUp}:
     * receiving side only, at most twice a second and once at the end): a catch-up of at least
     * {@link #CATCH_UP_THRESHOLD} entries prints progress lines instead of each action.
     *
     * @param nowMillis a monotonic clock in ms (the rate said at the end is over time run, not over a clock set)
     */
    synchronized void catchUp(String peer, long done, long total, double perSecond, long nowMillis) {
        CatchUp c = catchUps.get(peer);
        if (c == null) {
            if (total - done >= CATCH_UP_THRESHOLD) {
                catchUps.put(peer, new CatchUp(done, nowMillis));
                line("sync   catching up with " + peer + ": " + (total - done)
                    + " entries to receive (progress instead of each action)");
            }
            return;
        }
        long got = done - c.startDone;
        if (done >= total) {
            catchUps.remove(peer);
            double secs = Math.max(1, nowMillis - c.startMillis) / 1000.0;
            line(String.format(Locale.ROOT, "sync   caught up with %s: %d entries in %.1f s (%.0f/s)", peer, got,
                secs, got / secs));
            return;
        }
        long all = total - c.startDone;
        line(String.format(Locale.ROOT, "sync   %s: %d/%d (%d%%), %.0f/s", peer, got, all,
            all == 0 ? 100 : got * 100 / all, perSecond));
    }

    private void line(String s) {
        out.accept(shown(s));
    }

    /**
     * {@code s} with each character a terminal would act on rather than show written as its JSON-style escape
     * (backslash, u, four hex digits): C0 controls (line breaks and ESC among them), DEL, C1 controls,
     * U+2028/U+2029 and the bidi overrides and isolates. Any client or peer can add an action whose type or fields
     * hold them (JSON carries them as escapes): printed raw, an ESC sequence in a type cleared the screen or set the
     * title, and a line break forged a line.
     */
    static String shown(String s) {
        int i = 0;
        while (i < s.length() && !acts(s.charAt(i))) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (acts(c)) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean acts(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029'
            || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069');
    }
}
