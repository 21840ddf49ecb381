package mysql

import (
	"strings"

	"github.com/mydba/mydba/internal/dba"
)

// The explorer's SQL. Every statement is tagged, takes values as ?
// parameters, and quotes identifiers with backtick. Choices that differ by
// flavour or version are pure functions of dba.Server, tested per version.
//
// Two facts about MariaDB's information_schema shape these queries (see
// docs/explorer.md for the measurements):
//
//   - A query on information_schema.TABLES (COLUMNS, STATISTICS, ...)
//     with TABLE_SCHEMA = ? AND TABLE_NAME = ? opens just that table. Other
//     conditions on the name (>, LIKE, IN) are checked on the name before
//     the table is opened, but an ORDER BY ... LIMIT is not: asking for
//     DATA_LENGTH of "the first 50 tables after X" opens every table after
//     X (1.9 s for 10,000 tables).
//   - Selecting only TABLE_SCHEMA and TABLE_NAME opens nothing (a directory
//     listing, ~25 ms for 10,000 tables); TABLE_TYPE or ENGINE read every
//     table's .frm (~250 ms for 10,000).
//
// So listings take two steps: a page of names (names only, filtered,
// ordered and limited on the server), then the details of just those names
// (TABLE_NAME IN (...)). MySQL 8's information_schema is a view over the
// data dictionary and is fast either way; the same two steps serve it.

const explorerTag = "/* mydba:explorer */ "

