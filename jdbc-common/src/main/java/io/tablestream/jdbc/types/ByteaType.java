package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;

import java.io.ByteArrayOutputStream;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.Set;

/** bytea. */
final class ByteaType extends FixedSchemaType {

    ByteaType() {
        super(Set.of("bytea"), SchemaBuilder::bytes);
    }

    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        return rs.getBytes(index);
    }

    @Override
    public BinaryEncoder binaryEncoder(PgColumn column, Schema schema) {
        return schema.name() == null && schema.type() == Schema.Type.BYTES ? PgBinary::bytes : null;
    }

    /** Both of {@code bytea_output}'s forms: hex ({@code \x0aff}, the default) and escape ({@code a\012\\}). */
    @Override
    public Object readText(String text, PgColumn column) {
        if (text.startsWith("\\x")) {
            return HexFormat.of().parseHex(text, 2, text.length());
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\\') {
                bytes.write(c);
            } else if (text.charAt(i + 1) == '\\') {
                bytes.write('\\');
                i++;
            } else {
                bytes.write(Integer.parseInt(text.substring(i + 1, i + 4), 8));
                i += 3;
            }
        }
        return bytes.toByteArray();
    }
}
