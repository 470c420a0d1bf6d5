package dev.logmesh.cli;

import dev.logmesh.StoreException;
import dev.logmesh.internal.store.SqliteBackup;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code logmesh backup}: a consistent copy of a node's data directory, also while the node runs. */
@Command(name = "backup", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"Copy the log of the node whose data is in DIR into the new directory COPY, as of one moment. "
        + "Safe while the node runs (a copy of its files with cp or rsync is not: it can be corrupt).",
        "The copy is checked before it is given its name. It has an epoch of its own, so that once restored its "
            + "peers send it what it lacks.",
        "To restore: stop the node, move DIR aside, move COPY to DIR, start the node. What it added after the backup "
            + "comes back from the peers that hold it; what no peer holds is lost."})
final class BackupCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, paramLabel = "DIR", description = "The node's data directory.")
    Path data;

    @Option(names = "--to", required = true, paramLabel = "COPY",
        description = "The directory to make for the copy; must not exist.")
    Path to;

    @Override
    public Integer call() {
        try {
            SqliteBackup.Result r = SqliteBackup.backup(data, to);
            System.out.println("backed up " + data + " to " + r.copy() + ": " + r.entries() + " entries"
                + (r.nodeId().isEmpty() ? "" : " of node " + r.nodeId()) + ", " + r.bytes() / 1024 + " KiB, checked, in "
                + r.millis() + " ms");
            System.out.println("to restore it: stop the node, move " + data + " aside, move " + r.copy() + " to "
                + data + ", start the node");
            if (System.out.checkError()) {
                System.err.println("logmesh: the backup " + r.copy() + " was made, but stdout cannot be written");
                return 1;
            }
            return 0;
        } catch (StoreException e) {
            System.err.println("logmesh: " + e.getMessage());
            return 2;
        }
    }
}
