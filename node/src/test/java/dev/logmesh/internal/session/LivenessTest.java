package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.internal.protocol.Message;
import java.util.List;
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

    /**
     * While this side does not read (a large frame in slices), nothing of the peer is late: a pause of 60 s with a ping
     * and a batch unanswered ends nothing, and when reading resumes each deadline moves on by the pause (the batch's
     * {@code synced} is due TIMEOUT after it was sent, the pause left out); a peer silent after that still times out (LargeFrameTest has the
     * session's case, which failed before session 34).
     */
    @Test
    void timeThisSideDidNotReadIsNotThePeersSilence() {
        live.opened(0);
        live.sentBatch(1, 100, batch(1), 0);
        live.sent(0);
        long pause = 1_000;
        live.readingPaused(true, pause);
        assertEquals(PING, first(Liveness.Verdict.PING, pause, PING), "pings while paused: the peer hears from it");
        for (long t = PING + 1; t < pause + 60_000; t++) {
            if (t % 1_000 == 0) {
                live.progressed(t); // a slice stored every second
            }
            Liveness.Verdict v = live.check(t, true, true);
            assertTrue(v != Liveness.Verdict.TIMEOUT, "at " + t + ": " + live.late());
        }
        long resumed = pause + 60_000;
        live.readingPaused(false, resumed);
        // the batch went out at 0 and was due at TIMEOUT: now 60 s (the pause) later, the peer silent since
        assertEquals(TIMEOUT + 60_000, first(Liveness.Verdict.TIMEOUT, resumed, resumed + 60_000), live.late());
        assertTrue(live.late().startsWith("no synced for 8000 ms"), live.late());
    }

    /**
     * A pause whose frame makes no progress for TIMEOUT (its handling stopped: a fault) still ends the session, so a
     * link is not left unread for good; progress (a slice stored) every few seconds keeps a long pause going.
     */
    @Test
    void aPauseWithoutProgressForTheTimeoutEndsTheSession() {
        live.opened(0);
        live.readingPaused(true, 0);
        for (long t = 1_000; t <= 60_000; t += 1_000) {
            if (t % 5_000 == 0) {
                live.progressed(t);
            }
            Liveness.Verdict v = live.check(t, true, true);
            assertTrue(v != Liveness.Verdict.TIMEOUT, "at " + t + ": " + live.late());
        }
        assertEquals(60_000 + TIMEOUT, first(Liveness.Verdict.TIMEOUT, 60_001, 120_000));
        assertTrue(live.late().startsWith("reading paused for 68000 ms"), live.late());
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
        live.sentBatch(1, 1_000_000, batch(1), 0);
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
        live.sentBatch(1, 1_000_000, batch(1), 0);
        live.sent(0);
        live.bytesIn(2_000); // its last sign of life
        assertEquals(2_000 + TIMEOUT, first(Liveness.Verdict.TIMEOUT, 1, 200_000));
        assertTrue(live.late().startsWith("no synced for 10000 ms"), live.late());
    }

    @Test
    void aSilentPeerGetsTheTimeoutForSyncedAndAnAnswerRestartsTheClock() {
        live.opened(0);
        live.sentBatch(1, 1_000, batch(1), 0);
        live.sentBatch(2, 1_000, batch(2), 0);
        live.sent(0);
        live.received(3_000); // traffic: no ping before 7000
        assertTrue(live.answered(1, 5_000));
        assertEquals(1_000, live.inFlightBytes());
        long t = first(Liveness.Verdict.TIMEOUT, 5_000, 60_000);
        assertEquals(5_000 + TIMEOUT, t, live.late());
        assertTrue(live.late().startsWith("no synced"), live.late());
    }

    /** From {@code from} to 60 s, with traffic every 100 ms: no batch is sent again and the session never ends. */
    void nothingIsSentAgainAndNothingEndsFrom(long from) {
        for (long t = from; t < 60_000; t += 100) {
            live.received(t);
            assertEquals(List.of(), live.resendDue(t));
            assertTrue(live.check(t, true, true) != Liveness.Verdict.TIMEOUT, "at " + t + ": " + live.late());
        }
    }

    static Message batch(long added) {
        return new Message.Ihave(added, List.of());
    }

    @Test
    void aBatchPassedOverByALaterOnesAnswerIsSentAgainAfterTheGraceThenTheSessionEnds() {
        live.answersInOrder(true);
        live.opened(0);
        Message one = batch(1);
        live.sentBatch(1, 100, one, 0);
        live.sentBatch(2, 100, batch(2), 0);
        live.sentBatch(3, 100, batch(3), 0);
        live.sent(0);
        // batch 1 (or its synced) is lost; the answers for 2 and 3 come, with traffic that keeps the link busy
        assertTrue(live.answered(2, 1_000));
        long t = 1_000;
        for (; t < 1_000 + Liveness.OVERTAKEN_GRACE_MILLIS; t += 100) {
            live.received(t);
            live.sentBatch(100 + t, 100, batch(100 + t), t); // steady traffic, each batch answered at once
            assertTrue(live.answered(100 + t, t));
            assertEquals(List.of(), live.resendDue(t), "at " + t);
            assertEquals(Liveness.Verdict.NOTHING, live.check(t, true, true), "at " + t + ": " + live.late());
        }
        assertTrue(live.answered(3, t));
        assertEquals(List.of(one), live.resendDue(t), "sent again " + Liveness.OVERTAKEN_GRACE_MILLIS + " ms after");
        assertEquals(List.of(), live.resendDue(t), "once");
        assertEquals(100, live.inFlightBytes(), "batch 1 is in flight again");
        // lost each time: sent again up to MAX_RESENDS times, then the session ends
        for (int k = 1; k < Liveness.MAX_RESENDS; k++) {
            t += 100;
            live.sentBatch(10_000 + k, 100, batch(10_000 + k), t);
            assertTrue(live.answered(10_000 + k, t));
            assertTrue(live.check(t + Liveness.OVERTAKEN_GRACE_MILLIS, true, true) != Liveness.Verdict.TIMEOUT,
                live.late());
            t += Liveness.OVERTAKEN_GRACE_MILLIS;
            assertEquals(List.of(one), live.resendDue(t), "send " + (k + 2));
        }
        t += 100;
        live.sentBatch(20_000, 100, batch(20_000), t);
        assertTrue(live.answered(20_000, t));
        assertEquals(List.of(), live.resendDue(t + Liveness.OVERTAKEN_GRACE_MILLIS));
        assertEquals(Liveness.Verdict.TIMEOUT, live.check(t + Liveness.OVERTAKEN_GRACE_MILLIS, true, true));
        assertEquals("no synced for batch 1, sent " + (1 + Liveness.MAX_RESENDS) + " times, while batches sent after "
            + "it were answered: lost on the way each time", live.late());
    }

    @Test
    void aBatchSentAgainAfterItsAnswerWasLostIsAnsweredAndNothingEnds() {
        live.answersInOrder(true);
        live.opened(0);
        live.sentBatch(1, 100, batch(1), 0);
        live.sentBatch(2, 100, batch(2), 0);
        live.sent(0);
        assertTrue(live.answered(2, 10)); // synced 1 lost
        assertEquals(1, live.resendDue(10 + Liveness.OVERTAKEN_GRACE_MILLIS).size());
        assertTrue(live.answered(1, 20 + Liveness.OVERTAKEN_GRACE_MILLIS), "the peer answers the duplicate batch");
        assertEquals(0, live.inFlightBytes());
        nothingIsSentAgainAndNothingEndsFrom(20 + Liveness.OVERTAKEN_GRACE_MILLIS);
    }

    @Test
    void anOvertakenBatchsLateAnswerAndADuplicateAnswerEndNothing() {
        live.answersInOrder(true);
        live.opened(0);
        live.sentBatch(1, 100, batch(1), 0);
        live.sentBatch(0, 100, batch(0), 0); // a graft's answer: numbered 0
        live.sentBatch(2, 100, batch(2), 0);
        live.sent(0);
        assertTrue(live.answered(2, 500)); // overtook 1 and 0 (a reordering link)
        assertFalse(live.answered(2, 600), "a duplicate answers nothing");
        assertTrue(live.answered(1, 700));
        assertTrue(live.answered(0, 800));
        assertFalse(live.answered(0, 900));
        assertEquals(0, live.inFlightBytes());
        nothingIsSentAgainAndNothingEndsFrom(900);
    }

    @Test
    void aStockPeersAnswersAreTakenOldestFirstWhateverTheirNumbers() {
        live.opened(0);
        live.sentBatch(1, 100, batch(1), 0);
        live.sentBatch(2, 100, batch(2), 0);
        live.sent(0);
        assertTrue(live.answered(2, 500));
        assertTrue(live.answered(1, 600));
        assertFalse(live.answered(1, 700));
        assertEquals(0, live.inFlightBytes());
        nothingIsSentAgainAndNothingEndsFrom(700);
    }
}
