package dev.logmesh.internal.edge;

import static dev.logmesh.internal.edge.Entries.entry;
import static dev.logmesh.internal.edge.Entries.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.Meta;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AddressTest {

    private static Address of(String extra) {
        return Address.of(entry("{'type':'a'}", "n", extra).meta());
    }

    @Test
    void readsTheFiveKeys() {
        Address a = of("{'nodes':['n1'],'clients':['u:c'],'users':['u','v'],'channels':['ch'],'excludeClients':['u:x']}");
        assertEquals(Set.of("n1"), a.nodes());
        assertEquals(Set.of("u:c"), a.clients());
        assertEquals(Set.of("u", "v"), a.users());
        assertEquals(Set.of("ch"), a.channels());
        assertEquals(Set.of("u:x"), a.excludeClients());
        assertTrue(a.isAddressed());
    }

    @Test
    void readsTheShortcuts() {
        Address a = of("{'node':'n1','client':'u:c','user':'u','channel':'ch','users':['v']}");
        assertEquals(Set.of("n1"), a.nodes());
        assertEquals(Set.of("u:c"), a.clients());
        assertEquals(Set.of("v", "u"), a.users());
        assertEquals(Set.of("ch"), a.channels());
    }

    @Test
    void otherShapesCountAsAbsent() {
        Address a = of("{'users':'bob','clients':[1,null,'u:c',['x']],'channels':{'a':1},'user':['x'],'nodes':null}");
        assertEquals(Set.of(), a.users());
        assertEquals(Set.of("u:c"), a.clients());
        assertEquals(Set.of(), a.channels());
        assertEquals(Set.of(), a.nodes());
    }

    @Test
    void aDeliveryKeyOfAnotherShapeAddsNoRecipientButAddressesTheEntry() {
        for (String meta : new String[] {"{'users':'bob'}", "{'channels':{'a':1}}", "{'clients':[1,null]}",
            "{'nodes':5}", "{'user':['x']}", "{'channel':3}", "{'users':[],'clients':true}"}) {
            Address a = of(meta);
            assertTrue(a.unreadable(), meta);
            assertTrue(a.isAddressed(), meta);
            assertEquals(Set.of(), a.users(), meta);
            assertTrue(Address.NONE.plus(a).isAddressed(), meta);
        }
        Address some = of("{'users':['alice',7]}");
        assertEquals(Set.of("alice"), some.users());
        assertTrue(some.unreadable());
        for (String meta : new String[] {"{'users':null}", "{'excludeClients':'a:b'}", "{'users':['a'],'user':'b'}"}) {
            assertFalse(of(meta).unreadable(), meta);
        }
        // a resend hook's address leaves an unreadable key it does not replace as it was
        Meta m = entry("{'type':'a'}", "n", "{'users':'bob'}").meta();
        Meta out = Address.channels("room").applyTo(m);
        assertEquals("bob", out.extra().get("users").asText());
        assertTrue(Address.of(out).unreadable());
        assertEquals(Set.of("room"), Address.of(out).channels());
        // and an unreadable exclusion too: dropping it would send the entry to the clients it was kept from
        Meta ex = entry("{'type':'a'}", "n", "{'excludeClients':'alice:one'}").meta();
        assertTrue(Address.of(ex).excludesAll());
        Meta kept = Address.users("alice").applyTo(ex);
        assertEquals("alice:one", kept.extra().get("excludeClients").asText());
        assertTrue(Address.of(kept).excludesAll());
        assertFalse(of("{'excludeClients':['a:b']}").excludesAll());
        assertFalse(of("{'excludeClients':null}").excludesAll());
    }

    @Test
    void noDeliveryKeyOrExcludeOnlyIsUnaddressed() {
        assertFalse(of(null).isAddressed());
        assertFalse(of("{'excludeClients':['a:b']}").isAddressed());
        assertFalse(of("{'excludeClients':[]}").isAddressed());
        assertFalse(of("{'users':null,'channel':null}").isAddressed());
        assertFalse(of("{'reasonsLike':['x']}").isAddressed());
        assertEquals(Address.NONE, of(null));
    }

    @Test
    void applyReplacesGivenKeysKeepsOthersAndFoldsShortcuts() {
        Meta m = entry("{'type':'a'}", "n", "{'users':['old'],'channels':['keep'],'user':'short','x':1}").meta();
        Meta out = Address.users("new").plus(Address.clients("u:c")).applyTo(m);
        assertEquals(json("['new']"), out.extra().get("users"));
        assertEquals(json("['u:c']"), out.extra().get("clients"));
        assertEquals(json("['keep']"), out.extra().get("channels"));
        assertEquals(json("1"), out.extra().get("x"));
        assertFalse(out.extra().containsKey("user"));
        Address read = Address.of(out);
        assertEquals(List.of(Set.of(), Set.of("u:c"), Set.of("new"), Set.of("keep"), Set.of()), read.sets());
        assertTrue(read.keyed());
        Meta folded = Address.NONE.applyTo(m);
        assertEquals(json("['old','short']"), folded.extra().get("users"));
    }

    @Test
    void stripRemovesOnlyDeliveryKeys() {
        Meta m = entry("{'type':'a'}", "n", "{'users':['u'],'channel':'c','x':1}").meta();
        Meta s = Address.strip(m);
        assertEquals(Set.of("x"), s.extra().keySet());
    }

    @Test
    void plusIsAUnion() {
        Address a = Address.users("a").plus(Address.users("b")).plus(Address.channels("c"));
        assertEquals(Set.of("a", "b"), a.users());
        assertEquals(Set.of("c"), a.channels());
        assertEquals(a, a.plus(Address.NONE));
    }

    /**
     * A delivery key that is there addresses the entry, also as an empty array: to nobody, as {@code @logux/server}
     * delivers it (session 18: {@code "users":[]} counted as no key, so under EVERY_CLIENT an app that computed an
     * empty list of recipients sent its entry to every client); a resend hook's address keeps it so.
     */
    @Test
    void anEmptyDeliveryKeyAddressesTheEntryToNobody() {
        for (String meta : new String[] {"{'users':[]}", "{'channels':[]}", "{'nodes':[]}", "{'clients':[]}",
            "{'users':[],'channels':[],'nodes':[],'clients':[]}", "{'users':[],'excludeClients':['a:b']}"}) {
            Address a = of(meta);
            assertTrue(a.isAddressed(), meta);
            assertTrue(a.keyed(), meta);
            assertFalse(a.unreadable(), meta);
            assertTrue(Address.NONE.plus(a).isAddressed(), meta);
            assertTrue(a.plus(Address.NONE).isAddressed(), meta);
        }
        Meta m = entry("{'type':'a'}", "n", "{'users':[]}").meta();
        Meta out = Address.NONE.applyTo(m);
        assertEquals(json("[]"), out.extra().get("users"));
        assertTrue(Address.of(out).isAddressed());
        Meta withRoom = Address.channels("room").applyTo(m);
        assertEquals(Set.of("room"), Address.of(withRoom).channels());
        assertTrue(Address.of(withRoom).isAddressed());
    }
}
