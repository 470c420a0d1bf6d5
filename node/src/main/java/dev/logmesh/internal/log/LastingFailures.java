package dev.logmesh.internal.log;

import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Says a failure that lasts (a store write on a full disk, tried at every redial, every session, every second) once,
 * not at each attempt: a warning when it starts, again only when its reason changes, and one line when it works
 * again. Before (ux41) a node on a full disk said {@code cannot remember that ... answers at ...: setState failed ...
 * disk is full} at every redial, 16 lines in 19 s.
 *
 * <p>Each failing thing has a key of the caller's (e.g. {@code "remember " + url}); the reason compared is the message
 * of the failure's innermost cause (SQLite's {@code [SQLITE_FULL] ...}), not the store's text around it, which names
 * changing counts ("a batch of 147 ..."). One per {@link Log}: the failures of a node's store are the node's, whichever
 * session or dialer meets them. Any thread (synchronized); it logs on the calling thread.
 */
public final class LastingFailures {
    /** The keys failing now, each with the reason last said. */
    private final Map<String, Failing> failing = new HashMap<>();

    private static final class Failing {
        String reason;
        int times;

        Failing(String reason) {
            this.reason = reason;
        }
    }

    /**
     * Something under {@code key} failed: warns {@code "cannot <what>: <message>"} on {@code logger} unless that key
     * failed for the same reason last time, and says that the next words come only on a change.
     *
     * @return whether it was said now
     */
    public boolean failed(Logger logger, String key, String what, Throwable e) {
        String reason = innermost(e);
        boolean say;
        synchronized (this) {
            Failing f = failing.get(key);
            say = f == null || !f.reason.equals(reason);
            if (f == null) {
                f = new Failing(reason);
                failing.put(key, f);
            }
            f.reason = reason;
            f.times++;
        }
        if (say) {
            logger.warn("cannot {}: {} (said once while this lasts; a line says when it works again)", what,
                e.getMessage());
        }
        return say;
    }

    /** Something under {@code key} worked: if it was failing, says {@code "<what> works again"} once. */
    public void worked(Logger logger, String key, String what) {
        Failing f;
        synchronized (this) {
            f = failing.isEmpty() ? null : failing.remove(key);
        }
        if (f != null) {
            logger.info("{} works again ({} attempt(s) failed meanwhile)", what, f.times);
        }
    }

    /** Whether {@code key} is failing now (for tests and status). */
    public synchronized boolean failing(String key) {
        return failing.containsKey(key);
    }

    private static String innermost(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getClass().getName() + ": " + c.getMessage();
    }
}
