package dev.logmesh.internal.edge;

import static dev.logmesh.internal.edge.Entries.action;
import static dev.logmesh.internal.edge.Entries.entry;
import static dev.logmesh.internal.edge.Entries.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AnswersTest {

    @Test
    void processedAsLoguxServerWritesIt() {
        assertEquals(action("{'type':'logux/processed','id':'1564508138460 alice:c:t 0'}"),
            Answers.processed(ActionId.parse("1564508138460 alice:c:t 0")));
    }

    @Test
    void undoCarriesTheActionAndReason() {
        Entry e = entry("{'type':'users/rename','name':'A'}", "alice:c:t");
        assertEquals(action("{'type':'logux/undo','id':'1000 alice:c:t 0','action':{'type':'users/rename','name':'A'},"
            + "'reason':'denied'}"), Answers.undo(e, Answers.DENIED));
        assertEquals(action("{'type':'logux/undo','id':'1000 alice:c:t 0','action':{'type':'users/rename','name':'A'},"
            + "'reason':'error','field':'name'}"),
            Answers.undo(e, "error", Map.of("field", json("'name'"), "type", json("'x'"), "reason", json("'y'"))));
    }

    @Test
    void undoAddressCopiesTheOriginalAndAddsItsClient() {
        Entry e = entry("{'type':'a'}", "alice:c:t", "{'users':['bob'],'channels':['r'],'excludeClients':['x:y']}");
        Address a = Answers.undoAddress(e.meta());
        assertEquals(Set.of("bob"), a.users());
        assertEquals(Set.of("r"), a.channels());
        assertEquals(Set.of("alice:c"), a.clients());
        assertEquals(Set.of("x:y"), a.excludeClients());
    }

    @Test
    void answeredIdAndControl() {
        assertEquals(ActionId.parse("5 a 1"), Answers.answeredId(action("{'type':'logux/processed','id':'5 a 1'}")));
        assertEquals(ActionId.parse("5 a 1"), Answers.answeredId(action("{'type':'logux/undo','id':'5 a 1'}")));
        assertNull(Answers.answeredId(action("{'type':'logux/undo','id':5}")));
        assertNull(Answers.answeredId(action("{'type':'logux/undo','id':'nope'}")));
        assertNull(Answers.answeredId(action("{'type':'other','id':'5 a 1'}")));
        assertTrue(Answers.isControl(action("{'type':'logux/subscribe'}")));
        assertFalse(Answers.isControl(action("{'type':'loguxish'}")));
    }
}
