package dev.logmesh.internal.edge;

import dev.logmesh.Entry;
import java.util.Objects;

/**
 * Whether an entry of the log goes to one client of this node: the same rule for the catch-up after
 * {@code connect} and for live entries (between logmesh nodes everything flows; the filter is at the edge).
 *
 * <p>In order, the first rule that applies decides:
 * <ol>
 *   <li>{@link Decision#OWN}: the entry was made by this client (same client id {@code user:random}, any tab):
 *       never sent back, also when it is addressed to the client or its user, also after the client restarted
 *       with a new tab id. ({@code @logux/server} skips the sender live, but its catch-up filter does not, so a
 *       restarted client gets its own actions back there; logmesh does not.)</li>
 *   <li>{@link Decision#EXCLUDED}: the client id is in {@code excludeClients}.</li>
 *   <li>{@link Decision#NODE}, {@link Decision#CLIENT}, {@link Decision#USER}, {@link Decision#CHANNEL}: the
 *       node id is in {@code nodes}, the client id in {@code clients}, the user in {@code users}, or a channel
 *       in {@code channels} has a subscription of this connection whose filter takes the entry.</li>
 *   <li>{@link Decision#NOT_ADDRESSED}: the entry is addressed, to others.</li>
 *   <li>{@link Decision#CONTROL}: an unaddressed {@code logux/*} action (subscriptions, answers) never goes to
 *       clients.</li>
 *   <li>Otherwise the entry is unaddressed: {@link Unaddressed#EVERY_CLIENT} sends it
 *       ({@link Decision#UNADDRESSED}), {@link Unaddressed#NO_CLIENT} does not
 *       ({@link Decision#UNADDRESSED_HELD}).</li>
 * </ol>
 * Each entry goes at most once to a connection however many rules match; a node that evaluates live and
 * catch-up paths must also not send one entry twice on one connection (see the interop README).
 */
public final class Delivery {

    /** What a node does with entries that have no {@code nodes}, {@code clients}, {@code users}, {@code channels}. */
    public enum Unaddressed {
        /**
         * Send them to every client of the node (except the one that made them). The default: a mesh where one
         * person (or one trusted team) runs desktop nodes and opens a web page on any of them works without
         * addressing anything: the Swing example's {@code item/add} actions, added through the plain
         * {@code MeshNode.add} API, carry no address, and the page must show the same list. It also keeps a
         * bare {@code @logux/core} client (which sees everything today) working.
         */
        EVERY_CLIENT,
        /**
         * Send them to no client, as {@code @logux/server} does. For a multi-user application: every action a
         * user may see is addressed (by the app's {@code resend} hook or by the code that adds it), and
         * nothing leaks by default.
         */
        NO_CLIENT
    }

    /** Why an entry is, or is not, delivered. */
    public enum Decision {
        OWN(false), EXCLUDED(false), NODE(true), CLIENT(true), USER(true), CHANNEL(true), NOT_ADDRESSED(false),
        CONTROL(false), UNADDRESSED(true), UNADDRESSED_HELD(false);

        private final boolean delivered;

        Decision(boolean delivered) {
            this.delivered = delivered;
        }

        /** Whether the entry goes to the client. */
        public boolean delivered() {
            return delivered;
        }
    }

    /** The default node option. */
    public static final Unaddressed DEFAULT_UNADDRESSED = Unaddressed.EVERY_CLIENT;

    private final Unaddressed unaddressed;

    public Delivery(Unaddressed unaddressed) {
        this.unaddressed = Objects.requireNonNull(unaddressed, "unaddressed");
    }

    /** The policy for unaddressed entries. */
    public Unaddressed unaddressed() {
        return unaddressed;
    }

    /** Decides for one entry and one client; {@code subscriptions} are the client connection's. */
    public Decision decide(Entry entry, ClientId client, Subscriptions subscriptions) {
        return decide(entry, Address.of(entry.meta()), client, subscriptions);
    }

    /** As {@link #decide(Entry, ClientId, Subscriptions)}, with the entry's address read once by the caller. */
    public Decision decide(Entry entry, Address address, ClientId client, Subscriptions subscriptions) {
        if (client.created(entry.id())) {
            return Decision.OWN;
        }
        if (address.excludesAll() || address.excludeClients().contains(client.clientId())) {
            return Decision.EXCLUDED; // an exclusion that cannot be read excludes every client (fails closed)
        }
        if (address.nodes().contains(client.nodeId())) {
            return Decision.NODE;
        }
        if (address.clients().contains(client.clientId())) {
            return Decision.CLIENT;
        }
        if (client.hasUser() && address.users().contains(client.userId())) {
            return Decision.USER;
        }
        for (String channel : address.channels()) {
            if (subscriptions.wants(channel, entry)) {
                return Decision.CHANNEL;
            }
        }
        if (address.isAddressed()) {
            return Decision.NOT_ADDRESSED;
        }
        if (Answers.isControl(entry.action())) {
            return Decision.CONTROL;
        }
        return unaddressed == Unaddressed.EVERY_CLIENT ? Decision.UNADDRESSED : Decision.UNADDRESSED_HELD;
    }

    /** Whether the entry goes to the client. */
    public boolean delivers(Entry entry, ClientId client, Subscriptions subscriptions) {
        return decide(entry, client, subscriptions).delivered();
    }
}
