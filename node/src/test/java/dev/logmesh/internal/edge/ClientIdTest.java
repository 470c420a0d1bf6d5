package dev.logmesh.internal.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ClientIdTest {

    /**
     * Ground truth: {@code parseId} of {@code @logux/core} 0.10.0 on Node 20 for each input
     * ({@code node -e "...parseId(id)..."}); an empty user column is JavaScript's {@code undefined}.
     * {@code ":x:y"} gives the user {@code ""} there, which Logux treats as false: null here.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        "alice:Xk3v9QaB:tab1                    | alice:Xk3v9QaB:tab1   | alice:Xk3v9QaB | alice",
        "alice:Xk3v9QaB                         | alice:Xk3v9QaB        | alice:Xk3v9QaB | alice",
        "client                                 | client                | client         | -",
        "server:abc                             | server:abc            | server:abc     | server",
        "a:b:c:d                                | a:b:c:d               | a:b            | a",
        "1564508138460 380:R7BNGAP5:px3-J3oc 0  | 380:R7BNGAP5:px3-J3oc | 380:R7BNGAP5   | 380",
        "1 alice:c:t 5                          | alice:c:t             | alice:c        | alice",
        ":x:y                                   | :x:y                  | :x             | -",
        "u::t                                   | u::t                  | u:             | u",
        "u:                                     | u:                    | u:             | u",
        "10:uuid:tab1                           | 10:uuid:tab1          | 10:uuid        | 10",
        "user:client:tab:extra                  | user:client:tab:extra | user:client    | user",
        "server                                 | server                | server         | -",
        "1 node                                 | node                  | node           | -",
    })
    void parsesAsLoguxParseId(String id, String node, String client, String user) {
        ClientId c = ClientId.parse(id.strip());
        assertEquals(node, c.nodeId());
        assertEquals(client, c.clientId());
        assertEquals(user, c.userId());
        assertEquals(user != null, c.hasUser());
    }

    @Test
    void actionIdsGiveTheirCreator() {
        ClientId c = ClientId.of(ActionId.of(1, "alice:r4nd0m:tab2", 3));
        assertEquals("alice:r4nd0m", c.clientId());
        ClientId sameClientOtherTab = ClientId.parse("alice:r4nd0m:tab9");
        assertTrue(sameClientOtherTab.sameClient(c));
        assertTrue(sameClientOtherTab.created(ActionId.of(5, "alice:r4nd0m:tab2", 0)));
        assertFalse(sameClientOtherTab.created(ActionId.of(5, "alice:other:tab2", 0)));
        assertFalse(sameClientOtherTab.created(ActionId.of(5, "alice", 0)));
    }

    @Test
    void aLogmeshNodeIdIsItsOwnClient() {
        ClientId node = ClientId.parse("alice:Xk3v9QaB");
        assertEquals("alice:Xk3v9QaB", node.clientId());
        assertEquals("alice", node.userId());
        assertTrue(node.created(ActionId.of(1, "alice:Xk3v9QaB", 0)));
        assertFalse(node.created(ActionId.of(1, "alice:Xk3v9QaC", 0)));
    }

    @Test
    void serverIsReserved() {
        assertTrue(ClientId.parse("server").isReservedServer());
        assertTrue(ClientId.parse("server:abc:t").isReservedServer());
        assertFalse(ClientId.parse("servers:abc:t").isReservedServer());
        assertFalse(ClientId.parse("alice:server:t").isReservedServer());
    }

    @Test
    void emptyUserIsWrittenAsNull() {
        assertThrows(IllegalArgumentException.class, () -> new ClientId("a", "a", ""));
        assertNull(ClientId.parse(":").userId());
    }

    @Property
    void threePartIds(@ForAll @AlphaChars @NumericChars @StringLength(min = 1, max = 12) String user,
                      @ForAll @AlphaChars @StringLength(min = 1, max = 12) String random,
                      @ForAll @AlphaChars @StringLength(min = 1, max = 12) String tab) {
        ClientId c = ClientId.parse(user + ":" + random + ":" + tab);
        assertEquals(user + ":" + random, c.clientId());
        assertEquals(user, c.userId());
        assertEquals(c, ClientId.parse("123 " + user + ":" + random + ":" + tab + " 7"));
        assertTrue(c.sameClient(ClientId.parse(user + ":" + random + ":other")));
    }
}
