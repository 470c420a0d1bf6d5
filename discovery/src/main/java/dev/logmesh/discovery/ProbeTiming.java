package dev.logmesh.discovery;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Set;
import java.util.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import javax.jmdns.impl.DNSIncoming;
import javax.jmdns.impl.DNSTaskStarter;
import javax.jmdns.impl.JmDNSImpl;
import javax.jmdns.impl.ServiceInfoImpl;
import javax.jmdns.impl.tasks.RecordReaper;
import javax.jmdns.impl.tasks.Responder;
import javax.jmdns.impl.tasks.resolver.ServiceInfoResolver;
import javax.jmdns.impl.tasks.resolver.ServiceResolver;
import javax.jmdns.impl.tasks.resolver.TypeResolver;
import javax.jmdns.impl.tasks.state.Announcer;
import javax.jmdns.impl.tasks.state.Canceler;
import javax.jmdns.impl.tasks.state.Prober;
import javax.jmdns.impl.tasks.state.Renewer;

/**
 * Probing and announcing at RFC 6762's pace for the JmDNS instances of this library, so that nodes started
 * together see each other about 1 s after they register instead of 4 s.
 *
 * <h2>Why</h2>
 *
 * <p>JmDNS 3.6.3 ({@code tasks.state.Prober#start}) probes at 1 s intervals whenever its own host name is not
 * announced yet, which is always the case right after {@code JmDNS.create}, and its {@code Announcer} waits
 * another 1 s before the first announcement: a node that registers at start is seen by others 4.0 s later
 * (measured: ../shared/mdns-notes.md §3; 4.0–4.1 s in the network namespace trials of
 * {@code scripts/trial-lan-join}). Nodes started together have nobody to answer their start-up query, so that
 * announcement is what they wait for. RFC 6762 §8.1 asks for a random 0–250 ms wait, three probes 250 ms apart
 * and, 250 ms after the third with no conflict, the announcement (§8.3: at least two, one second apart): about
 * 1 s. JmDNS's constants are compile-time ones, but JmDNS lets an application supply the tasks of an instance
 * ({@link DNSTaskStarter.Factory#setClassDelegate}); this starter is JmDNS's own {@code DNSTaskStarterImpl}
 * (same timers, same thread names) with only the prober's and the announcer's schedule changed.
 *
 * <h2>Kept from JmDNS</h2>
 *
 * <ul>
 *   <li>The flood throttle: once 10 probe rounds started within 5 s of each other (name conflicts in a row), probes
 *       go at 1 s intervals, as JmDNS does (RFC 6762 §8.1 asks for 5 s after 15 conflicts in 10 s).</li>
 *   <li>Conflict handling, answers to queries (only once announced), renewal, goodbyes: JmDNS's tasks, unchanged.</li>
 * </ul>
 *
 * <h2>Scope</h2>
 *
 * <p>The delegate is JVM-wide, so it applies only to instances whose name was {@linkplain #claim claimed} just
 * before {@code JmDNS.create}; any other JmDNS in the process (an application's own) keeps JmDNS's default tasks,
 * or those of a delegate installed before this class, which it passes on to. A delegate installed after this one
 * replaces it: this library's instances then probe at JmDNS's pace again (slower, still correct).
 *
 * <p>Thread-safety: the delegate is called from JmDNS's constructor on the thread that creates the instance; the
 * claimed names are a concurrent set.
 */
final class ProbeTiming implements DNSTaskStarter.Factory.ClassDelegate {

    /** RFC 6762 §8.1: probes 250 ms apart, after a random wait of 0–250 ms. */
    static final int PROBE_INTERVAL_MILLIS = 250;

    /** RFC 6762 §8.1: 250 ms after the third probe without a conflict, the host may announce. */
    static final int ANNOUNCE_DELAY_MILLIS = 250;

    /** RFC 6762 §8.3: the announcements are at least one second apart (as JmDNS sends them). */
    static final int ANNOUNCE_INTERVAL_MILLIS = 1_000;

    /** JmDNS's flood throttle: this many probe rounds within {@link #THROTTLE_WINDOW_MILLIS} of each other. */
    static final int THROTTLE_COUNT = 10;

    /** JmDNS's flood throttle window. */
    static final long THROTTLE_WINDOW_MILLIS = 5_000;

    /** JmDNS's probe interval under the flood throttle. */
    static final int THROTTLED_PROBE_INTERVAL_MILLIS = 1_000;

    private static final Set<String> CLAIMED = ConcurrentHashMap.newKeySet();

    private static volatile ProbeTiming installed;

    /** The starter of each instance this class serves, until its timers are cancelled (its close). */
    private static final java.util.Map<JmDNSImpl, Starter> STARTERS =
        java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

    private final DNSTaskStarter.Factory.ClassDelegate previous;

    private ProbeTiming(DNSTaskStarter.Factory.ClassDelegate previous) {
        this.previous = previous;
    }

    /**
     * Makes the next JmDNS instance created under {@code jmdnsName} probe and announce at RFC 6762's pace: call
     * just before {@code JmDNS.create(address, jmdnsName)} and {@link #release} right after (JmDNS asks for the
     * instance's tasks inside its constructor). Installs the delegate on first use.
     *
     * @param jmdnsName the name the instance is created with (unique in the JVM)
     */
    static void claim(String jmdnsName) {
        install();
        CLAIMED.add(Objects.requireNonNull(jmdnsName, "jmdnsName"));
    }

