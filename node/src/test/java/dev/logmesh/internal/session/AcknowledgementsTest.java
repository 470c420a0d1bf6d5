package dev.logmesh.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The inbound side's answers, in order, and what it remembers of them to tell a batch sent again. */
class AcknowledgementsTest {
    @Test
    void batchesAreAnsweredInOrderOnlyWhenCompleteAndRememberedWhereAsked() {
        Acknowledgements inbound = new Acknowledgements();
        inbound.remember();
        ActionId missing = ActionId.parse("1 a 0");
        Set<ActionId> first = new HashSet<>(Set.of(missing));
        inbound.received(5, first);
        inbound.received(7, new HashSet<>());
        List<Long> answered = new ArrayList<>();
        inbound.drain(answered::add);
        assertEquals(List.of(), answered, "7 waits behind 5, which lacks an entry");
        assertFalse(inbound.answeredBefore(7));
        inbound.arrived(missing);
        inbound.drain(answered::add);
        assertEquals(List.of(5L, 7L), answered);
        assertTrue(inbound.answeredBefore(5) && inbound.answeredBefore(7));
        assertFalse(inbound.answeredBefore(6));
    }

    @Test
    void onlyTheLastAnswersAreRememberedAndNoneUnlessAsked() {
        Acknowledgements plain = new Acknowledgements();
        plain.received(1, new HashSet<>());
        plain.drain(upTo -> { });
        assertFalse(plain.answeredBefore(1), "a session without Plumtree keeps no ring");

        Acknowledgements inbound = new Acknowledgements();
        inbound.remember();
        for (long n = 1; n <= Acknowledgements.REMEMBERED + 10; n++) {
            inbound.received(n, new HashSet<>());
        }
        inbound.drain(upTo -> { });
        assertFalse(inbound.answeredBefore(10), "pushed out of the ring");
        assertTrue(inbound.answeredBefore(11));
        assertTrue(inbound.answeredBefore(Acknowledgements.REMEMBERED + 10));
    }
}
