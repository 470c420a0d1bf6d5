package dev.logmesh.cli;

import java.text.DateFormat;
import java.text.FieldPosition;
import java.text.ParsePosition;
import java.util.Date;

/**
 * The time that leads each log line: the wall clock in UTC, ISO-8601 to the millisecond
 * ({@code 2026-12-05T15:07:08.123Z}), so that the logs of several nodes (other hosts, other restarts) read on one time
 * line. slf4j-simple's own prefix is the milliseconds since the process started, computed from the wall clock: after
 * a clock set back it went negative ({@code -3599112 [logmesh-b-1-1] WARN ...}, clock40), and it never matched another
 * node's. Its {@code dateTimeFormat} is a {@code SimpleDateFormat}, which loads the locale's data (25-30 ms of CPU
 * before the node is ready, docs/performance.md); this format does the arithmetic itself and loads nothing.
 *
 * <p>Installed by {@link #install()} into slf4j-simple's configuration in place of its date format (the field it
 * reads per line). A user's own {@code -Dorg.slf4j.simpleLogger.dateTimeFormat=...} or {@code showDateTime=false}
 * wins; another SLF4J provider is left alone. Used under slf4j-simple's lock on the format.
 */
final class LogTime extends DateFormat {
    private static final long serialVersionUID = 1L;
    private static final long DAY = 86_400_000L;

    /**
     * Puts this format in slf4j-simple's configuration, after it initialized (call once its system properties are
     * set). Returns whether it did: false with another provider, a user's own format, or a slf4j-simple whose fields
     * are not as in 2.0 (its prefix then stays as it was).
     */
    static boolean install() {
        if (System.getProperty("org.slf4j.simpleLogger.dateTimeFormat") != null) {
            return false;
        }
        // the provider initializes here (it would at the node's first logger): slf4j-simple reads its settings now
        org.slf4j.ILoggerFactory factory = org.slf4j.LoggerFactory.getILoggerFactory();
        if (!"org.slf4j.simple.SimpleLoggerFactory".equals(factory.getClass().getName())) {
            return false;
        }
        try {
            Class<?> logger = Class.forName("org.slf4j.simple.SimpleLogger", true, factory.getClass().getClassLoader());
            java.lang.reflect.Field params = logger.getDeclaredField("CONFIG_PARAMS");
            params.setAccessible(true);
            Object config = params.get(null);
            java.lang.reflect.Field show = config.getClass().getDeclaredField("showDateTime");
            show.setAccessible(true);
            if (!show.getBoolean(config)) {
                return false;
            }
            java.lang.reflect.Field format = config.getClass().getDeclaredField("dateFormatter");
            format.setAccessible(true);
            format.set(config, new LogTime());
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /** {@code millis} (since the epoch) as {@code 2026-12-05T15:07:08.123Z}. */
    static String utc(long millis) {
        StringBuilder b = new StringBuilder(24);
        // civil date from days (H. Hinnant's days_from_civil inverse), proleptic Gregorian as java.time
        long z = Math.floorDiv(millis, DAY) + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        long day = doy - (153 * mp + 2) / 5 + 1;
        long month = mp < 10 ? mp + 3 : mp - 9;
        long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
        long ms = Math.floorMod(millis, DAY);
        pad(b, year, 4).append('-');
        pad(b, month, 2).append('-');
        pad(b, day, 2).append('T');
        pad(b, ms / 3_600_000, 2).append(':');
        pad(b, ms / 60_000 % 60, 2).append(':');
        pad(b, ms / 1_000 % 60, 2).append('.');
        pad(b, ms % 1_000, 3).append('Z');
        return b.toString();
    }

    private static StringBuilder pad(StringBuilder b, long value, int width) {
        String s = Long.toString(value);
        for (int i = s.length(); i < width; i++) {
            b.append('0');
        }
        return b.append(s);
    }

    @Override
    @SuppressWarnings("JavaUtilDate") // slf4j-simple hands a Date: its time is all this reads
    public StringBuffer format(Date date, StringBuffer toAppendTo, FieldPosition fieldPosition) {
        return toAppendTo.append(utc(date.getTime()));
    }

    @Override
    public Date parse(String source, ParsePosition pos) {
        throw new UnsupportedOperationException("a log line's time is written, not read");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogTime;
    }

    @Override
    public int hashCode() {
        return LogTime.class.hashCode();
    }

    @Override
    public Object clone() {
        return new LogTime();
    }
}
