package io.tablestream.testkit;

import org.apache.kafka.common.utils.Exit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps in-process Kafka and Connect from killing the test JVM.
 *
 * <p>Kafka code calls {@link Exit#exit} / {@link Exit#halt} on fatal errors: {@code AbstractConnectCli.startConnect}
 * when the worker fails to start, {@code DistributedHerder.run} when the herder thread dies, broker code on
 * fatal storage errors. By default those end the JVM, i.e. the Surefire/Failsafe fork, with no test report. Once
 * {@link #install()}ed, for the rest of the JVM's life they log and throw {@link ExitAttemptException} in the
 * calling thread instead.
 */
public final class ExitGuard {

    private static final Logger log = LoggerFactory.getLogger(ExitGuard.class);
    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    private ExitGuard() {
    }

    /** Idempotent. */
    public static void install() {
        if (INSTALLED.compareAndSet(false, true)) {
            Exit.setExitProcedure((statusCode, message) -> {
                ExitAttemptException e = new ExitAttemptException("Exit.exit", statusCode, message);
                log.error("Kafka code called Exit.exit({}); the test JVM keeps running", statusCode, e);
                throw e;
            });
            Exit.setHaltProcedure((statusCode, message) -> {
                ExitAttemptException e = new ExitAttemptException("Exit.halt", statusCode, message);
                log.error("Kafka code called Exit.halt({}); the test JVM keeps running", statusCode, e);
                throw e;
            });
        }
    }

    /** Thrown where Kafka code tried to end the JVM. */
    public static final class ExitAttemptException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int statusCode;

        ExitAttemptException(String what, int statusCode, String message) {
            super(what + "(" + statusCode + (message != null ? ", " + message : "") + ") intercepted by the testkit");
            this.statusCode = statusCode;
        }

        public int statusCode() {
            return statusCode;
        }
    }
}