// backtick quotes an identifier for SQL: the only quoting that is safe for
// any name, with backticks doubled. Never used for values.
func backtick(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// likeEscape is the LIKE escape character the explorer uses. '!' rather
// than '\', whose meaning in a literal changes with NO_BACKSLASH_ESCAPES.
const likeEscape = "!"

// likeContains turns user text into a LIKE pattern matching names that
// contain it, with %, _ and the escape character matching themselves.
func likeContains(filter string) string {
	r := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")
	return "%" + r.Replace(filter) + "%"
}

// nameFilter adds the keyset and substring conditions on a name column
// (an expression of our own, never user text). Names compare as bytes, so
// "Orders" and "orders" are distinct keys and paging never skips one.
func nameFilter(col, filter, after string, where []string, args []any) ([]string, []any) {
	if after != "" {
		where = append(where, "CAST("+col+" AS BINARY) > CAST(? AS BINARY)")
		args = append(args, after)
	}
	if filter != "" {
		// In utf8mb4: the catalog's utf8mb3 columns cannot be compared
		// with text holding an emoji ("Illegal mix of collations").
		where = append(where, "LOWER(CONVERT("+col+" USING utf8mb4)) LIKE LOWER(?) ESCAPE '"+likeEscape+"'")
		args = append(args, likeContains(filter))
	}
	return where, args
}

// placeholders returns "?,?,?" for n values.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func stringArgs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// schemaNamesSQL is step one of `schemas`: a page of names.
func schemaNamesSQL(q dba.SchemaQuery) (string, []any) {
	where, args := nameFilter("SCHEMA_NAME", q.Filter, q.After, nil, nil)
	sql := explorerTag + "SELECT SCHEMA_NAME AS name, DEFAULT_CHARACTER_SET_NAME AS charset, DEFAULT_COLLATION_NAME AS collation FROM information_schema.SCHEMATA"
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY CAST(SCHEMA_NAME AS BINARY) LIMIT ?"
	return sql, append(args, q.Limit+1)
}

// tableTypes are the TABLE_TYPE values a --type filter selects.
func tableTypes(t dba.TableType) []string {
	switch t {
	case dba.TableTypeTable:
		return []string{"BASE TABLE", "SYSTEM VERSIONED"}
	case dba.TableTypeView:
		return []string{"VIEW", "SYSTEM VIEW"}
	case dba.TableTypeSequence:
		return []string{"SEQUENCE"}
	}
	return nil
}

// tableNamesSQL is step one of `tables`: a page of names, read without
// opening any table. (A type filter is applied afterwards, see
// typedTableNames.)
func tableNamesSQL(q dba.TableQuery) (string, []any) {
	where, args := []string{"TABLE_SCHEMA = ?"}, []any{q.Schema}
	where, args = nameFilter("TABLE_NAME", q.Filter, q.After, where, args)
	sql := explorerTag + "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE " + strings.Join(where, " AND ") +
		" ORDER BY CAST(TABLE_NAME AS BINARY) LIMIT ?"
	return sql, append(args, q.Limit+1)
}

// typedNamesSQL lists up to n names of q.Type after a cursor. MariaDB
// checks the name conditions before reading each .frm for its type.
func typedNamesSQL(q dba.TableQuery, after string, n int) (string, []any) {
	where, args := []string{"TABLE_SCHEMA = ?"}, []any{q.Schema}
	where, args = nameFilter("TABLE_NAME", q.Filter, after, where, args)
	types := tableTypes(q.Type)
	where = append(where, "TABLE_TYPE IN ("+placeholders(len(types))+")")
	args = append(args, stringArgs(types)...)
	return explorerTag + "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE " + strings.Join(where, " AND ") +
		" ORDER BY CAST(TABLE_NAME AS BINARY) LIMIT ?", append(args, n)
}

// tableTypesSQL reads the types of the named tables only.
func tableTypesSQL(schema string, names []string) (string, []any) {
	return explorerTag + "SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND " + nameIn("TABLE_NAME", len(names)),
		append([]any{schema}, stringArgs(names)...)
}

// tableInfoColumns is what `tables` and `describe` show of a table.
const tableInfoColumns = "TABLE_NAME AS name, TABLE_TYPE AS type, ENGINE AS engine, ROW_FORMAT AS row_format, TABLE_ROWS AS table_rows, " +
	"DATA_LENGTH AS data_length, INDEX_LENGTH AS index_length, TABLE_COLLATION AS collation, " +
	"CAST(CREATE_TIME AS CHAR) AS created, CAST(UPDATE_TIME AS CHAR) AS updated, TABLE_COMMENT AS comment"

// tableInfoSQL is step two: the details of the named tables only. One name
// is looked up with =, which MariaDB answers by opening that table's file
// directly; several with a byte-wise IN (the catalog's collation is
// case-insensitive, and MariaDB then drops "alpha" from IN ('Alpha',
// 'alpha') although both tables exist).
func tableInfoSQL(schema string, names []string) (string, []any) {
	return explorerTag + "SELECT " + tableInfoColumns + " FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND " + nameIn("TABLE_NAME", len(names)),
		append([]any{schema}, stringArgs(names)...)
}

// nameIn matches a name column against n names, byte for byte.
func nameIn(col string, n int) string {
	if n == 1 {
		return col + " = ?"
	}
	return "CAST(" + col + " AS BINARY) IN (" + placeholders(n) + ")"
}

// columnsSQL reads a table's columns. GENERATION_EXPRESSION exists on every
// supported server (MySQL 5.7+, MariaDB 10.2+).
const columnsSQL = explorerTag + "SELECT COLUMN_NAME AS name, ORDINAL_POSITION AS position, COLUMN_DEFAULT AS column_default, IS_NULLABLE AS nullable, " +
	"DATA_TYPE AS data_type, COLUMN_TYPE AS column_type, CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation, EXTRA AS extra, " +
	"COLUMN_COMMENT AS comment, GENERATION_EXPRESSION AS generation_expression " +
	"FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION"

// indexesSQL reads a table's key parts. Index visibility is IS_VISIBLE on
// MySQL 8.0+ and IGNORED on MariaDB 10.6+ (inverted); older servers have
// neither. Functional key parts (EXPRESSION) exist from MySQL 8.0.13.
func indexesSQL(s dba.Server) string {
	visible := "'YES'"
	expr := "NULL"
	switch {
	case s.IsMariaDB() && s.Version.AtLeast(10, 6):
		visible = "IF(IGNORED = 'YES', 'NO', 'YES')"
	case !s.IsMariaDB() && s.Version.AtLeast(8, 0):
		visible = "IS_VISIBLE"
	}
	if !s.IsMariaDB() && s.Version.AtLeast(8, 0, 13) {
		expr = "EXPRESSION"
	}
	return explorerTag + "SELECT INDEX_NAME AS index_name, NON_UNIQUE AS non_unique, SEQ_IN_INDEX AS seq, COLUMN_NAME AS column_name, " +
		"SUB_PART AS sub_part, COLLATION AS collation, CARDINALITY AS cardinality, NULLABLE AS nullable, INDEX_TYPE AS index_type, " +
		"INDEX_COMMENT AS comment, " + visible + " AS visible, " + expr + " AS expression " +
		"FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? " +
		"ORDER BY INDEX_NAME = 'PRIMARY' DESC, NON_UNIQUE, INDEX_NAME, SEQ_IN_INDEX"
}

// Foreign keys come from two information_schema tables read separately and
// joined in Go: MariaDB answers each one by opening a single table when it
// is looked up by schema and table name, but not a join of the two (9 s on
// the sandbox with a 10,000-table schema, against under 1 ms apart).

// fkColumnsSQL reads the key columns of a table's own constraints.
const fkColumnsSQL = explorerTag + "SELECT CONSTRAINT_NAME AS name, COLUMN_NAME AS column_name, REFERENCED_TABLE_SCHEMA AS ref_schema, " +
	"REFERENCED_TABLE_NAME AS ref_table, REFERENCED_COLUMN_NAME AS ref_column FROM information_schema.KEY_COLUMN_USAGE " +
	"WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION"

// fkRulesSQL reads the ON UPDATE / ON DELETE rules of a table's own
// constraints.
const fkRulesSQL = explorerTag + "SELECT CONSTRAINT_NAME AS name, UPDATE_RULE AS on_update, DELETE_RULE AS on_delete " +
	"FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?"

// Where incoming foreign keys come from.
type refSource int

const (
	// refFromInfoSchema filters information_schema by the referenced
	// table, then reads each referencing table's key columns. MySQL 8's
	// data dictionary indexes the first step; MariaDB must open every table
	// of every schema to answer it, so there it is the fallback only.
	refFromInfoSchema refSource = iota
	// refFromInnoDBDict reads InnoDB's own foreign key dictionary
	// (MariaDB; needs PROCESS): one small in-memory scan. Its names are in
	// the server's filename encoding ("db/t@0020x"); the server decodes them
	// with CONVERT(... USING filename).
	refFromInnoDBDict
)

// referencedBySQL picks where to read the foreign keys pointing at a table.
func referencedBySQL(s dba.Server, src refSource) string {
	if s.IsMariaDB() && src == refFromInnoDBDict {
		decode := func(expr string) string {
			return "CONVERT(CONVERT(CAST(" + expr + " AS BINARY) USING filename) USING utf8mb4)"
		}
		return explorerTag + "SELECT SUBSTRING(f.ID, LOCATE('/', f.ID) + 1) AS name, " +
			decode("SUBSTRING_INDEX(f.FOR_NAME, '/', 1)") + " AS child_schema, " +
			decode("SUBSTRING(f.FOR_NAME, LOCATE('/', f.FOR_NAME) + 1)") + " AS child_table, " +
			"c.FOR_COL_NAME AS column_name, c.REF_COL_NAME AS ref_column, f.TYPE AS flags " +
			"FROM information_schema.INNODB_SYS_FOREIGN f JOIN information_schema.INNODB_SYS_FOREIGN_COLS c ON c.ID = f.ID " +
			// Concatenated as bytes: a '/' in the filename charset would
			// itself be encoded (@002f).
			"WHERE CAST(f.REF_NAME AS BINARY) = CONCAT(CAST(CONVERT(? USING filename) AS BINARY), '/', CAST(CONVERT(? USING filename) AS BINARY)) " +
			"ORDER BY child_schema, child_table, name, c.POS"
	}
	return explorerTag + "SELECT CONSTRAINT_SCHEMA AS child_schema, TABLE_NAME AS child_table, CONSTRAINT_NAME AS name, " +
		"UPDATE_RULE AS on_update, DELETE_RULE AS on_delete FROM information_schema.REFERENTIAL_CONSTRAINTS " +
		"WHERE UNIQUE_CONSTRAINT_SCHEMA = ? AND REFERENCED_TABLE_NAME = ? ORDER BY CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME"
}

// referencingColumnsSQL reads the key columns of one referencing table's
// constraints that point at the referenced table.
const referencingColumnsSQL = explorerTag + "SELECT CONSTRAINT_NAME AS name, COLUMN_NAME AS column_name, REFERENCED_COLUMN_NAME AS ref_column " +
	"FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND REFERENCED_TABLE_SCHEMA = ? AND REFERENCED_TABLE_NAME = ? " +
	"ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION"

// triggerColumns is what listings show of a trigger.
const triggerColumns = "TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS table_name, ACTION_TIMING AS timing, EVENT_MANIPULATION AS event, " +
	"ACTION_ORDER AS action_order, DEFINER AS definer, CAST(CREATED AS CHAR) AS created"

// tableTriggersSQL reads one table's triggers; MariaDB looks them up by
// EVENT_OBJECT_SCHEMA and EVENT_OBJECT_TABLE without scanning the schema.
const tableTriggersSQL = explorerTag + "SELECT " + triggerColumns + " FROM information_schema.TRIGGERS " +
	"WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ? ORDER BY ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER, TRIGGER_NAME"

// objectsSQL lists a page of views, routines, triggers or events. Views
// are found by name first (tableNamesSQL with TABLE_TYPE), then detailed
// here by name.
func objectsSQL(q dba.ObjectQuery) (string, []any) {
	var cols, from, nameCol, order string
	where, args := []string{}, []any{}
	switch q.Kind {
	case dba.KindRoutine:
		cols = "ROUTINE_NAME AS name, ROUTINE_TYPE AS kind, DTD_IDENTIFIER AS return_type, IS_DETERMINISTIC AS is_deterministic, SECURITY_TYPE AS security, " +
			"DEFINER AS definer, CAST(CREATED AS CHAR) AS created, CAST(LAST_ALTERED AS CHAR) AS modified, ROUTINE_COMMENT AS comment"
		from, nameCol = "information_schema.ROUTINES", "ROUTINE_NAME"
		where, args = append(where, "ROUTINE_SCHEMA = ?"), append(args, q.Schema)
		order = "CAST(ROUTINE_NAME AS BINARY), ROUTINE_TYPE"
	case dba.KindTrigger:
		cols = triggerColumns
		from, nameCol = "information_schema.TRIGGERS", "TRIGGER_NAME"
		where, args = append(where, "EVENT_OBJECT_SCHEMA = ?"), append(args, q.Schema)
		order = "CAST(TRIGGER_NAME AS BINARY)"
	case dba.KindEvent:
		cols = "EVENT_NAME AS name, EVENT_TYPE AS event_type, EXECUTE_AT AS execute_at, INTERVAL_VALUE AS interval_value, INTERVAL_FIELD AS interval_field, " +
			"STATUS AS status, DEFINER AS definer, CAST(CREATED AS CHAR) AS created, CAST(LAST_ALTERED AS CHAR) AS modified, EVENT_COMMENT AS comment"
		from, nameCol = "information_schema.EVENTS", "EVENT_NAME"
		where, args = append(where, "EVENT_SCHEMA = ?"), append(args, q.Schema)
		order = "CAST(EVENT_NAME AS BINARY)"
	default:
		return "", nil
	}
	where, args = nameFilter(nameCol, q.Filter, q.After, where, args)
	// Four extra rows: a routine name can belong to a procedure, a function,
	// a package and a package body (MariaDB), and a page never splits a name.
	sql := explorerTag + "SELECT " + cols + " FROM " + from + " WHERE " + strings.Join(where, " AND ") + " ORDER BY " + order + " LIMIT ?"
	return sql, append(args, q.Limit+4)
}

// viewsSQL details the named views.
func viewsSQL(schema string, names []string) (string, []any) {
	sql := explorerTag + "SELECT TABLE_NAME AS name, IS_UPDATABLE AS updatable, CHECK_OPTION AS check_option, SECURITY_TYPE AS security, DEFINER AS definer " +
		"FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? AND " + nameIn("TABLE_NAME", len(names))
	return sql, append([]any{schema}, stringArgs(names)...)
}

// showCreateSQL is the SHOW CREATE statement for one object.
func showCreateSQL(kind dba.ObjectKind, q dba.QualifiedName) string {
	what := map[dba.ObjectKind]string{
		dba.KindTable: "TABLE", dba.KindView: "VIEW", dba.KindProcedure: "PROCEDURE",
		dba.KindFunction: "FUNCTION", dba.KindTrigger: "TRIGGER", dba.KindEvent: "EVENT",
	}[kind]
	if what == "" {
		return ""
	}
	return explorerTag + "SHOW CREATE " + what + " " + backtick(q.Schema) + "." + backtick(q.Name)
}

// innodbStatsSQL reads persistent InnoDB statistics for whole schemas: the
// same page counts information_schema.TABLES reports as DATA_LENGTH and
// INDEX_LENGTH, without opening a table. A table without a row here
// (another engine, STATS_PERSISTENT=0, a view) is sized from
// information_schema by name.
func innodbStatsSQL(schemas []string) (string, []any) {
	return explorerTag + "SELECT database_name AS schema_name, table_name AS name, clustered_index_size * @@innodb_page_size AS data_bytes, " +
		"sum_of_other_index_sizes * @@innodb_page_size AS index_bytes FROM mysql.innodb_table_stats WHERE database_name IN (" + placeholders(len(schemas)) + ")", stringArgs(schemas)
}

// schemaTableNamesSQL lists every table name of some schemas; names only,
// so nothing is opened.
func schemaTableNamesSQL(schemas []string) (string, []any) {
	return explorerTag + "SELECT TABLE_SCHEMA AS schema_name, TABLE_NAME AS name FROM information_schema.TABLES WHERE " + nameIn("TABLE_SCHEMA", len(schemas)), stringArgs(schemas)
}

// tableSizesSQL sizes the named tables of one schema from
// information_schema (opening each).
func tableSizesSQL(schema string, names []string) (string, []any) {
	return explorerTag + "SELECT TABLE_NAME AS name, TABLE_TYPE AS type, DATA_LENGTH AS data_bytes, INDEX_LENGTH AS index_bytes FROM information_schema.TABLES " +
		"WHERE TABLE_SCHEMA = ? AND " + nameIn("TABLE_NAME", len(names)), append([]any{schema}, stringArgs(names)...)
}

// schemaExistsSQL and the name lookups serve "not found" errors.
const schemaExistsSQL = explorerTag + "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?"

// suggestSQL finds names close to a missing one on the server: the same
// length give or take a third, or containing it. Names only, capped, so a
// 10,000-table schema costs one directory listing.
func suggestSQL(kind dba.ObjectKind, schema string, missing string) (string, []any) {
	var col, from, schemaCol string
	switch kind {
	case "schema":
		col, from = "SCHEMA_NAME", "information_schema.SCHEMATA"
	case dba.KindTable, dba.KindView:
		col, from, schemaCol = "TABLE_NAME", "information_schema.TABLES", "TABLE_SCHEMA"
	case dba.KindProcedure, dba.KindFunction, dba.KindRoutine:
		col, from, schemaCol = "ROUTINE_NAME", "information_schema.ROUTINES", "ROUTINE_SCHEMA"
	case dba.KindTrigger:
		col, from, schemaCol = "TRIGGER_NAME", "information_schema.TRIGGERS", "EVENT_OBJECT_SCHEMA"
	case dba.KindEvent:
		col, from, schemaCol = "EVENT_NAME", "information_schema.EVENTS", "EVENT_SCHEMA"
	default:
		return "", nil
	}
	n := len([]rune(missing))
	slack := max(2, n/3)
	where, args := []string{}, []any{}
	if schemaCol != "" {
		where, args = append(where, schemaCol+" = ?"), append(args, schema)
	}
	where = append(where, "(CHAR_LENGTH("+col+") BETWEEN ? AND ? OR LOWER(CONVERT("+col+" USING utf8mb4)) LIKE LOWER(?) ESCAPE '"+likeEscape+"')")
	args = append(args, max(1, n-slack), n+slack, likeContains(missing))
	return explorerTag + "SELECT DISTINCT " + col + " AS name FROM " + from + " WHERE " + strings.Join(where, " AND ") + " LIMIT 20000", args
}
