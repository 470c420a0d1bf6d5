package dev.logmesh.cli;

import dev.logmesh.Entry;
import dev.logmesh.internal.log.MetaJson;
import dev.logmesh.spi.Order;
import dev.logmesh.internal.store.SqliteStore;
import dev.logmesh.StoreException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code logmesh log}: prints a node's log. */
@Command(name = "log", mixinStandardHelpOptions = true,
    description = "Print the log of the node whose data is in DIR, one [action, meta] JSON array per line, "
        + "oldest first. Works while the node runs (it reads what the node has committed).")
final class LogCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, paramLabel = "DIR", description = "The node's data directory.")
    Path data;

    @Option(names = "--order", defaultValue = "created", paramLabel = "ORDER",
        description = "created (by id: the same on every node) or added (this node's order). Default: ${DEFAULT-VALUE}.")
    Order order;

    @Override
    public Integer call() {
        Path file = data.resolve(AddCommand.LOG_FILE);
        if (!Files.exists(file)) {
            System.err.println("logmesh: no log in " + data + " (expected " + file + ")");
            return 2;
        }
        try (SqliteStore store = SqliteStore.openReader(file)) {
            PrintStream out = System.out;
            Object after = null;
            while (true) {
                var page = store.page(order, true, after, 1000);
                for (Entry e : page) {
                    out.println(MetaJson.toJson(e));
                }
                if (page.size() < 1000) {
                    break;
                }
                Entry last = page.get(page.size() - 1);
                after = order == Order.ADDED ? (Object) last.meta().added() : last.id();
            }
            out.flush();
            return 0;
        } catch (StoreException e) {
            System.err.println("logmesh: " + e.getMessage());
            return 2;
        }
    }
}
