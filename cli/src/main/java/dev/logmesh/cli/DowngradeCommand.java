package dev.logmesh.cli;

import dev.logmesh.StoreException;
import dev.logmesh.StoreInUseException;
import dev.logmesh.internal.store.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code logmesh downgrade}: a stopped node's log rewritten in SQLite schema 5, so that a logmesh built before schema 6
 * opens it ({@link SqliteStore#downgrade}). A command rather than a documented {@code sqlite3} statement: a user's
 * machine need not have the {@code sqlite3} program, the command takes the log's lock (it cannot run under the node)
 * and checks the file first, and it reads each entry's reasons with the store's own parser.
 */
@Command(name = "downgrade", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"Rewrite the log of the stopped node whose data is in DIR in SQLite schema 5, so that a logmesh "
        + "built before schema 6 opens it (such a logmesh refuses a schema 6 log: \"was written by a newer logmesh "
        + "(schema 6), this one reads up to 5\").",
        "Schema 6 keeps the node's own keep reason mesh only in each entry's meta; this writes its index rows back "
            + "(one per entry that has it) and marks the file schema 5, in one transaction: a failure or a crash "
            + "leaves the file as it was. Entries, their reasons, seen ids, cursors and the epoch stay as they are.",
        "The node must be stopped: a running node (or a logmesh add) holds the log's lock, and the command is refused. "
            + "A log in schema 5 or older is left as it is. This logmesh upgrades the log to schema 6 again at its "
            + "next start.",
        "The file is checked first, as a node's start checks it: on a large log this takes about as long as a start."})
final class DowngradeCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, paramLabel = "DIR", description = "The node's data directory.")
    Path data;

    @Override
    public Integer call() {
        Path file = data.resolve(AddCommand.LOG_FILE);
        if (!Files.exists(file)) {
            System.err.println("logmesh: no log in " + data + " (expected " + file + ")");
            return 2;
        }
        SqliteStore.Downgrade d;
        try {
            d = SqliteStore.downgrade(file);
        } catch (StoreInUseException e) {
            System.err.println("logmesh: cannot downgrade " + file + " while it is in use; stop its node first: "
                + e.getMessage());
            return 2;
        } catch (StoreException e) {
            System.err.println("logmesh: " + e.getMessage());
            return 2;
        }
        if (d.changed()) {
            System.out.println("downgraded " + d.file() + " from schema " + d.from() + " to "
                + SqliteStore.DOWNGRADE_VERSION + ": " + d.rows() + " index rows of reason mesh written back, in "
                + d.millis() + " ms; a logmesh that reads up to schema " + SqliteStore.DOWNGRADE_VERSION
                + " opens it now (this one upgrades it again at its next start)");
        } else {
            System.out.println(d.file() + " is in schema " + d.from() + " already: left as it is");
        }
        if (System.out.checkError()) {
            System.err.println("logmesh: " + d.file() + " is in schema " + Math.min(d.from(),
                SqliteStore.DOWNGRADE_VERSION) + " now, but stdout cannot be written");
            return 1;
        }
        return 0;
    }
}
