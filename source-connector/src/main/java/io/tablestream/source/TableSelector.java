package io.tablestream.source;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.jdbi.v3.core.Handle;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * Which tables the connector captures: include and exclude entries, each a plain name (exact, as
 * {@link TableId#parse} reads it) or a regular expression matched against {@code schema.table} and, for tables in
 * {@code public}, the bare name; restricted to schemas matching {@code schema.pattern} and to {@code table.types}.
 */
public final class TableSelector {

    /** Plain names need no regex: letters, digits, _, $ and one schema dot (a dot would otherwise match any character). */
    private static final Pattern PLAIN_NAME = Pattern.compile("[\\p{L}\\p{N}_$]+(\\.[\\p{L}\\p{N}_$]+)?");

    private static final char TABLE = 'r';
    private static final char PARTITIONED = 'p';
    static final Map<String, Character> RELKINDS = Map.of(
            "TABLE", TABLE, "VIEW", 'v', "MATERIALIZED VIEW", 'm', "PARTITIONED TABLE", PARTITIONED);

    private final List<String> include;
    private final List<Predicate<TableId>> includeMatchers;
    private final List<Predicate<TableId>> excludeMatchers;
    private final String schemaPattern;
    private final Set<Character> relkinds;

    public TableSelector(List<String> include, List<String> exclude, String schemaPattern, List<String> tableTypes) {
        this(List.copyOf(include), include.stream().map(TableSelector::matcher).toList(),
                exclude.stream().map(TableSelector::matcher).toList(), schemaPattern == null ? "" : schemaPattern.trim(),
                tableTypes.stream().map(t -> RELKINDS.get(normalType(t))).collect(Collectors.toSet()));
    }

    private TableSelector(List<String> include, List<Predicate<TableId>> includeMatchers,
                          List<Predicate<TableId>> excludeMatchers, String schemaPattern, Set<Character> relkinds) {
        this.include = include;
        this.includeMatchers = includeMatchers;
        this.excludeMatchers = excludeMatchers;
        this.schemaPattern = schemaPattern;
        this.relkinds = Set.copyOf(relkinds);
    }

    /**
     * The same selection, where a partitioned table counts as a TABLE (its rows live in its partitions): for a
     * reader that reads a partitioned table through its root.
     */
    public TableSelector withPartitionedAsTables() {
        if (!relkinds.contains(TABLE)) {
            return this;
        }
        Set<Character> kinds = new java.util.HashSet<>(relkinds);
        kinds.add(PARTITIONED);
        return new TableSelector(include, includeMatchers, excludeMatchers, schemaPattern, kinds);
    }

    private static String normalType(String type) {
        return type.trim().toUpperCase(Locale.ROOT).replaceAll("\\s+", " ");
    }

    static boolean isPlainName(String entry) {
        return entry.startsWith("\"") || PLAIN_NAME.matcher(entry).matches();
    }

    private static Predicate<TableId> matcher(String entry) {
        if (isPlainName(entry)) {
            TableId exact = TableId.parse(entry);
            return exact::equals;
        }
        Pattern regex = Pattern.compile(entry);
        return table -> regex.matcher(table.toString()).matches()
                || (TableId.DEFAULT_SCHEMA.equals(table.schema()) && regex.matcher(table.table()).matches());
    }

    /** Whether the lists select this table (schema pattern and types are applied by the catalog query). */
    public boolean matches(TableId table) {
        boolean included = includeMatchers.isEmpty() || includeMatchers.stream().anyMatch(m -> m.test(table));
        return included && excludeMatchers.stream().noneMatch(m -> m.test(table));
    }

    /**
     * The schemas the selection takes, as a condition on {@code n.nspname}: never a system schema, and those
     * schema.pattern (a LIKE pattern, bound twice) matches. The one implementation of it, for the catalog's
     * relations and for a name the WAL gives.
     */
    private static final String SCHEMA_SELECTED = "n.nspname NOT IN ('pg_catalog', 'information_schema')"
            + " AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
            + " AND (? = '' OR n.nspname LIKE ?)";

    /**
     * Whether the selection takes a table by its name alone, as a change in the WAL names it (the table may have
     * been renamed or dropped since): the lists and schema.pattern, without the catalog's types and privileges.
     */
    public boolean selectsName(Handle handle, TableId table) {
        return matches(table) && handle.createQuery("SELECT count(*) > 0 FROM (SELECT CAST(? AS text) AS nspname) n"
                        + " WHERE " + SCHEMA_SELECTED)
                .bind(0, table.schema()).bind(1, schemaPattern).bind(2, schemaPattern).mapTo(Boolean.class).one();
    }

    /** The include entries that name one table exactly (a missing one is a user error worth reporting). */
    public List<TableId> namedTables() {
        return include.stream().filter(TableSelector::isPlainName).map(TableId::parse).toList();
    }

    /**
     * The selected tables the connector's user can read, sorted by schema and name, each with its oid (a table
     * dropped and re-created under the same name is another table). A partition of a selected partitioned table
     * (at any depth) is left out: reading that table reads its rows.
     */
    public Map<TableId, Long> select(Handle handle) {
        List<Relation> selected = relations(handle).stream().filter(r -> matches(r.table())).toList();
        Set<Long> oids = selected.stream().map(Relation::oid).collect(Collectors.toSet());
        Map<TableId, Long> tables = new java.util.LinkedHashMap<>();
        selected.stream().filter(r -> r.ancestors().stream().noneMatch(oids::contains))
                .forEach(r -> tables.put(r.table(), r.oid()));
        return tables;
    }

    /** Every readable relation of the configured schemas and types, before the include/exclude lists. */
    public List<TableId> candidates(Handle handle) {
        return relations(handle).stream().map(Relation::table).toList();
    }

    /** A relation, its oid and, for a partition, the oids of the partitioned tables above it. */
    private record Relation(TableId table, long oid, List<Long> ancestors) {
    }

    private List<Relation> relations(Handle handle) {
        String kinds = relkinds.stream().map(k -> "'" + k + "'").sorted().collect(Collectors.joining(", "));
        String sql = "SELECT n.nspname, c.relname, c.oid::bigint, CASE WHEN c.relispartition THEN ARRAY("
                + "SELECT a.relid::oid::bigint FROM pg_partition_ancestors(c.oid) a WHERE a.relid <> c.oid)"
                + " ELSE '{}'::bigint[] END"
                + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE c.relkind IN (" + kinds + ")"
                + " AND " + SCHEMA_SELECTED
                + " AND has_table_privilege(c.oid, 'SELECT') ORDER BY 1, 2";
        return handle.createQuery(sql).bind(0, schemaPattern).bind(1, schemaPattern)
                .map((rs, ctx) -> new Relation(new TableId(rs.getString(1), rs.getString(2)), rs.getLong(3),
                        List.of((Long[]) rs.getArray(4).getArray())))
                .list();
    }

    /** Checks each list entry: a quoted or plain name, or a regular expression that compiles. */
    static final ConfigDef.Validator PATTERN_LIST_VALIDATOR = new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
            for (Object item : (List<?>) value) {
                String entry = item.toString().trim();
                if (entry.isEmpty() || isPlainName(entry)) {
                    continue;
                }
                try {
                    Pattern.compile(entry);
                } catch (PatternSyntaxException e) {
                    throw new ConfigException(name, value, "'" + entry + "' is neither a table name nor a valid regular"
                            + " expression (" + e.getDescription() + "); quote names with special characters, e.g. \"my table\"");
                }
            }
        }

        @Override
        public String toString() {
            return "comma-separated table names or regular expressions";
        }
    };

    static final ConfigDef.Validator TABLE_TYPES_VALIDATOR = new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
            List<?> types = (List<?>) value;
            if (types.isEmpty()) {
                throw new ConfigException(name, value, "List at least one of " + RELKINDS.keySet());
            }
            for (Object type : types) {
                if (!RELKINDS.containsKey(normalType(type.toString()))) {
                    throw new ConfigException(name, value, "Unknown table type '" + type + "'; use " + RELKINDS.keySet());
                }
            }
        }

        @Override
        public String toString() {
            return "TABLE, VIEW, MATERIALIZED VIEW, PARTITIONED TABLE";
        }
    };
}