    /** Forgets a claimed name once its instance exists (or failed to be created). */
    static void release(String jmdnsName) {
        CLAIMED.remove(jmdnsName);
    }

    private static synchronized void install() {
        if (installed != null && DNSTaskStarter.Factory.classDelegate() == installed) {
            return;
        }
        DNSTaskStarter.Factory.ClassDelegate current = DNSTaskStarter.Factory.classDelegate();
        ProbeTiming mine = new ProbeTiming(current instanceof ProbeTiming p ? p.previous : current);
        DNSTaskStarter.Factory.setClassDelegate(mine);
        installed = mine;
    }

    @Override
    public DNSTaskStarter newDNSTaskStarter(JmDNSImpl jmDNSImpl) {
        if (CLAIMED.contains(jmDNSImpl.getName())) {
            // one starter per instance: JmDNS's Factory.getStarter (get, then putIfAbsent of a new one) may call this
            // twice at once for one instance, from the thread creating it and from its socket listener answering a
            // probe, and drops the loser with its two timer threads running (MdnsThreadLeakTest: 3 runs in 4 leaked
            // them with this class's quicker probes, 10 discoveries starting at once on 127.0.0.1)
            return STARTERS.computeIfAbsent(jmDNSImpl, Starter::new);
        }
        return previous == null ? null : previous.newDNSTaskStarter(jmDNSImpl);
    }

    /**
     * The delay before the first probe and the interval between probes for a probe round started now.
     * Pure, for tests: {@code throttle} is the instance's count of rounds started close together, this one
     * included.
     *
     * @return {@code {delay, period}} in ms
     */
    static long[] probeSchedule(int throttle, int randomDelay) {
        if (throttle < THROTTLE_COUNT) {
            return new long[] {randomDelay, PROBE_INTERVAL_MILLIS};
        }
        return new long[] {THROTTLED_PROBE_INTERVAL_MILLIS, THROTTLED_PROBE_INTERVAL_MILLIS};
    }

    /** JmDNS's {@code Prober}, scheduled at RFC 6762's pace. */
    static final class FastProber extends Prober {
        FastProber(JmDNSImpl dns) {
            super(dns);
        }

        @Override
        public void start(Timer timer) {
            JmDNSImpl dns = getDns();
            // JmDNS's own bookkeeping of the flood throttle (Prober#start)
            long now = System.currentTimeMillis();
            if (now - dns.getLastThrottleIncrement() < THROTTLE_WINDOW_MILLIS) {
                dns.setThrottle(dns.getThrottle() + 1);
            } else {
                dns.setThrottle(1);
            }
            dns.setLastThrottleIncrement(now);
            if (dns.isCanceling() || dns.isCanceled()) {
                return;
            }
            long[] s = probeSchedule(dns.getThrottle(),
                    ThreadLocalRandom.current().nextInt(PROBE_INTERVAL_MILLIS + 1));
            timer.schedule(this, s[0], s[1]);
        }
    }

    /** JmDNS's {@code Announcer}, whose first announcement follows the last probe by 250 ms instead of 1 s. */
    static final class FastAnnouncer extends Announcer {
        FastAnnouncer(JmDNSImpl dns) {
            super(dns);
        }

        @Override
        public void start(Timer timer) {
            if (!getDns().isCanceling() && !getDns().isCanceled()) {
                timer.schedule(this, ANNOUNCE_DELAY_MILLIS, ANNOUNCE_INTERVAL_MILLIS);
            }
        }
    }

    /** JmDNS's {@code DNSTaskStarterImpl} (same timers and thread names), with the two tasks above. */
    private static final class Starter implements DNSTaskStarter {
        private final JmDNSImpl dns;
        private final Timer timer;
        private final Timer stateTimer;

        Starter(JmDNSImpl dns) {
            this.dns = dns;
            this.timer = new DNSTaskStarterImpl.StarterTimer("JmDNS(" + dns.getName() + ").Timer", true);
            this.stateTimer = new DNSTaskStarterImpl.StarterTimer("JmDNS(" + dns.getName() + ").State.Timer", false);
        }

        @Override
        public void purgeTimer() {
            timer.purge();
        }

        @Override
        public void purgeStateTimer() {
            stateTimer.purge();
        }

        @Override
        public void cancelTimer() {
            timer.cancel();
            STARTERS.remove(dns, this);
        }

        @Override
        public void cancelStateTimer() {
            stateTimer.cancel();
            STARTERS.remove(dns, this);
        }

        @Override
        public void startProber() {
            new FastProber(dns).start(stateTimer);
        }

        @Override
        public void startAnnouncer() {
            new FastAnnouncer(dns).start(stateTimer);
        }

        @Override
        public void startRenewer() {
            new Renewer(dns).start(stateTimer);
        }

        @Override
        public void startCanceler() {
            new Canceler(dns).start(stateTimer);
        }

        @Override
        public void startReaper() {
            new RecordReaper(dns).start(timer);
        }

        @Override
        public void startServiceInfoResolver(ServiceInfoImpl info) {
            new ServiceInfoResolver(dns, info).start(timer);
        }

        @Override
        public void startTypeResolver() {
            new TypeResolver(dns).start(timer);
        }

        @Override
        public void startServiceResolver(String type) {
            new ServiceResolver(dns, type).start(timer);
        }

        @Override
        public void startResponder(DNSIncoming in, InetAddress addr, int port) {
            new Responder(dns, in, addr, port).start(timer);
        }
    }
}
