package dev.logmesh.cli;

import dev.logmesh.Entry;
import dev.logmesh.internal.log.MetaJson;
import dev.logmesh.spi.Order;
import dev.logmesh.internal.store.SqliteStore;
import dev.logmesh.StoreException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code logmesh log}: prints a node's log. */
@Command(name = "log", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"Print the log of the node whose data is in DIR, one [action, meta] JSON array per line, "
        + "oldest first. Works while the node runs (it reads what the node has committed).",
        "An entry found corrupt (it fails its checksum or does not parse) is reported on stderr with its id and "
            + "skipped; the others are printed, and the exit code is 1. The node quarantines such an entry when it "
            + "reads it, and takes a peer's copy again.",
        "The file is checked first, as the node's start checks it, without writing it: a corrupt file is refused; "
            + "one whose indexes alone do not match its tables is read by its tables (a warning says so; the node's "
            + "next start rebuilds them). On a large log the check takes about as long as a node's start.",
        "Exit status 2 with one line, as logmesh peers, status and backup say it, when DIR holds no log (it does not "
            + "exist, or holds no " + AddCommand.LOG_FILE + "), or the log cannot be opened."})
final class LogCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, paramLabel = "DIR", description = "The node's data directory.")
    Path data;

    @Option(names = "--order", defaultValue = "created", paramLabel = "ORDER",
        description = "created (by id: the same on every node) or added (this node's order). Default: ${DEFAULT-VALUE}.")
    Order order;

    @Override
    public Integer call() {
        Path file = data.resolve(AddCommand.LOG_FILE);
        String noLog = StatusCommand.noLog(data);
        if (noLog != null) {
            System.err.println("logmesh: " + noLog);
            return StatusCommand.NO_LOG;
        }
        int[] corrupt = {0};
        try (SqliteStore store = SqliteStore.openReader(file)) {
            store.onCorrupt(c -> {
                corrupt[0]++;
                System.err.println("logmesh: entry " + (c.id() != null ? c.id() : "with an unreadable id")
                    + " (added " + c.added() + ") is corrupt: " + c.problem() + "; skipped");
            });
            // NDJSON is UTF-8 whatever the locale (JDK 17's System.out encodes with the locale's charset: ASCII in a
            // C locale); the outer stream encodes, System.out passes the bytes on as they are
            PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
            Object after = null;
            long printed = 0;
            while (true) {
                var page = store.page(order, true, after, 1000);
                for (Entry e : page) {
                    out.println(MetaJson.line(e)); // the action's text as kept: numbers exactly as typed
                }
                // a print stream keeps a write error to itself: a full disk (log > backup) cut the backup, and a
                // reader that went away (| head -1) had the whole log read on, both with exit code 0
                if (out.checkError()) {
                    // the page was cut somewhere inside: those before it were written whole (before session 28
                    // this said "after at most 0 of the log's entries" when `| head` had printed its 10 lines)
                    System.err.println("logmesh: cannot write stdout (a full disk, or its reader went away): stopped"
                        + (printed == 0 ? " within the log's first " + page.size() + " entries"
                            : " after the log's first " + printed + " entries, within the next " + page.size()));
                    return 1;
                }
                printed += page.size();
                if (page.size() < 1000) {
                    break;
                }
                Entry last = page.get(page.size() - 1);
                after = order == Order.ADDED ? (Object) last.meta().added() : last.id();
            }
            return corrupt[0] > 0 ? 1 : 0;
        } catch (StoreException e) {
            System.err.println("logmesh: " + e.getMessage());
            return 2;
        }
    }
}
