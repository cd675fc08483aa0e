package io.tablestream.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples the used heap of another JVM (the Connect worker) with the JDK's {@code jstat -gc} and keeps the peak.
 */
final class HeapSampler implements AutoCloseable {

    private final AtomicLong peakBytes = new AtomicLong(-1);
    private final Process jstat;
    private final Thread reader;

    HeapSampler(long pid, long intervalMs) {
        String jstatPath = Path.of(System.getProperty("java.home"), "bin", "jstat").toString();
        try {
            jstat = new ProcessBuilder(jstatPath, "-gc", Long.toString(pid), Long.toString(intervalMs))
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run jstat to sample the worker's heap", e);
        }
        reader = new Thread(this::read, "heap-sampler");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(jstat.getInputStream(), StandardCharsets.UTF_8))) {
            String[] header = null;
            for (String line; (line = in.readLine()) != null; ) {
                String[] cols = line.trim().split("\\s+");
                if (header == null || cols[0].equals("S0C")) {
                    header = cols;
                    continue;
                }
                peakBytes.accumulateAndGet(usedKb(header, cols) * 1024, Math::max);
            }
        } catch (IOException | RuntimeException e) {
            // the sampled JVM ended or jstat went away: the peak so far stands
        }
    }

    /**
     * The heap another JVM uses right after a full collection ({@code jcmd PID GC.run}, then {@code jstat -gc PID}),
     * in MB: what stays live, so a growing figure over a long run means a leak.
     */
    static long usedMbAfterGc(long pid) {
        Path bin = Path.of(System.getProperty("java.home"), "bin");
        try {
            Process gc = new ProcessBuilder(bin.resolve("jcmd").toString(), Long.toString(pid), "GC.run")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            gc.waitFor();
            Process jstat = new ProcessBuilder(bin.resolve("jstat").toString(), "-gc", Long.toString(pid))
                    .redirectErrorStream(true).start();
            List<String> lines = new String(jstat.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            jstat.waitFor();
            if (lines.size() < 2) {
                throw new IllegalStateException("jstat -gc " + pid + " answered " + lines);
            }
            return usedKb(lines.get(0).trim().split("\\s+"), lines.get(1).trim().split("\\s+")) / 1024;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run jcmd/jstat on the worker", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Survivor, eden and old space in use, in KB (jstat -gc columns S0U, S1U, EU, OU). */
    private static long usedKb(String[] header, String[] cols) {
        double used = 0;
        for (int i = 0; i < header.length && i < cols.length; i++) {
            if (header[i].equals("S0U") || header[i].equals("S1U") || header[i].equals("EU") || header[i].equals("OU")) {
                used += Double.parseDouble(cols[i]);
            }
        }
        return (long) used;
    }

    /** Peak used heap in MB, or -1 if nothing was sampled. */
    long peakMb() {
        long peak = peakBytes.get();
        return peak < 0 ? -1 : peak / (1024 * 1024);
    }

    @Override
    public void close() {
        jstat.destroy();
    }
}
