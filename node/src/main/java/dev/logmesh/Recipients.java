package dev.logmesh;

import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Whom an action goes to among the Logux clients of the mesh, as {@code @logux/server} addresses actions: the
 * meta keys {@code nodes} (node ids), {@code clients} (client ids {@code user:random}), {@code users},
 * {@code channels} (the subscribers of a channel), minus {@code excludeClients}. Every node of the mesh delivers
 * an addressed action to its own clients that match; between nodes everything flows.
 *
 * <p>Returned by a {@link TypeHooks.Resend} hook; an application adding actions itself writes the same keys into
 * the meta ({@code node.add(action, meta)} with {@code {"users": ["bob"]}}).
 *
 * @param nodes          node ids
 * @param clients        client ids
 * @param users          user ids
 * @param channels       channel names
 * @param excludeClients client ids that must not receive the action
 */
public record Recipients(Set<String> nodes, Set<String> clients, Set<String> users, Set<String> channels,
                         Set<String> excludeClients) {
    /** Nobody in particular: an unaddressed action (what clients get of it is the node's option). */
    public static final Recipients NONE = new Recipients(Set.of(), Set.of(), Set.of(), Set.of(), Set.of());

    public Recipients {
        nodes = copy(nodes);
        clients = copy(clients);
        users = copy(users);
        channels = copy(channels);
        excludeClients = copy(excludeClients);
    }

    private static Set<String> copy(Set<String> s) {
        if (s == null || s.isEmpty()) {
            return Set.of();
        }
        s.forEach(v -> Objects.requireNonNull(v, "a recipient must not be null"));
        return java.util.Collections.unmodifiableSet(new LinkedHashSet<>(s));
    }

    /** The clients of these users. */
    public static Recipients users(String... ids) {
        return NONE.andUsers(ids);
    }

    /** These clients ({@code user:random}). */
    public static Recipients clients(String... ids) {
        return NONE.andClients(ids);
    }

    /** These node ids. */
    public static Recipients nodes(String... ids) {
        return NONE.andNodes(ids);
    }

    /** The subscribers of these channels. */
    public static Recipients channels(String... names) {
        return NONE.andChannels(names);
    }

    public Recipients andUsers(String... ids) {
        return new Recipients(nodes, clients, union(users, ids), channels, excludeClients);
    }

    public Recipients andClients(String... ids) {
        return new Recipients(nodes, union(clients, ids), users, channels, excludeClients);
    }

    public Recipients andNodes(String... ids) {
        return new Recipients(union(nodes, ids), clients, users, channels, excludeClients);
    }

    public Recipients andChannels(String... names) {
        return new Recipients(nodes, clients, users, union(channels, names), excludeClients);
    }

    /** Not to these clients, whatever else matches. */
    public Recipients except(String... clientIds) {
        return new Recipients(nodes, clients, users, channels, union(excludeClients, clientIds));
    }

    private static Set<String> union(Set<String> a, String... more) {
        Set<String> s = new LinkedHashSet<>(a);
        s.addAll(java.util.Arrays.asList(more));
        return s;
    }
}
