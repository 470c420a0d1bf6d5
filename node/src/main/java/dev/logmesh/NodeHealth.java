package dev.logmesh;

/**
 * Whether a node can do its job, as {@link MeshNode#health()} reports it (and {@code status.json}, and
 * {@code logmesh peers}).
 *
 * <p>A node that cannot write its log (disk full, I/O error, a store that failed) still runs and serves what it
 * has, but every received batch it cannot store closes that session unacknowledged (the peer keeps the entries
 * and sends them again later) and local adds fail. It says so here instead of looking healthy, and tells its
 * listeners ({@link MeshNode.Listener#error} and {@link MeshNode.Listener#health}) when this changes. It counts as
 * writable again as soon as an entry is stored, or entries are cleaned (retention or an application's
 * {@code removeReason} made room) with no write failing in the same loop task; an INFO line says which.
 *
 * @param writable    false after a write to the log failed, until an entry is stored or cleaned again
 * @param problem     what failed (the store's message), or null while writable
 * @param sinceMillis when this state began, in ms since the epoch (the node loop's clock)
 */
public record NodeHealth(boolean writable, String problem, long sinceMillis) {

    /** A node that can write, since {@code sinceMillis}. */
    public static NodeHealth writable(long sinceMillis) {
        return new NodeHealth(true, null, sinceMillis);
    }

    /** A node that cannot write because of {@code problem}, since {@code sinceMillis}. */
    public static NodeHealth cannotWrite(String problem, long sinceMillis) {
        return new NodeHealth(false, problem, sinceMillis);
    }
}
