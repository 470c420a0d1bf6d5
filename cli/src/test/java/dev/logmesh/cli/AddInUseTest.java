package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.logmesh.StoreException;
import dev.logmesh.StoreInUseException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code add} tells a data directory in use by its running node from the store's exception type, not its wording.
 * Before (session 29) it looked for " is in use by " in the message: a reworded lock error lost the "its node runs
 * (pid N): type the actions into that node's stdin" advice, and any other error whose text held those words got it.
 */
class AddInUseTest {
    private static final Path FILE = Path.of("/data/n/log.db");

    private static JsonNode runningPid(long pid) {
        return JsonNodeFactory.instance.objectNode().put("pid", pid);
    }

    @Test
    void aStoreInUseWhoseNodeRunsSaysToTypeIntoItWhateverItsWording() {
        assertEquals("/data/n/log.db is in use by another logmesh process: its node runs (pid 42): type the actions "
            + "into that node's stdin, or stop it and add again",
            AddCommand.openFailure(new StoreInUseException("the lock of /data/n/log.db is held"), FILE,
                () -> runningPid(42)));
    }

    @Test
    void aStoreInUseWithNoNodeRunningSaysTheStoresMessage() {
        assertEquals("held", AddCommand.openFailure(new StoreInUseException("held"), FILE, () -> null));
    }

    @Test
    void anotherFailureIsNotTakenForAStoreInUseByItsWords() {
        String other = "/data/n/log.db is a corrupt logmesh store (a page is in use by two tables)";
        assertEquals(other, AddCommand.openFailure(new StoreException(other), FILE, () -> runningPid(42)));
    }
}
