package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * An application that embeds logmesh-node gets neither the command line's parser nor a logger binding: the CLI
 * (picocli, slf4j-simple) is the logmesh-cli module. This test runs on node's own class path, tests included.
 */
class LibraryClassPathTest {

    @Test
    void theLibraryBringsNoCommandLineParserAndNoLoggerBinding() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("picocli.CommandLine"));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.slf4j.simple.SimpleLogger"));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("dev.logmesh.cli.Main"));
    }
}
