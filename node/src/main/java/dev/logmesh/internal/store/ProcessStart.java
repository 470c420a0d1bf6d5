package dev.logmesh.internal.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * When a process started, as the kernel counts it: field 22 of {@code /proc/PID/stat} ({@code starttime}, clock
 * ticks since boot; proc(5)). A node writes its own into its status file ({@code startTicks}) and {@code logmesh
 * status} compares it with the process that now has the file's pid, to tell the node from a later process of that
 * pid. Unlike {@link ProcessHandle.Info#startInstant()} it does not move when the wall clock is set: Linux makes that
 * instant from the boot time in {@code /proc/stat}, which is the wall clock minus the time since boot, so a node
 * running through a clock step of more than a second was taken for another process and its file for a dead node's
 * (clock41's finding). Any thread; never throws.
 */
public final class ProcessStart {
    private ProcessStart() {
    }

    /** The start of process {@code pid} in clock ticks since boot, or -1 where there is no {@code /proc} to say it. */
    public static long ticks(long pid) {
        return ticks(Path.of("/proc", Long.toString(pid), "stat"));
    }

    /** {@link #ticks(long)} from a {@code stat} file's text at {@code stat}. */
    static long ticks(Path stat) {
        try {
            return parse(Files.readString(stat, StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Field 22 of a {@code /proc/PID/stat} line, or -1 when the line has no such number. The command name (field 2)
     * is in parentheses and may itself hold spaces and parentheses: the fields are counted after its last {@code ')'}.
     */
    static long parse(String line) {
        int close = line.lastIndexOf(')');
        if (close < 0) {
            return -1;
        }
        // the fields after the name: field 3 (state) first, so field 22 is the 20th
        java.util.StringTokenizer f = new java.util.StringTokenizer(line.substring(close + 1), " ");
        String field = null;
        for (int i = 0; i < 20 && f.hasMoreTokens(); i++) {
            field = f.nextToken();
            if (i < 19) {
                field = null;
            }
        }
        return field != null && field.matches("[0-9]{1,18}") ? Long.parseLong(field) : -1;
    }
}
