package io.tablestream.benchmarks;

import com.sun.tools.attach.VirtualMachine;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * What a source task's producer did inside the forked Connect worker, read over the worker's local JMX (the JDK's
 * attach API starts it): requests and records sent, the producer's request latency, the CPU of the worker's threads
 * (the producer's network thread and the task thread by name), the worker's garbage collection and JIT compilation
 * time, and the CPU of the worker's, PostgreSQL's and this JVM's (the broker's) processes. Taken at the start and the
 * end of a phase, so the figures are the phase's own: the wall time per request against the request latency says
 * how much of a round trip the network thread spends outside the broker's answer, the CPU per record what a request
 * costs the machine.
 */
final class WorkerProducerMetrics implements AutoCloseable {

    private final JMXConnector connector;
    private final MBeanServerConnection server;
    private final ThreadMXBean threads;
    private final List<GarbageCollectorMXBean> collectors;
    private final CompilationMXBean compiler;

    private final long workerPid;
    private final long postmasterPid;

    WorkerProducerMetrics(long pid, long postmasterPid) {
        this.workerPid = pid;
        this.postmasterPid = postmasterPid;
        try {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            String address;
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
            connector = JMXConnectorFactory.connect(new JMXServiceURL(address));
            server = connector.getMBeanServerConnection();
            threads = ManagementFactory.newPlatformMXBeanProxy(server, ManagementFactory.THREAD_MXBEAN_NAME,
                    ThreadMXBean.class);
            collectors = ManagementFactory.getPlatformMXBeans(server, GarbageCollectorMXBean.class);
            compiler = ManagementFactory.newPlatformMXBeanProxy(server, ManagementFactory.COMPILATION_MXBEAN_NAME,
                    CompilationMXBean.class);
        } catch (IOException | com.sun.tools.attach.AttachNotSupportedException e) {
            throw new IllegalStateException("Cannot read the worker's JMX (pid " + pid + ")", e);
        }
    }

    /** The cumulative counters of one connector's task 0 at this moment. */
    Sample sample(String connectorName) {
        String clientId = "connector-producer-" + connectorName + "-0";
        try {
            ObjectName producer = new ObjectName("kafka.producer:type=producer-metrics,client-id=" + clientId);
            boolean exists = server.isRegistered(producer);
            double requests = exists ? number(producer, "request-total") : 0;
            double records = exists ? number(producer, "record-send-total") : 0;
            double latencyAvg = exists ? number(producer, "request-latency-avg") : Double.NaN;
            Map<Long, Long> threadCpu = new HashMap<>();
            Map<Long, String> threadNames = new HashMap<>();
            for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
                if (info != null) {
                    threadCpu.put(info.getThreadId(), Math.max(0, threads.getThreadCpuTime(info.getThreadId())));
                    threadNames.put(info.getThreadId(), info.getThreadName());
                }
            }
            long gcMs = 0;
            for (GarbageCollectorMXBean gc : collectors) {
                gcMs += Math.max(0, gc.getCollectionTime());
            }
            return new Sample(System.nanoTime(), requests, records, latencyAvg,
                    "kafka-producer-network-thread | " + clientId, "task-thread-" + connectorName + "-0", threadCpu,
                    threadNames, gcMs, compiler.getTotalCompilationTime(),
                    ManagementFactory.getCompilationMXBean().getTotalCompilationTime(), ProcessCpu.ticks(workerPid),
                    ProcessCpu.withReapedChildren(postmasterPid), ProcessCpu.ticks(ProcessHandle.current().pid()));
        } catch (IOException | javax.management.JMException e) {
            throw new IllegalStateException("Cannot read the producer metrics of " + clientId, e);
        }
    }

    private double number(ObjectName name, String attribute) throws IOException, javax.management.JMException {
        return ((Number) server.getAttribute(name, attribute)).doubleValue();
    }

    @Override
    public void close() {
        try {
            connector.close();
        } catch (IOException e) {
            // the worker's JMX went away with the worker: nothing left to release
        }
    }

    /** Cumulative counters (and the producer's windowed request latency) at one moment. */
    record Sample(long nanos, double requests, double records, double latencyAvgMs, String networkThread,
                  String taskThread, Map<Long, Long> threadCpuNanos, Map<Long, String> threadNames, long gcMs,
                  long workerJitMs, long benchmarkJitMs, long workerTicks, long postgresTicks, long benchmarkTicks) {

        /** The phase from {@code start} to this sample, as one line of the benchmark's output. */
        String since(Sample start) {
            double requestCount = requests - start.requests;
            double recordCount = records - start.records;
            double wallMs = (nanos - start.nanos) / 1e6;
            return String.format(Locale.ROOT, "%,.0f requests, %.1f records per request, %.3f ms wall time per request"
                            + " (producer's request-latency-avg %.3f ms at the end), network thread %.2f us CPU per"
                            + " record, task thread %.2f us, worker GC %,d ms of %,.0f ms", requestCount,
                    recordCount / requestCount, wallMs / requestCount, latencyAvgMs,
                    cpuSince(start, networkThread) / 1e3 / recordCount,
                    cpuSince(start, taskThread) / 1e3 / recordCount, gcMs - start.gcMs, wallMs)
                    + String.format(Locale.ROOT, "; CPU per record: worker %.1f us, PostgreSQL %.1f us, the"
                            + " benchmark's JVM (broker) %.1f us", micros(workerTicks - start.workerTicks, recordCount),
                    micros(postgresTicks - start.postgresTicks, recordCount),
                    micros(benchmarkTicks - start.benchmarkTicks, recordCount))
                    + String.format(Locale.ROOT, "; JIT compilation: worker %,d ms, the benchmark's JVM %,d ms",
                    workerJitMs - start.workerJitMs, benchmarkJitMs - start.benchmarkJitMs);
        }

        /** CPU since {@code start} of the thread now named {@code name} (Connect renames pool threads it reuses). */
        private long cpuSince(Sample start, String name) {
            long cpu = 0;
            for (Map.Entry<Long, String> thread : threadNames.entrySet()) {
                if (thread.getValue().equals(name)) {
                    cpu += threadCpuNanos.get(thread.getKey())
                            - start.threadCpuNanos.getOrDefault(thread.getKey(), 0L);
                }
            }
            return cpu;
        }

        /**
         * The worker's threads that used the most CPU since {@code start}, in us per record, by name (Connect renames
         * the pool threads it reuses, so a thread is followed by its id).
         */
        String busiestThreads(Sample start, int limit) {
            double recordCount = records - start.records;
            Map<String, Long> byName = new HashMap<>();
            threadCpuNanos.forEach((id, cpu) -> byName.merge(threadNames.get(id).replaceAll("[0-9]+$", "N"),
                    cpu - start.threadCpuNanos.getOrDefault(id, 0L), Long::sum));
            return byName.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(limit)
                    .map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue() / 1e3 / recordCount))
                    .collect(java.util.stream.Collectors.joining(", "));
        }

        private static double micros(long ticks, double records) {
            return ticks * ProcessCpu.SECONDS_PER_TICK * 1e6 / records;
        }
    }
}
