package dev.logmesh.internal.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.logmesh.Meta;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whom an entry is addressed to, read from its meta as {@code @logux/server} reads it: {@code nodes} (exact node
 * ids), {@code clients} (client ids {@code user:random}), {@code users}, {@code channels}, minus
 * {@code excludeClients}. These keys travel between logmesh nodes in {@link Meta#extra()}; they never go to
 * clients (see {@link EdgeMeta}).
 *
 * <p>Reading is lenient, as the keys come from anywhere in the mesh: each key must be an array of strings;
 * other elements are skipped and a key of another shape adds no recipient. {@code @logux/server}'s
 * shortcuts {@code "node"}, {@code "client"}, {@code "user"}, {@code "channel"} (one string) are read too and join
 * their plural key (the server rewrites them on {@code preadd}). An entry with none of the four delivery keys (nor
 * a shortcut) is <em>unaddressed</em>. A delivery key that is there is an address, also an empty array
 * ({@code "users":[]}: to nobody, as {@code @logux/server} delivers it; session 18: an app that computed an empty
 * list of recipients had its entry sent to every client under {@link Delivery.Unaddressed#EVERY_CLIENT}).
 * A delivery key (or shortcut) of another shape, or holding an element that is not a string
 * ({@code "users":"bob"}, {@code "channels":{"a":1}}, {@code "clients":[1]}), still makes the entry
 * <em>addressed</em> ({@link #unreadable}): its sender meant to address it, so it goes only to the recipients
 * that can be read, never to every client as an unaddressed entry would under {@link Delivery.Unaddressed#EVERY_CLIENT}
 * (a breaker's run, session 17: a node's stdin line with {@code "users":"bob"} reached every client).
 *
 * @param nodes          node ids
 * @param clients        client ids
 * @param users          user ids
 * @param channels       channel names
 * @param excludeClients client ids that must not receive the entry, whatever else matches
 * @param unreadable     whether a delivery key or shortcut of the meta has another shape than an array of strings
 *                       (a shortcut: one string); JSON {@code null} counts as absent
 * @param keyed          whether the meta has a delivery key or shortcut at all (not JSON {@code null}), whatever its
 *                       shape or length: then the entry is addressed, to the recipients read, if any
 * @param excludesAll    whether {@code excludeClients} has another shape than an array of strings: its sender meant to
 *                       keep the entry from some clients and which cannot be read, so it goes to no client
 *                       ({@link Delivery}; a breaker's run, session 17: {@code "excludeClients":"alice:one"} was
 *                       ignored and alice:one got the entry)
 */
public record Address(Set<String> nodes, Set<String> clients, Set<String> users, Set<String> channels,
                      Set<String> excludeClients, boolean unreadable, boolean excludesAll, boolean keyed) {

    /** Meta keys of the five sets, in this order. */
    public static final List<String> KEYS = List.of("nodes", "clients", "users", "channels", "excludeClients");
    /** The one-string shortcuts, each for the plural key at the same index of {@link #KEYS}. */
    public static final List<String> SHORTCUTS = List.of("node", "client", "user", "channel");

    /** No address at all. */
    public static final Address NONE = new Address(Set.of(), Set.of(), Set.of(), Set.of(), Set.of());

    public Address {
        nodes = copy(nodes);
        clients = copy(clients);
        users = copy(users);
        channels = copy(channels);
        excludeClients = copy(excludeClients);
    }

    /** An address whose every key was read as it is (not {@link #unreadable}). */
    public Address(Set<String> nodes, Set<String> clients, Set<String> users, Set<String> channels,
                   Set<String> excludeClients) {
        this(nodes, clients, users, channels, excludeClients, false, false, false);
    }

    private static Set<String> copy(Set<String> s) {
        return s == null || s.isEmpty() ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(s));
    }

    /** An address to some users. */
    public static Address users(String... ids) {
        return new Address(Set.of(), Set.of(), Set.of(ids), Set.of(), Set.of());
    }

    /** An address to some clients ({@code user:random}). */
    public static Address clients(String... ids) {
        return new Address(Set.of(), Set.of(ids), Set.of(), Set.of(), Set.of());
    }

    /** An address to some node ids. */
    public static Address nodes(String... ids) {
        return new Address(Set.of(ids), Set.of(), Set.of(), Set.of(), Set.of());
    }

    /** An address to the subscribers of some channels. */
    public static Address channels(String... names) {
        return new Address(Set.of(), Set.of(), Set.of(), Set.of(names), Set.of());
    }

    /** Reads the address of an entry from its meta's custom keys. */
    public static Address of(Meta meta) {
        Map<String, JsonNode> extra = meta.extra();
        if (extra.isEmpty()) {
            return NONE;
        }
        List<Set<String>> sets = new ArrayList<>(5);
        boolean unreadable = false;
        boolean keyed = false;
        for (int i = 0; i < KEYS.size(); i++) {
            Set<String> s = new LinkedHashSet<>();
            strings(extra.get(KEYS.get(i)), s);
            if (i < SHORTCUTS.size()) {
                JsonNode one = extra.get(SHORTCUTS.get(i));
                if (one != null && one.isTextual()) {
                    s.add(one.asText());
                }
                // (excludeClients, the last key, addresses no one: its shape does not make an entry addressed)
                unreadable |= !readable(meta, i);
                keyed |= present(extra.get(KEYS.get(i))) || present(one);
            }
            sets.add(s);
        }
        return new Address(sets.get(0), sets.get(1), sets.get(2), sets.get(3), sets.get(4), unreadable,
            !readable(meta, KEYS.size() - 1), keyed);
    }

    private static boolean present(JsonNode v) {
        return v != null && !v.isNull();
    }

    /**
     * Whether the delivery key {@code KEYS[i]} of the meta and its shortcut are absent, JSON null, or of their shape
     * (an array of strings; one string).
     */
    private static boolean readable(Meta meta, int i) {
        JsonNode many = meta.extra().get(KEYS.get(i));
        JsonNode one = i < SHORTCUTS.size() ? meta.extra().get(SHORTCUTS.get(i)) : null;
        if (one != null && !one.isNull() && !one.isTextual()) {
            return false;
        }
        if (many == null || many.isNull()) {
            return true;
        }
        if (!many.isArray()) {
            return false;
        }
        for (JsonNode e : many) {
            if (!e.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private static void strings(JsonNode array, Collection<String> into) {
        if (array == null || !array.isArray()) {
            return;
        }
        for (JsonNode e : array) {
            if (e.isTextual()) {
                into.add(e.asText());
            }
        }
    }

    /**
     * Whether any of {@code nodes}, {@code clients}, {@code users}, {@code channels} is non-empty, or the meta had one
     * of them (or a shortcut) at all ({@link #keyed}, {@link #unreadable}): then the entry goes only to the recipients
     * read, if any.
     */
    public boolean isAddressed() {
        // an unreadable key is a key there: keyed covers it
        return keyed || !nodes.isEmpty() || !clients.isEmpty() || !users.isEmpty() || !channels.isEmpty();
    }

    /** Both addresses: the union of each set (unreadable, excluding all, or keyed, if either is). */
    public Address plus(Address other) {
        return new Address(union(nodes, other.nodes), union(clients, other.clients), union(users, other.users),
            union(channels, other.channels), union(excludeClients, other.excludeClients),
            unreadable || other.unreadable, excludesAll || other.excludesAll, keyed || other.keyed);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        if (b.isEmpty()) {
            return a;
        }
        Set<String> s = new LinkedHashSet<>(a);
        s.addAll(b);
        return s;
    }

    /**
     * The meta with this address written into its custom keys: each non-empty set replaces its key, empty
     * sets leave the meta's key as it is (as {@code @logux/server} applies a {@code resend} result: absent stays
     * absent, an empty array stays, so an entry addressed to nobody stays so), and the shortcuts are folded into
     * their plural keys.
     */
    public Meta applyTo(Meta meta) {
        Meta m = meta;
        List<Set<String>> mine = sets();
        List<Set<String>> theirs = of(meta).sets();
        for (int i = 0; i < KEYS.size(); i++) {
            Set<String> value = mine.get(i).isEmpty() ? theirs.get(i) : mine.get(i);
            if (value.isEmpty()) {
                continue; // the key stays as it was: absent, an empty array (addressed to nobody) or unreadable
            }
            m = m.withExtra(KEYS.get(i), array(value));
            if (i < SHORTCUTS.size()) {
                m = m.withExtra(SHORTCUTS.get(i), null);
            }
        }
        return m;
    }

    /** The meta without any of the delivery keys (and shortcuts). */
    public static Meta strip(Meta meta) {
        Meta m = meta;
        for (String k : KEYS) {
            m = m.extra().containsKey(k) ? m.withExtra(k, null) : m;
        }
        for (String k : SHORTCUTS) {
            m = m.extra().containsKey(k) ? m.withExtra(k, null) : m;
        }
        return m;
    }

    /** The five sets in the order of {@link #KEYS}. */
    public List<Set<String>> sets() {
        return List.of(nodes, clients, users, channels, excludeClients);
    }

    private static ArrayNode array(Set<String> values) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode(values.size());
        values.forEach(a::add);
        return a;
    }
}
