package dev.logmesh.internal.session;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One session's limit on the log lines its peer can make the node write, one per message it sends (a client's
 * refused actions and subscriptions, its {@code debug} messages). The first line of each kind is written as it comes;
 * the next ones are counted, and while they go on one line a minute says how many there were and the last one; when
 * the session ends, one line says those counted since. Before (ops42) each refusal was its own INFO line: a client that
 * subscribed to thousands of channels it may not have made 7,920 lines in one run.
 *
 * <p>Times are the loop's monotonic clock, ms (a clock set back must not silence the lines). Loop only.
 */
final class PeerLines {
    /** The least time between two lines of one kind of one session, ms. */
    static final long EVERY_MILLIS = 60_000;

    private final Map<String, Kind> kinds = new LinkedHashMap<>();

    private static final class Kind {
        long saidAt;
        long held;
        String last;

        Kind(long saidAt) {
            this.saidAt = saidAt;
        }
    }

    /**
     * A line of {@code kind} (a plural noun phrase: "refused actions and subscriptions") is due at {@code now}: writes
     * {@code line} through {@code out} if it is the kind's first, or a minute passed since the kind's last line (then
     * with the count of those held since); else counts it.
     */
    void say(String kind, long now, String line, Consumer<String> out) {
        Kind k = kinds.get(kind);
        if (k == null) {
            kinds.put(kind, new Kind(now));
            out.accept(line + " (more " + kind + " of this connection are counted, in one line a minute)");
            return;
        }
        if (now - k.saidAt < EVERY_MILLIS) {
            k.held++;
            k.last = line;
            return;
        }
        out.accept(k.held == 0 ? line : line + " (and " + k.held + " more " + kind + " in the " + (now - k.saidAt) / 1000
            + " s before, counted, not logged one by one)");
        k.saidAt = now;
        k.held = 0;
        k.last = null;
    }

    /** The session ended at {@code now}: says the count of each kind held since its last line, if any. */
    void ended(long now, Consumer<String> out) {
        for (Map.Entry<String, Kind> e : kinds.entrySet()) {
            Kind k = e.getValue();
            if (k.held > 0) {
                out.accept(k.held + " more " + e.getKey() + " in the last " + (now - k.saidAt) / 1000
                    + " s, until the connection closed; the last: " + k.last);
            }
        }
        kinds.clear();
    }
}
