package io.tablestream.e2e.cdc;

import io.tablestream.testkit.Pause;
import org.jdbi.v3.core.Jdbi;

import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The writes a snapshot test runs beside the snapshot, on a table {@code items (id int PRIMARY KEY, v text, n int)}
 * holding ids 1..rows: inserts above those ids, updates and deletes anywhere, one statement per transaction, in a
 * fixed (seeded) order until {@code stop} is set.
 */
final class ConcurrentItemWrites {

    private ConcurrentItemWrites() {
    }

    static void run(Jdbi db, int rows, AtomicBoolean stop, AtomicInteger operations) {
        run(db, rows + 1, 17, stop, operations);
    }

    /** As {@link #run(Jdbi, int, AtomicBoolean, AtomicInteger)}, inserting from {@code firstNewId} on, in the order of {@code seed}. */
    static void run(Jdbi db, int firstNewId, long seed, AtomicBoolean stop, AtomicInteger operations) {
        Random random = new Random(seed);
        int nextId = firstNewId;
        while (!stop.get()) {
            int id = 1 + random.nextInt(nextId - 1);
            int kind = random.nextInt(10);
            int newId = nextId;
            if (kind < 3) {
                db.useHandle(h -> h.execute("INSERT INTO items VALUES (?, 'new' || ?, 0)", newId, newId));
                nextId++;
            } else if (kind < 8) {
                db.useHandle(h -> h.execute("UPDATE items SET v = v || '+', n = n + 1 WHERE id = ?", id));
            } else {
                db.useHandle(h -> h.execute("DELETE FROM items WHERE id = ?", id));
            }
            operations.incrementAndGet();
            Pause.millis(2);
        }
    }
}
