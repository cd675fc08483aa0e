package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TableNameFormatTest {

    @Test
    void replacesTheTopic() {
        assertEquals(new TableId("public", "orders"), new TableNameFormat("${topic}").tableFor("orders"));
        assertEquals(new TableId("sales", "kafka_orders"), new TableNameFormat("sales.kafka_${topic}").tableFor("orders"));
    }

    @Test
    void aQuotedFormatKeepsTheDotsOfTopicNames() {
        assertEquals(new TableId("public", "shop.orders"), new TableNameFormat("\"${topic}\"").tableFor("shop.orders"));
        assertEquals(new TableId("shop", "orders"), new TableNameFormat("${topic}").tableFor("shop.orders"));
    }

    @Test
    void anUnusableNameNamesTheSetting() {
        ConnectException e = assertThrows(ConnectException.class,
                () -> new TableNameFormat("${topic}_" + "x".repeat(60)).tableFor("orders"));
        assertTrue(e.getMessage().contains("table.name.format"), e.getMessage());
        assertTrue(e.getMessage().contains("'orders'"), e.getMessage());
    }
}
