package dev.logmesh.testkit;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * An SLF4J provider for tests that keeps the last {@value #KEPT} warnings and errors in memory (nothing is
 * printed; lower levels are off, except INFO while an INFO {@link #tally} is open, for that tally only), so a test
 * can check what a node told the application's logging. It is chosen
 * with the system property {@code slf4j.provider=dev.logmesh.testkit.CapturedLogs} (SLF4J 2.0.9+), as node's
 * surefire configuration does; without it (another provider, or none) {@link #active()} is false.
 *
 * <p>Thread-safe: loggers are called on any thread.
 */
public final class CapturedLogs implements SLF4JServiceProvider {
    /** How many warnings and errors are kept (the oldest go first). */
    public static final int KEPT = 1_000;

    /** One warning or error: level, logger name and the formatted message. */
    public record Event(Level level, String logger, String message) {
    }

    private static final ArrayDeque<Event> EVENTS = new ArrayDeque<>();
    /** Open tallies ({@link #tally}): each counts the events it matches, none evicted. */
    private static final java.util.concurrent.CopyOnWriteArrayList<Tally> TALLIES =
        new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Open INFO tallies: INFO is on (for tallies, never kept in {@link #events}) while there is one. */
    private static final java.util.concurrent.atomic.AtomicInteger INFO_TALLIES =
        new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Counts, from now until closed, the events of {@code level} whose message contains every one of {@code texts}
     * (case-insensitive). Unlike {@link #matching}, nothing it counted is lost when other tests in the JVM log more
     * than {@link #KEPT} events meanwhile. {@code level} may be {@link Level#INFO}: every logger then formats its
     * INFO messages while the tally is open (they only go to tallies).
     */
    public static Tally tally(Level level, String... texts) {
        Tally t = new Tally(level, java.util.Arrays.stream(texts).map(x -> x.toLowerCase(Locale.ROOT)).toList());
        TALLIES.add(t);
        if (level == Level.INFO) {
            INFO_TALLIES.incrementAndGet();
        }
        return t;
    }

    /** A running count of matching events ({@link #tally}); any thread. */
    public static final class Tally implements AutoCloseable {
        private final Level level;
        private final List<String> texts;
        private final java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();

        private Tally(Level level, List<String> texts) {
            this.level = level;
            this.texts = texts;
        }

        /** Matching events logged since the tally was opened. */
        public int count() {
            return count.get();
        }

        void offer(Event e) {
            if (e.level() == level) {
                String m = e.message().toLowerCase(Locale.ROOT);
                if (texts.stream().allMatch(m::contains)) {
                    count.incrementAndGet();
                }
            }
        }

        @Override
        public void close() {
            if (TALLIES.remove(this) && level == Level.INFO) {
                INFO_TALLIES.decrementAndGet();
            }
        }
    }
    private static volatile boolean active;

    private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();
    private final ILoggerFactory factory = name -> loggers.computeIfAbsent(name, Capture::new);
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    /** Whether SLF4J uses this provider in this JVM. */
    public static boolean active() {
        org.slf4j.LoggerFactory.getILoggerFactory(); // initializes SLF4J if nothing has yet
        return active;
    }

    /** The warnings and errors kept so far, oldest first. */
    public static List<Event> events() {
        synchronized (EVENTS) {
            return List.copyOf(EVENTS);
        }
    }

    /** The kept events of this level whose message contains {@code text} (case-insensitive). */
    public static List<Event> matching(Level level, String text) {
        String t = text.toLowerCase(Locale.ROOT);
        return events().stream()
            .filter(e -> e.level() == level && e.message().toLowerCase(Locale.ROOT).contains(t)).toList();
    }

    /** Forgets every kept event. */
    public static void clear() {
        synchronized (EVENTS) {
            EVENTS.clear();
        }
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        active = true;
    }

    /** A logger that keeps warnings and errors. */
    private static final class Capture extends AbstractLogger {
        private static final long serialVersionUID = 1L;

        Capture(String name) {
            this.name = name;
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern,
                                                   Object[] arguments, Throwable throwable) {
            String message = MessageFormatter.basicArrayFormat(messagePattern, arguments);
            Event event = new Event(level, name, message);
            if (level.toInt() < Level.WARN.toInt()) { // INFO, for an open INFO tally: not kept
                for (Tally t : TALLIES) {
                    t.offer(event);
                }
                return;
            }
            synchronized (EVENTS) {
                if (EVENTS.size() == KEPT) {
                    EVENTS.removeFirst();
                }
                EVENTS.addLast(event);
            }
            for (Tally t : TALLIES) {
                t.offer(event);
            }
        }

        @Override
        public boolean isTraceEnabled() {
            return false;
        }

        @Override
        public boolean isTraceEnabled(Marker marker) {
            return false;
        }

        @Override
        public boolean isDebugEnabled() {
            return false;
        }

        @Override
        public boolean isDebugEnabled(Marker marker) {
            return false;
        }

        @Override
        public boolean isInfoEnabled() {
            return INFO_TALLIES.get() > 0;
        }

        @Override
        public boolean isInfoEnabled(Marker marker) {
            return isInfoEnabled();
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled(Marker marker) {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled(Marker marker) {
            return true;
        }
    }
}
