package io.tablestream.jdbc;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ConnectionConfigTest {

    /** The driver takes a URL parameter over the same property: a user's own list keeps ours too. */
    @Test
    void aUsersOwnBinaryTransferDisableListKeepsTheTypesReadAsText() {
        assertEquals("jdbc:postgresql://h/db?ssl=true",
                ConnectionConfig.withTextTransferTypes("jdbc:postgresql://h/db?ssl=true"));
        assertEquals("jdbc:postgresql://h/db?binaryTransferDisable=UUID,POINT,BOX,OID_ARRAY,TIMETZ,NUMERIC&ssl=true",
                ConnectionConfig.withTextTransferTypes("jdbc:postgresql://h/db?binaryTransferDisable=UUID&ssl=true"));
        assertEquals("jdbc:postgresql://h/db?ssl=true&binaryTransferDisable=POINT,BOX,OID_ARRAY,TIMETZ,NUMERIC",
                ConnectionConfig.withTextTransferTypes("jdbc:postgresql://h/db?ssl=true&binaryTransferDisable="));
    }
}
