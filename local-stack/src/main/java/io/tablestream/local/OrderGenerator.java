package io.tablestream.local;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes one demo change per {@link #step()}: half insert a new order for a random customer, three in ten move an
 * existing order to its next status, and (when the source sees deletes) two in ten delete an existing order. Every
 * write sets {@code updated_at}, which the polling source reads changes by. Amounts never change, so a test can
 * compare them with the sink table at any time. After {@code limit} changes (0 = never) it pauses: steps do nothing.
 */
final class OrderGenerator implements AutoCloseable {

    static final List<String> STATUSES = List.of("new", "paid", "shipped", "delivered");

    private static final Logger log = LoggerFactory.getLogger(OrderGenerator.class);
    /** The order at or after a random id: ids deleted earlier leave gaps, so an existing order is found this way. */
    private static final String EXISTING_ORDER = "(SELECT id FROM orders WHERE id >= ? ORDER BY id LIMIT 1)";

    interface ConnectionSource {
        Connection open() throws SQLException;
    }

    private final ConnectionSource connections;
    private final boolean deletes;
    private final long limit;
    private final AtomicLong inserted = new AtomicLong();
    private final AtomicLong updated = new AtomicLong();
    private final AtomicLong deleted = new AtomicLong();
    private Connection connection;
    private int customers;
    private long maxOrderId;

    OrderGenerator(ConnectionSource connections, boolean deletes, long limit) {
        this.connections = connections;
        this.deletes = deletes;
        this.limit = limit;
    }

    /** Called by one thread at a time (a scheduler). A failed write is logged and the connection reopened next time. */
    void step() {
        if (paused()) {
            return;
        }
        try {
            if (connection == null) {
                connection = connections.open();
                try (Statement s = connection.createStatement();
                     ResultSet rs = s.executeQuery("SELECT (SELECT max(id) FROM customers), coalesce((SELECT max(id) FROM orders), 0)")) {
                    rs.next();
                    customers = rs.getInt(1);
                    maxOrderId = rs.getLong(2);
                }
            }
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int dice = random.nextInt(10);
            if (maxOrderId == 0 || dice < 5) {
                try (PreparedStatement ps = connection.prepareStatement(
                        "INSERT INTO orders (customer_id, amount, status, updated_at) VALUES (?, ?, 'new', clock_timestamp()) RETURNING id")) {
                    ps.setInt(1, 1 + random.nextInt(customers));
                    ps.setBigDecimal(2, BigDecimal.valueOf(random.nextInt(100, 100_000)).movePointLeft(2).setScale(2, RoundingMode.UNNECESSARY));
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        maxOrderId = rs.getLong(1);
                    }
                }
                inserted.incrementAndGet();
            } else if (dice < 8 || !deletes) {
                try (PreparedStatement ps = connection.prepareStatement("""
                        UPDATE orders SET updated_at = clock_timestamp(),
                          status = CASE status WHEN 'new' THEN 'paid' WHEN 'paid' THEN 'shipped' ELSE 'delivered' END
                        WHERE id = """ + EXISTING_ORDER)) {
                    ps.setLong(1, 1 + random.nextLong(maxOrderId));
                    updated.addAndGet(ps.executeUpdate());
                }
            } else {
                try (PreparedStatement ps = connection.prepareStatement("DELETE FROM orders WHERE id = " + EXISTING_ORDER)) {
                    ps.setLong(1, 1 + random.nextLong(maxOrderId));
                    deleted.addAndGet(ps.executeUpdate());
                }
            }
        } catch (SQLException e) {
            log.warn("Demo write failed, retrying with a new connection: {}", e.getMessage());
            close();
        }
    }

    /** True once {@code limit} changes are written; the stack keeps running, so the sink catches up and stays still. */
    boolean paused() {
        return limit > 0 && operations() >= limit;
    }

    long inserted() {
        return inserted.get();
    }

    long updated() {
        return updated.get();
    }

    long deleted() {
        return deleted.get();
    }

    long operations() {
        return inserted.get() + updated.get() + deleted.get();
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                log.debug("Closing the demo connection failed", e);
            }
            connection = null;
        }
    }
}
