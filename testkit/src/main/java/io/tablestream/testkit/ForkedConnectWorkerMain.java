package io.tablestream.testkit;

import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.runtime.Connect;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Entry point of a worker started by {@link ConnectWorker#startForked}: {@code ForkedConnectWorkerMain worker.properties}.
 *
 * <p>Like {@code ConnectDistributed.main}, plus: the parent keeps this process's stdin open, and when it closes
 * (the parent JVM is gone, however it ended) this process halts, so no orphaned workers survive a test run.
 * SIGTERM is the clean stop: Connect's own stop runs to its end, and only then does the JVM exit. Left to the JVM, the
 * exit would run Connect's shutdown hook and Jetty's stop-at-shutdown hook (the REST server's) at the same time; when
 * Jetty's hook finds the server already stopping it destroys it under Connect's stop, which then waits for ever on
 * the REST server's thread pool (seen in thread dumps: {@code RestServer.stop} in {@code Server.join}), and neither
 * the tasks nor their offsets are stopped or committed. SIGKILL is the hard kill. SIGINT is ignored: a terminal's
 * Ctrl-C reaches every process of its process group, this one too, but the parent owns the stop order (it stops
 * what uses the worker first, then sends SIGTERM).
 */
public final class ForkedConnectWorkerMain {

    private static final int TERMINATED_BY_SIGTERM = 128 + 15;

    private ForkedConnectWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("Usage: ForkedConnectWorkerMain worker.properties");
            System.exit(1);
        }
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), sun.misc.SignalHandler.SIG_IGN);
        AtomicReference<Connect<?>> started = new AtomicReference<>();
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> {
            Connect<?> connect = started.get();
            if (connect != null) {
                connect.stop(); // on this signal's own thread; the exit's hooks then find everything stopped
            }
            System.exit(TERMINATED_BY_SIGTERM);
        });
        Thread parentWatch = new Thread(() -> {
            try {
                InputStream in = System.in;
                while (in.read() >= 0) {
                    // the parent never writes; just wait for EOF
                }
            } catch (IOException ignored) {
                // treat like EOF
            }
            System.err.println("Parent JVM gone (stdin closed): halting the forked Connect worker");
            Runtime.getRuntime().halt(3);
        }, "parent-watch");
        parentWatch.setDaemon(true);
        parentWatch.start();

        Map<String, String> props = Utils.propsToStringMap(Utils.loadProps(args[0]));
        Connect<?> connect;
        try {
            connect = new ConnectDistributed().startConnect(props);
            started.set(connect);
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(2);
            return;
        }
        connect.awaitStop();
    }
}
