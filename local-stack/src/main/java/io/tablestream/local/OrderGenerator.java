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
 * Writes one demo change per {@link #step()}: two in three insert a new order for a random customer, the rest move
 * a random existing order to its next status. Every write sets {@code updated_at}, which the source polls on.
 * Amounts never change, so a test can compare them with the sink table at any time.
 */
final class OrderGenerator implements AutoCloseable {

    static final List<String> STATUSES = List.of("new", "paid", "shipped", "delivered");

    private static final Logger log = LoggerFactory.getLogger(OrderGenerator.class);

    interface ConnectionSource {
        Connection open() throws SQLException;
    }

    private final ConnectionSource connections;
    private final AtomicLong operations = new AtomicLong();
    private Connection connection;
    private int customers;
    private long maxOrderId;

    OrderGenerator(ConnectionSource connections) {
        this.connections = connections;
    }

    /** Called by one thread at a time (a scheduler). A failed write is logged and the connection reopened next time. */
    void step() {
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
            if (maxOrderId == 0 || random.nextInt(3) < 2) {
                try (PreparedStatement ps = connection.prepareStatement(
                        "INSERT INTO orders (customer_id, amount, status, updated_at) VALUES (?, ?, 'new', clock_timestamp()) RETURNING id")) {
                    ps.setInt(1, 1 + random.nextInt(customers));
                    ps.setBigDecimal(2, BigDecimal.valueOf(random.nextInt(100, 100_000)).movePointLeft(2).setScale(2, RoundingMode.UNNECESSARY));
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        maxOrderId = rs.getLong(1);
                    }
                }
            } else {
                try (PreparedStatement ps = connection.prepareStatement("""
                        UPDATE orders SET updated_at = clock_timestamp(),
                          status = CASE status WHEN 'new' THEN 'paid' WHEN 'paid' THEN 'shipped' ELSE 'delivered' END
                        WHERE id = ?""")) {
                    ps.setLong(1, 1 + random.nextLong(maxOrderId));
                    ps.executeUpdate();
                }
            }
            operations.incrementAndGet();
        } catch (SQLException e) {
            log.warn("Demo write failed, retrying with a new connection: {}", e.getMessage());
            close();
        }
    }

    long operations() {
        return operations.get();
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
