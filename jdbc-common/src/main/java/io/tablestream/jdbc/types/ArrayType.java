package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.errors.DataException;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One-dimensional arrays of a type a family reads (an array of any other type is its text output), as a Connect ARRAY of the element's schema (elements may be NULL).
 * Elements are read through the element type's own family, from the driver's row-per-element view of the array.
 */
record ArrayType(PgTypeCatalog catalog) implements PgType {

    /**
     * Why a multi-dimensional value is refused, and what to do: any array column can hold one (PostgreSQL does not
     * enforce the declared dimensions), but the column's Connect schema is an array of elements.
     */
    static final String MULTI_DIMENSIONAL = "a multi-dimensional array, and tablestream maps arrays of one"
            + " dimension only: store such values as jsonb or as one-dimensional arrays, or leave the column out of"
            + " the records (mode=cdc: a publication column list, PostgreSQL 15+; polling: mode=query)";

    @Override
    public Set<String> typeNames() {
        return Set.of(); // found by the element type (pg_type.typelem), not by name
    }

    @Override
    public SchemaBuilder schema(PgColumn column) {
        return SchemaBuilder.array(elementReader(column).schema());
    }

    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        Array array = rs.getArray(index);
        if (array == null) {
            return null;
        }
        ColumnReader element = elementReader(column);
        List<Object> values = new ArrayList<>();
        try (ResultSet elements = array.getResultSet()) {
            boolean first = true;
            while (elements.next()) {
                // The driver gives a multi-dimensional array's rows as arrays: read as elements, they would be text.
                if (first && elements.getObject(2) instanceof Array) {
                    throw new DataException("Column " + column.name() + " holds " + MULTI_DIMENSIONAL);
                }
                first = false;
                values.add(element.read(elements, 2)); // column 1 is the element's index, column 2 its value
            }
        } finally {
            array.free();
        }
        return values;
    }

    private ColumnReader elementReader(PgColumn column) {
        return catalog.readerFor(column.element());
    }

    /** PostgreSQL's array literal, e.g. {@code {1,NULL,"b c"}}; each element is read by its type's own family. */
    @Override
    public Object readText(String text, PgColumn column) {
        ColumnReader element = elementReader(column);
        List<Object> values = new ArrayList<>();
        if (PgText.isMultiDimensional(text)) {
            throw new DataException(MULTI_DIMENSIONAL);
        }
        for (String elementText : PgText.arrayElements(text)) {
            values.add(element.readText(elementText));
        }
        return values;
    }
}
