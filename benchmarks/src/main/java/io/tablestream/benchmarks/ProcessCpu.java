package io.tablestream.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of a process from /proc, in clock ticks (1/100 s on Linux): steadier than wall-clock figures on a machine
 * other work shares. {@link #withReapedChildren} counts a PostgreSQL server: the postmaster, its live backends, and
 * the backends that exited (a connector's connections close when it is deleted).
 */
final class ProcessCpu {

    static final double SECONDS_PER_TICK = 0.01;

    private ProcessCpu() {
    }

    static long ticks(long pid) {
        String[] fields = statFields(pid);
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    static long withReapedChildren(long pid) {
        String[] fields = statFields(pid);
        long[] total = {ticks(pid) + Long.parseLong(fields[13]) + Long.parseLong(fields[14])};
        ProcessHandle.of(pid).ifPresent(p -> p.children().forEach(c -> total[0] += ticksIfAlive(c.pid())));
        return total[0];
    }

    private static long ticksIfAlive(long pid) {
        try {
            return ticks(pid);
        } catch (UncheckedIOException e) {
            return 0; // exited since it was listed; its time is in the parent's reaped children
        }
    }

    /** The fields of /proc/pid/stat after the command name, so index 11 is utime (field 14 of proc(5)). */
    private static String[] statFields(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
