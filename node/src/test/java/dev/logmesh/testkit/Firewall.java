package dev.logmesh.testkit;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * The faults of a {@link LocalNetwork}: rules on single frames, chosen by link and message type, and
 * partitions of hosts. Composable: every rule that matches a frame applies (a drop wins; delays add up).
 *
 * <pre>{@code
 * Firewall fw = net.firewall();
 * fw.on("synced").from("bob").to("alice").drop();          // alice never hears bob's acknowledgements
 * fw.on("ping", "pong").between("a", "b").delay(20_000);   // past the session timeout, in order
 * fw.on("sync").from("a").probability(0.2).duplicate();    // a fifth of a's syncs arrive twice
 * fw.on("logmesh:ihave").reorder(50);                       // announcements overtaken by later frames
 * Firewall.Rule r = fw.on("logmesh:graft").times(1).drop(); // only the next graft is lost
 * fw.partition("a", "b");                                   // cut and refuse, until heal()
 * }</pre>
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>The message type is a frame's first element ({@code sync}, {@code synced}, {@code ping},
 *       {@code logmesh:ihave}, ...); {@link #on} with no types matches every frame. Hosts are node names on
 *       the network; a link rule names the sender ({@link Selector#from}), the receiver ({@link Selector#to}),
 *       or both directions ({@link Selector#between}).</li>
 *   <li>Rules act when a frame is sent, in the order they were added. A drop loses the frame (its sender
 *       saw {@code send} succeed). A delay holds the frame and every later frame of that direction behind it
 *       (a stalled link, as TCP): by a fixed or a random amount, even past every timer. A duplicate delivers
 *       the frame twice in a row. A reorder holds the frame back by a random 1..max ms while later frames do
 *       not wait for it, so they may overtake it.</li>
 *   <li>Random choices (probabilities, random delays) come from the network's seeded {@link Random}.</li>
 *   <li>{@link #partition} and {@link #isolate} cut the live links and refuse new dials until {@link #heal};
 *       {@link #heal} leaves frame rules in place ({@link Rule#remove}, {@link #clearRules}).</li>
 * </ul>
 */
public final class Firewall {
    private final LocalNetwork net;
    private final Random random;
    private final List<Rule> rules = new ArrayList<>();
    private final Set<String> partitions = new LinkedHashSet<>();
    private final Set<String> isolated = new LinkedHashSet<>();

    Firewall(LocalNetwork net, Random random) {
        this.net = net;
        this.random = random;
    }

    /** Starts a rule for frames of these message types (none: every type). */
    public Selector on(String... types) {
        return new Selector(types);
    }

    /** Cuts the links between two hosts and refuses dials between them until {@link #heal}. */
    public void partition(String a, String b) {
        partitions.add(key(a, b));
        net.cutLinks(a, b, "partition between " + a + " and " + b);
    }

    /** {@link #partition} of every host of one group from every host of the other. */
    public void partition(Collection<String> left, Collection<String> right) {
        for (String a : left) {
            for (String b : right) {
                partition(a, b);
            }
        }
    }

    /** Cuts a host from every other (also hosts that come later) until {@link #heal}. */
    public void isolate(String host) {
        isolated.add(host);
        net.cutLinks(host, null, host + " isolated");
    }

    /** Ends every partition and isolation; frame rules stay. */
    public void heal() {
        partitions.clear();
        isolated.clear();
    }

    /** Removes every frame rule. */
    public void clearRules() {
        rules.clear();
    }

    /** The frame rules in force, in order. */
    public List<Rule> rules() {
        return Collections.unmodifiableList(new ArrayList<>(rules));
    }

    /** Whether a partition or an isolation separates two hosts. */
    public boolean separated(String a, String b) {
        return !a.equals(b) && (partitions.contains(key(a, b)) || isolated.contains(a) || isolated.contains(b));
    }

    private static String key(String a, String b) {
        return a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a;
    }

    /** The fate of one frame sent over a link of the network. */
    Link.Fate fate(Link.End from, String frame) {
        if (rules.isEmpty()) {
            return Link.Fate.DELIVER;
        }
        String sender = from.address();
        String receiver = from.other().address();
        String type = LocalNetwork.type(frame);
        boolean drop = false;
        long delay = 0;
        int copies = 1;
        boolean inOrder = true;
        for (Rule r : new ArrayList<>(rules)) {
            if (!r.matches(sender, receiver, type)) {
                continue;
            }
            if (r.probability < 1 && random.nextDouble() >= r.probability) {
                continue;
            }
            r.hits++;
            if (r.remaining > 0 && --r.remaining == 0) {
                rules.remove(r);
            }
            switch (r.action) {
                case DROP -> drop = true;
                case DELAY -> delay += r.min + (r.max > r.min ? random.nextLong(r.max - r.min + 1) : 0);
                case DUPLICATE -> copies++;
                case REORDER -> {
                    inOrder = false;
                    delay += 1 + random.nextLong(r.max);
                }
                default -> throw new IllegalStateException();
            }
        }
        return drop ? new Link.Fate(true, 0, 0, true) : new Link.Fate(false, delay, copies, inOrder);
    }

    enum Action { DROP, DELAY, DUPLICATE, REORDER }

    /** Chooses the frames a rule acts on; ends with the action ({@link #drop()}, {@link #delay}, ...). */
    public final class Selector {
        private final Set<String> types;
        private String from;
        private String to;
        private boolean both;
        private int times = -1;
        private double probability = 1;

        Selector(String... types) {
            this.types = Set.of(types);
        }

        /** Only frames sent by this host. */
        public Selector from(String host) {
            from = Objects.requireNonNull(host);
            return this;
        }

        /** Only frames sent to this host. */
        public Selector to(String host) {
            to = Objects.requireNonNull(host);
            return this;
        }

        /** Only frames between these two hosts, either way. */
        public Selector between(String a, String b) {
            from = Objects.requireNonNull(a);
            to = Objects.requireNonNull(b);
            both = true;
            return this;
        }

        /** Acts on the next {@code n} matching frames only, then removes itself. */
        public Selector times(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("times must be > 0, got " + n);
            }
            times = n;
            return this;
        }

        /** Acts on each matching frame with this probability (from the seeded randomness). */
        public Selector probability(double p) {
            if (!(p > 0 && p <= 1)) {
                throw new IllegalArgumentException("probability must be in (0, 1], got " + p);
            }
            probability = p;
            return this;
        }

        /** Loses the frames. */
        public Rule drop() {
            return add(Action.DROP, 0, 0);
        }

        /** Holds the frames, and the later frames of their direction behind them, {@code millis} longer. */
        public Rule delay(long millis) {
            return delay(millis, millis);
        }

        /** Holds the frames (and the later ones behind them) a random {@code min..max} ms longer. */
        public Rule delay(long minMillis, long maxMillis) {
            if (minMillis < 0 || maxMillis < minMillis) {
                throw new IllegalArgumentException("delay must be 0 <= min <= max");
            }
            return add(Action.DELAY, minMillis, maxMillis);
        }

        /** Delivers the frames twice in a row. */
        public Rule duplicate() {
            return add(Action.DUPLICATE, 0, 0);
        }

        /** Holds the frames back a random 1..{@code maxMillis} ms while later frames may overtake them. */
        public Rule reorder(long maxMillis) {
            if (maxMillis < 1) {
                throw new IllegalArgumentException("reorder needs a window of at least 1 ms");
            }
            return add(Action.REORDER, 1, maxMillis);
        }

        private Rule add(Action action, long min, long max) {
            Rule r = new Rule(this, action, min, max);
            rules.add(r);
            return r;
        }
    }

    /** A frame rule in force; {@link #remove} ends it. */
    public final class Rule {
        private final Set<String> types;
        private final String from;
        private final String to;
        private final boolean both;
        private final double probability;
        private final Action action;
        private final long min;
        private final long max;
        private int remaining;
        private long hits;

        Rule(Selector s, Action action, long min, long max) {
            this.types = s.types;
            this.from = s.from;
            this.to = s.to;
            this.both = s.both;
            this.probability = s.probability;
            this.remaining = s.times;
            this.action = action;
            this.min = min;
            this.max = max;
        }

        boolean matches(String sender, String receiver, String type) {
            if (!types.isEmpty() && !types.contains(type)) {
                return false;
            }
            if (both) {
                return (from.equals(sender) && to.equals(receiver)) || (from.equals(receiver) && to.equals(sender));
            }
            return (from == null || from.equals(sender)) && (to == null || to.equals(receiver));
        }

        /** Ends the rule. */
        public void remove() {
            rules.remove(this);
        }

        /** How many frames it acted on. */
        public long hits() {
            return hits;
        }

        @Override
        public String toString() {
            return action.name().toLowerCase(java.util.Locale.ROOT) + (types.isEmpty() ? " every type" : " " + types)
                + (both ? " between " + from + " and " + to : (from != null ? " from " + from : "")
                + (to != null ? " to " + to : "")) + (action == Action.DELAY ? " by " + min + ".." + max + " ms" : "")
                + (action == Action.REORDER ? " within " + max + " ms" : "")
                + (probability < 1 ? " p=" + probability : "") + " (" + hits + " hits)";
        }
    }
}
