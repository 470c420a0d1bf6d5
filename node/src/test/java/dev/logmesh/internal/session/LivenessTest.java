package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link Liveness} alone, its check called at chosen times: the deadlines of a slow link and of a dead peer. */
class LivenessTest {
    static final long PING = 4_000;
    static final long TIMEOUT = 8_000;

    final Liveness live = new Liveness(PING, TIMEOUT, 20);

    /** Runs the check every ms from {@code from} to {@code to}; the time of the first verdict {@code v}, or -1. */
    long first(Liveness.Verdict v, long from, long to) {
        for (long t = from; t <= to; t++) {
            if (live.check(t, true, true) == v) {
                return t;
            }
        }
        return -1;
    }

    @Test
    void aDeadPeerWithNothingInFlightTimesOutTimeoutAfterThePing() {
        live.opened(0);
        assertEquals(PING, first(Liveness.Verdict.PING, 0, PING));
        assertEquals(PING + TIMEOUT, first(Liveness.Verdict.TIMEOUT, PING + 1, 60_000));
        assertTrue(live.late().startsWith("no pong for 8000 ms"), live.late());
    }

    @Test
    void bytesArrivingMidFrameKeepAnUnansweredPingFromTimingOutAndPingAgainEveryPing() {
        live.opened(0);
        assertEquals(PING, first(Liveness.Verdict.PING, 0, PING));
        // a large frame arrives for 30 s (a pong queued behind it): bytes every 100 ms; this side pings again every
        // PING, so the frame's sender hears from it over the free direction
        int pings = 0;
        for (long t = PING + 100; t < PING + 30_000; t += 100) {
            live.bytesIn(t);
            Liveness.Verdict v = live.check(t, true, true);
            assertTrue(v != Liveness.Verdict.TIMEOUT, "at " + t + ": " + live.late());
            pings += v == Liveness.Verdict.PING ? 1 : 0;
        }
        assertEquals(7, pings, "one every " + PING + " ms of the 30 s");
        // then nothing: the deadline runs from the last byte
        long last = PING + 30_000 - 100;
        assertEquals(last + TIMEOUT, first(Liveness.Verdict.TIMEOUT, last + 1, last + 60_000));
    }

    @Test
    void theSyncedDeadlineGrowsWithTheBytesInFlightAtTheMinimumRateWhileThePeerIsHeard() {
        live.opened(0);
        live.sentBatch(1_000_000, 0);
        live.sent(0);
        long allowed = TIMEOUT + 1_000_000 * 1000 / SessionConfig.MIN_LINK_BYTES_PER_SECOND;
        // the receiver of the frame pings every PING while it arrives (its pings reach this side as bytes)
        for (long t = 1; t < allowed; t++) {
            if (t % PING == 0) {
                live.bytesIn(t);
            }
            assertTrue(live.check(t, true, true) != Liveness.Verdict.TIMEOUT, "at " + t + ": " + live.late());
        }
        assertEquals(Liveness.Verdict.TIMEOUT, live.check(allowed, true, true));
        assertTrue(live.late().startsWith("no synced for " + allowed + " ms"), live.late());
    }

    @Test
    void aPeerThatDiesWithAMegabyteInFlightIsDroppedTimeoutAfterItsLastByte() {
        live.opened(0);
        live.sentBatch(1_000_000, 0);
        live.sent(0);
        live.bytesIn(2_000); // its last sign of life
        assertEquals(2_000 + TIMEOUT, first(Liveness.Verdict.TIMEOUT, 1, 200_000));
        assertTrue(live.late().startsWith("no synced for 10000 ms"), live.late());
    }

    @Test
    void aSilentPeerGetsTheTimeoutForSyncedAndAnAnswerRestartsTheClock() {
        live.opened(0);
        live.sentBatch(1_000, 0);
        live.sentBatch(1_000, 0);
        live.sent(0);
        live.received(3_000); // traffic: no ping before 7000
        live.answered(5_000);
        assertEquals(1_000, live.inFlightBytes());
        long t = first(Liveness.Verdict.TIMEOUT, 5_000, 60_000);
        assertEquals(5_000 + TIMEOUT, t, live.late());
        assertTrue(live.late().startsWith("no synced"), live.late());
    }
}
