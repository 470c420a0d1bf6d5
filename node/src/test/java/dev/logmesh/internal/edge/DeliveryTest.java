package dev.logmesh.internal.edge;

import static dev.logmesh.internal.edge.Entries.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Entry;
import dev.logmesh.internal.edge.Delivery.Decision;
import dev.logmesh.internal.edge.Delivery.Unaddressed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DeliveryTest {
    static final ClientId ALICE1 = ClientId.parse("alice:one:tab");
    static final Delivery EVERY = new Delivery(Unaddressed.EVERY_CLIENT);
    static final Delivery NONE = new Delivery(Unaddressed.NO_CLIENT);

    /** From bob's client, with the given meta, to alice:one:tab subscribed to channel "room". */
    @ParameterizedTest(name = "{0} -> {1} / {2}")
    @CsvSource(delimiter = '|', value = {
        "{}                                                    | UNADDRESSED   | UNADDRESSED_HELD",
        "{'users':['alice']}                                   | USER          | USER",
        "{'users':['bob']}                                     | NOT_ADDRESSED | NOT_ADDRESSED",
        "{'user':'alice'}                                      | USER          | USER",
        "{'clients':['alice:one']}                             | CLIENT        | CLIENT",
        "{'clients':['alice:two']}                             | NOT_ADDRESSED | NOT_ADDRESSED",
        "{'nodes':['alice:one:tab']}                           | NODE          | NODE",
        "{'nodes':['alice:one:other']}                         | NOT_ADDRESSED | NOT_ADDRESSED",
        "{'channels':['room']}                                 | CHANNEL       | CHANNEL",
        "{'channels':['hall']}                                 | NOT_ADDRESSED | NOT_ADDRESSED",
        "{'users':['alice'],'excludeClients':['alice:one']}    | EXCLUDED      | EXCLUDED",
        "{'excludeClients':['alice:one']}                      | EXCLUDED      | EXCLUDED",
        "{'excludeClients':['alice:two']}                      | UNADDRESSED   | UNADDRESSED_HELD",
        // an empty list of recipients is an address, to nobody (session 18: it went to every client under
        // EVERY_CLIENT, so an app that computed no recipients sent its entry to all)
        "{'users':[],'channels':[]}                            | NOT_ADDRESSED | NOT_ADDRESSED",
        "{'users':[]}                                          | NOT_ADDRESSED | NOT_ADDRESSED",
        "{'clients':[],'excludeClients':['alice:two']}         | NOT_ADDRESSED | NOT_ADDRESSED",
        "{'excludeClients':[]}                                 | UNADDRESSED   | UNADDRESSED_HELD",
        "{'users':['bob'],'channels':['room']}                 | CHANNEL       | CHANNEL",
        // a delivery key of another shape: its sender meant to address the entry, so it is not everyone's
        // (a breaker's run, session 17: "users":"bob" typed on a node's stdin reached every client)
        "{'users':'bob'}                                       | NOT_ADDRESSED | NOT_ADDRESSED",
        "{'users':'alice'}                                     | NOT_ADDRESSED | NOT_ADDRESSED",
        "{'channels':'room'}                                   | NOT_ADDRESSED | NOT_ADDRESSED",
        "{'clients':[1]}                                       | NOT_ADDRESSED | NOT_ADDRESSED",
        "{'nodes':{'a':1}}                                     | NOT_ADDRESSED | NOT_ADDRESSED",
        "{'user':['alice']}                                    | NOT_ADDRESSED | NOT_ADDRESSED",
        "{'users':[5,'alice']}                                 | USER          | USER",
        "{'users':null}                                        | UNADDRESSED   | UNADDRESSED_HELD",
        // an exclusion of another shape cannot say whom it spares: no client gets the entry (the breaker's
        // "excludeClients":"alice:one" reached alice:one)
        "{'excludeClients':'alice:one'}                        | EXCLUDED      | EXCLUDED",
        "{'users':['alice'],'excludeClients':{'a':1}}          | EXCLUDED      | EXCLUDED",
        "{'channels':['room'],'excludeClients':[1]}            | EXCLUDED      | EXCLUDED",
        "{'excludeClients':null}                               | UNADDRESSED   | UNADDRESSED_HELD",
    })
    void rules(String meta, Decision every, Decision none) {
        Subscriptions subs = new Subscriptions();
        subs.add("room", "{}", ChannelFilter.ALL);
        Entry e = entry("{'type':'chat/say'}", "bob:b0b:tab", meta);
        assertEquals(every, EVERY.decide(e, ALICE1, subs));
        assertEquals(none, NONE.decide(e, ALICE1, subs));
    }

    @Test
    void neverBackToTheClientThatMadeIt() {
        Subscriptions subs = new Subscriptions();
        subs.add("room", "{}", ChannelFilter.ALL);
        for (String meta : new String[] {null, "{'users':['alice']}", "{'clients':['alice:one']}",
            "{'nodes':['alice:one:tab']}", "{'channels':['room']}"}) {
            // the same tab, another tab of the same client, a restart of the client (new tab id)
            for (String node : new String[] {"alice:one:tab", "alice:one:tab2", "alice:one:x9"}) {
                assertEquals(Decision.OWN, EVERY.decide(entry("{'type':'a'}", node, meta), ALICE1, subs), meta);
            }
        }
        // another client of the same user gets it
        assertEquals(Decision.USER, EVERY.decide(entry("{'type':'a'}", "alice:two:tab", "{'users':['alice']}"),
            ALICE1, subs));
    }

    @Test
    void controlActionsAreNeverBroadcast() {
        Subscriptions subs = new Subscriptions();
        for (String type : new String[] {"logux/subscribe", "logux/unsubscribe", "logux/processed", "logux/undo"}) {
            assertEquals(Decision.CONTROL, EVERY.decide(entry("{'type':'" + type + "'}", "bob:b:t"), ALICE1, subs));
        }
        // but delivered when addressed
        assertEquals(Decision.CLIENT, EVERY.decide(
            entry("{'type':'logux/undo'}", "server:s", "{'clients':['alice:one']}"), ALICE1, subs));
    }

    @Test
    void channelFiltersDecide() {
        Subscriptions subs = new Subscriptions();
        subs.add("room", "{'big':true}", e -> e.action().get("size") != null && e.action().get("size").asInt() > 10);
        Entry small = entry("{'type':'a','size':1}", "bob:b:t", "{'channels':['room']}");
        Entry big = entry("{'type':'a','size':100}", "bob:b:t", "{'channels':['room']}");
        assertEquals(Decision.NOT_ADDRESSED, NONE.decide(small, ALICE1, subs));
        assertEquals(Decision.CHANNEL, NONE.decide(big, ALICE1, subs));
        subs.add("room", "{}", ChannelFilter.ALL);
        assertEquals(Decision.CHANNEL, NONE.decide(small, ALICE1, subs));
    }

    @Test
    void aClientWithoutUserMatchesNoUser() {
        ClientId bare = ClientId.parse("client");
        Subscriptions subs = new Subscriptions();
        assertEquals(Decision.NOT_ADDRESSED, NONE.decide(entry("{'type':'a'}", "bob:b:t", "{'users':['client']}"), bare, subs));
        assertEquals(Decision.CLIENT, NONE.decide(entry("{'type':'a'}", "bob:b:t", "{'clients':['client']}"), bare, subs));
        assertEquals(Decision.NODE, NONE.decide(entry("{'type':'a'}", "bob:b:t", "{'nodes':['client']}"), bare, subs));
    }

    @Test
    void aNodesOwnActionsReachItsClients() {
        // the desktop mesh: node "alice:Xk3v9QaB" adds item/add without address; its browser client sees it
        ClientId page = ClientId.parse("alice:p4ge0001:tab1");
        Entry item = entry("{'type':'item/add','text':'milk'}", "alice:Xk3v9QaB", null);
        assertTrue(EVERY.delivers(item, page, new Subscriptions()));
        assertFalse(NONE.delivers(item, page, new Subscriptions()));
        assertEquals(Delivery.Unaddressed.EVERY_CLIENT, Delivery.DEFAULT_UNADDRESSED);
    }
}
