package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@code logmesh node} does before its {@code ready} line (docs/performance.md, Start-up): work that a node
 * needs only later (a databind mapper, the JDK's security providers, the locale's data, picocli) is not on that path, nor a
 * search of every jar of the class path for a provider or a resource. The JVM logs each class
 * it loads on stdout, in the same stream as the events, so the lines before {@code ready} are what was loaded
 * before the node said it listens.
 */
class StartupPathTest {

    /** Classes whose first use costs tens of ms of a start (measured: README) and that no start needs. */
    static final List<String> NOT_BEFORE_READY = List.of(
        "com.fasterxml.jackson.databind.ObjectMapper ", // ~40 ms: the first mapper, its date format's locale data
        "java.security.SecureRandom ", // 15-40 ms: the providers' set-up, for the node id and seeds
        "java.security.MessageDigest ", // the same set-up, for the reconciliation index's digest
        "java.util.ServiceLoader ", // a provider looked for in every jar (slf4j, the selector provider)
        "java.lang.CompoundEnumeration ", // a resource looked for in every jar (slf4j-simple's properties)
        "sun.util.cldr.CLDRLocaleProviderAdapter ", // the locale's data (a SimpleDateFormat in the log, in Jackson)
        "picocli.CommandLine "); // ~80 ms: picocli's first command line (NodeArgs reads a node's options instead)

    @Test
    void aMemoryNodeIsReadyWithoutWorkItNeedsOnlyLater() throws Exception {
        try (CliProcess.Running node = new CliProcess.Running(List.of("-Xlog:class+load=info:stdout"),
            "node", "--name", "startup", "--memory", "--no-mdns", "--host", "127.0.0.1", "--port", "0", "--json")) {
            List<String> loaded = new ArrayList<>();
            String ready = null;
            for (String line = node.out.readLine(); line != null; line = node.out.readLine()) {
                if (line.contains("\"event\":\"ready\"")) {
                    ready = line;
                    break;
                }
                for (String c : NOT_BEFORE_READY) {
                    if (line.contains("[class,load] " + c)) {
                        loaded.add(c.strip());
                    }
                }
            }
            assertNotNull(ready, "no ready line; stderr: " + node.stop());
            assertEquals(List.of(), loaded, "loaded before the ready line");
        }
    }
}
