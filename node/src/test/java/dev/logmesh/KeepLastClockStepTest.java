package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.testkit.LocalMesh;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** break53b: --keep-last still bounds a node whose --keep-for waits on HorizonClock (clock steps both ways). */
class KeepLastClockStepTest {
    @Test
    void keepLastBoundsTheLogWhateverTheClock() {
        LocalMesh mesh = new LocalMesh(534).configure(b -> b.keepFor(Duration.ofHours(2)).keepLast(5));
        mesh.node("b");
        mesh.start();
        mesh.run(5_000);
        mesh.stop("b");
        mesh.run(Duration.ofDays(1).toMillis());
        mesh.restart("b");
        mesh.get("b").step(Duration.ofDays(3).toMillis());
        for (int i = 0; i < 20; i++) {
            mesh.get("b").add("n/" + i);
            mesh.run(10);
        }
        mesh.run(10_000);
        assertEquals(5, mesh.get("b").ids().size(), "keep-last 5");
        mesh.get("b").step(-Duration.ofDays(5).toMillis()); // set back past its start
        for (int i = 0; i < 20; i++) {
            mesh.get("b").add("m/" + i);
            mesh.run(10);
        }
        mesh.run(10_000);
        assertEquals(5, mesh.get("b").ids().size(), "keep-last 5 after a step back");
        mesh.close();
    }
}
