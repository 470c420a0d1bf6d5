package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The systemd unit the distribution ships ({@code share/logmesh.service}) against what the node does. Before
 * (newuser42) the unit did not count the node's clean stop as a success: the JVM exits with 143 after SIGTERM (the
 * node's {@code --help}; {@code LauncherTest} stops real nodes so), and {@code systemctl stop} left the unit "failed".
 */
class ServiceUnitTest {

    @Test
    void aStopBySigtermIsASuccessOfTheUnit() throws Exception {
        List<String> unit = Files.readAllLines(Path.of("src", "dist", "share", "logmesh.service"));
        assertTrue(unit.contains("KillSignal=SIGTERM"), unit.toString());
        assertTrue(unit.stream().anyMatch(l -> l.matches("SuccessExitStatus=.*\\b143\\b.*")),
            "the node's exit code after SIGTERM, 143, is a success: " + unit);
        CliTest.Run help = CliTest.run("", "node", "--help");
        assertTrue(help.out().replaceAll("\\s+", " ").contains("Exit status: 143 after SIGTERM"), help.out());
    }
}
