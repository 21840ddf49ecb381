package mysql

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/mydba/mydba/internal/dba"
)

// catalogRow is one result row of an explorer query, keyed by the column
// aliases the explorer's SQL gives (lower case), so decoding never depends
// on column order or on the server's spelling of information_schema names
// (MySQL 8 returns them upper case). A nil value is SQL NULL.
type catalogRow map[string]*string

func (r catalogRow) str(k string) string {
	if v := r[k]; v != nil {
		return *v
	}
	return ""
}

func (r catalogRow) int64p(k string) *int64 {
	v := r[k]
	if v == nil {
		return nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(*v), 10, 64)
	if err != nil {
		// Unsigned values past int64 do not occur in these columns; an
		// unparsable one is shown as unknown rather than as a wrong number.
		return nil
	}
	return &n
}

func (r catalogRow) int64v(k string) int64 {
	if p := r.int64p(k); p != nil {
		return *p
	}
	return 0
}

// readCatalog runs a query and returns every row keyed by lower-cased
// column name. Catalog results are small: a page, one table's columns.
func readCatalog(ctx context.Context, conn *sql.Conn, query string, args ...any) ([]catalogRow, error) {
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	for i, c := range cols {
		cols[i] = strings.ToLower(c)
	}
	raw := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	var out []catalogRow
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		r := make(catalogRow, len(cols))
		for i, c := range cols {
			if raw[i] != nil {
				s := string(raw[i])
				r[c] = &s
			} else {
				r[c] = nil
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// decodeTableInfo reads one information_schema.TABLES row.
func decodeTableInfo(r catalogRow) dba.TableInfo {
	t := dba.TableInfo{
		Name:       r.str("name"),
		Type:       dba.TableTypeOf(r.str("type")),
		Engine:     r.str("engine"),
		RowFormat:  r.str("row_format"),
		Rows:       r.int64p("table_rows"),
		DataBytes:  r.int64p("data_length"),
		IndexBytes: r.int64p("index_length"),
		Collation:  r.str("collation"),
		Created:    r.str("created"),
		Updated:    r.str("updated"),
		Comment:    r.str("comment"),
	}
	// Both servers put the word VIEW in a view's comment.
	if strings.HasPrefix(t.Type, "view") && t.Comment == "VIEW" {
		t.Comment = ""
	}
	return t
}

// columnExtra is what information_schema.COLUMNS.EXTRA says, as words
// both servers spell differently: MySQL "DEFAULT_GENERATED on update
// CURRENT_TIMESTAMP", MariaDB "on update current_timestamp()"; "VIRTUAL
// GENERATED", "STORED GENERATED" (MariaDB once "PERSISTENT GENERATED");
// "auto_increment"; "INVISIBLE".
type columnExtra struct {
	autoIncrement    bool
	generated        string
	defaultGenerated bool
	onUpdate         string
	invisible        bool
}

func parseColumnExtra(extra string) columnExtra {
	var e columnExtra
	words := strings.Fields(extra)
	for i := 0; i < len(words); i++ {
		w := strings.ToLower(words[i])
		switch {
		case w == "auto_increment":
			e.autoIncrement = true
		case w == "default_generated":
			e.defaultGenerated = true
		case w == "invisible":
			e.invisible = true
		case (w == "virtual" || w == "stored" || w == "persistent") && i+1 < len(words) && strings.EqualFold(words[i+1], "generated"):
			e.generated = "virtual"
			if w != "virtual" {
				e.generated = "stored"
			}
			i++
		case w == "on" && i+2 < len(words) && strings.EqualFold(words[i+1], "update"):
			e.onUpdate = words[i+2]
			i += 2
		}
	}
	return e
}

// quotedDefaults reports whether the server quotes literal defaults in
// information_schema.COLUMNS.COLUMN_DEFAULT (MariaDB 10.2.7+): there 'x' is
// a literal, NULL is DEFAULT NULL and SQL NULL is no default. MySQL prints
// literals bare and SQL NULL for both "no default" and "DEFAULT NULL".
func quotedDefaults(s dba.Server) bool {
	return s.IsMariaDB() && s.Version.AtLeast(10, 2, 7)
}

// parseColumnDefault reads COLUMN_DEFAULT into what the column's DEFAULT
// clause says; nil when it has none.
func parseColumnDefault(s dba.Server, raw *string, nullable bool, e columnExtra, dataType string) *dba.ColumnDefault {
	if e.generated != "" {
		return nil
	}
	if quotedDefaults(s) {
		if raw == nil {
			return nil
		}
		v := *raw
		switch {
		case v == "NULL":
			return &dba.ColumnDefault{Kind: dba.DefaultNull}
		case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
			return &dba.ColumnDefault{Kind: dba.DefaultLiteral, Value: unquoteSQLString(v[1 : len(v)-1])}
		case isNumberLiteral(v):
			return &dba.ColumnDefault{Kind: dba.DefaultLiteral, Value: v}
		}
		return &dba.ColumnDefault{Kind: dba.DefaultExpression, Value: v}
	}
	if raw == nil {
		if nullable && !e.autoIncrement {
			return &dba.ColumnDefault{Kind: dba.DefaultNull}
		}
		return nil
	}
	v := *raw
	switch {
	case e.defaultGenerated:
		return &dba.ColumnDefault{Kind: dba.DefaultExpression, Value: v}
	case typeIsTemporal(dataType) && isCurrentTimestamp(v):
		// MySQL before 8.0.13 has no DEFAULT_GENERATED flag.
		return &dba.ColumnDefault{Kind: dba.DefaultExpression, Value: v}
	case dataType == "bit" && strings.HasPrefix(v, "b'"):
		return &dba.ColumnDefault{Kind: dba.DefaultExpression, Value: v}
	}
	return &dba.ColumnDefault{Kind: dba.DefaultLiteral, Value: v}
}

func isCurrentTimestamp(v string) bool {
	u := strings.ToUpper(v)
	if !strings.HasPrefix(u, "CURRENT_TIMESTAMP") {
		return false
	}
	rest := u[len("CURRENT_TIMESTAMP"):]
	if rest == "" || rest == "()" {
		return true
	}
	if len(rest) >= 3 && rest[0] == '(' && rest[len(rest)-1] == ')' {
		_, err := strconv.Atoi(rest[1 : len(rest)-1])
		return err == nil
	}
	return false
}

// isNumberLiteral accepts what a server prints for a numeric default:
// -1.50, 0, 1e10.
func isNumberLiteral(v string) bool {
	if v == "" {
		return false
	}
	_, err := strconv.ParseFloat(v, 64)
	return err == nil && !strings.ContainsAny(v, "xXnN_")
}

// unquoteSQLString undoes the escaping of a single-quoted literal as
// MariaDB prints it: a doubled quote for a quote, and backslash escapes.
func unquoteSQLString(s string) string {
	if !strings.ContainsAny(s, `'\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' && i+1 < len(s) && s[i+1] == '\'':
			b.WriteByte('\'')
			i++
		case c == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case '0':
				b.WriteByte(0)
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'b':
				b.WriteByte('\b')
			case 'Z':
				b.WriteByte(0x1a)
			default:
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// decodeColumn reads one information_schema.COLUMNS row.
func decodeColumn(s dba.Server, r catalogRow) dba.TableColumn {
	e := parseColumnExtra(r.str("extra"))
	nullable := strings.EqualFold(r.str("nullable"), "YES")
	dataType := strings.ToLower(r.str("data_type"))
	c := dba.TableColumn{
		Position:      int(r.int64v("position")),
		Name:          r.str("name"),
		Type:          r.str("column_type"),
		DataType:      dataType,
		Nullable:      nullable,
		Default:       parseColumnDefault(s, r["column_default"], nullable, e, dataType),
		Generated:     e.generated,
		AutoIncrement: e.autoIncrement,
		OnUpdate:      e.onUpdate,
		Invisible:     e.invisible,
		Charset:       r.str("charset"),
		Collation:     r.str("collation"),
		Comment:       r.str("comment"),
	}
	if e.generated != "" {
		c.Expression = r.str("generation_expression")
	}
	return c
}

// decodeIndexes groups information_schema.STATISTICS rows (ordered by
// index, then SEQ_IN_INDEX) into indexes.
func decodeIndexes(rows []catalogRow) []dba.TableIndex {
	out := []dba.TableIndex{}
	pos := map[string]int{}
	for _, r := range rows {
		name := r.str("index_name")
		i, ok := pos[name]
		if !ok {
			i = len(out)
			pos[name] = i
			out = append(out, dba.TableIndex{
				Name:    name,
				Primary: name == "PRIMARY",
				Unique:  r.str("non_unique") == "0",
				Type:    r.str("index_type"),
				Visible: !strings.EqualFold(r.str("visible"), "NO"),
				Comment: r.str("comment"),
				Parts:   []dba.IndexPart{},
			})
		}
		p := dba.IndexPart{
			Column:      r.str("column_name"),
			Expression:  r.str("expression"),
			Cardinality: r.int64p("cardinality"),
			Nullable:    strings.EqualFold(r.str("nullable"), "YES"),
		}
		if n := r.int64p("sub_part"); n != nil {
			v := int(*n)
			p.SubPart = &v
		}
		switch strings.ToUpper(r.str("collation")) {
		case "A":
			p.Order = "ASC"
		case "D":
			p.Order = "DESC"
		}
		out[i].Parts = append(out[i].Parts, p)
	}
	return out
}

// decodeForeignKeys groups a table's own constraint column rows, with the
// rules from a second result keyed by constraint name.
func decodeForeignKeys(schema, table string, rows, rules []catalogRow) []dba.ForeignKey {
	rule := map[string]catalogRow{}
	for _, r := range rules {
		rule[r.str("name")] = r
	}
	out := []dba.ForeignKey{}
	pos := map[string]int{}
	for _, r := range rows {
		name := r.str("name")
		i, ok := pos[name]
		if !ok {
			i = len(out)
			pos[name] = i
			out = append(out, dba.ForeignKey{
				Name: name, Schema: schema, Table: table,
				RefSchema: r.str("ref_schema"), RefTable: r.str("ref_table"),
				OnUpdate: rule[name].str("on_update"), OnDelete: rule[name].str("on_delete"),
				Columns: []string{}, RefColumns: []string{},
			})
		}
		out[i].Columns = append(out[i].Columns, r.str("column_name"))
		out[i].RefColumns = append(out[i].RefColumns, r.str("ref_column"))
	}
	return out
}

// decodeReferencedBy groups the rows of constraints pointing at
// refSchema.refTable. Rows from InnoDB's dictionary carry the rules as
// flags; rows from information_schema as words.
func decodeReferencedBy(refSchema, refTable string, rows []catalogRow) []dba.ForeignKey {
	out := []dba.ForeignKey{}
	pos := map[[3]string]int{}
	for _, r := range rows {
		key := [3]string{r.str("child_schema"), r.str("child_table"), r.str("name")}
		i, ok := pos[key]
		if !ok {
			i = len(out)
			pos[key] = i
			fk := dba.ForeignKey{
				Name: key[2], Schema: key[0], Table: key[1],
				RefSchema: refSchema, RefTable: refTable,
				OnUpdate: r.str("on_update"), OnDelete: r.str("on_delete"),
				Columns: []string{}, RefColumns: []string{},
			}
			if r["flags"] != nil {
				fk.OnUpdate, fk.OnDelete = innodbFKRules(r.int64v("flags"))
			}
			out = append(out, fk)
		}
		out[i].Columns = append(out[i].Columns, r.str("column_name"))
		out[i].RefColumns = append(out[i].RefColumns, r.str("ref_column"))
	}
	return out
}

// InnoDB's foreign key flags (dict0mem.h DICT_FOREIGN_ON_*). No flag means
// RESTRICT, which information_schema also prints as RESTRICT.
const (
	fkOnDeleteCascade  = 1
	fkOnDeleteSetNull  = 2
	fkOnUpdateCascade  = 4
	fkOnUpdateSetNull  = 8
	fkOnDeleteNoAction = 16
	fkOnUpdateNoAction = 32
)

func innodbFKRules(flags int64) (onUpdate, onDelete string) {
	onUpdate, onDelete = "RESTRICT", "RESTRICT"
	switch {
	case flags&fkOnDeleteCascade != 0:
		onDelete = "CASCADE"
	case flags&fkOnDeleteSetNull != 0:
		onDelete = "SET NULL"
	case flags&fkOnDeleteNoAction != 0:
		onDelete = "NO ACTION"
	}
	switch {
	case flags&fkOnUpdateCascade != 0:
		onUpdate = "CASCADE"
	case flags&fkOnUpdateSetNull != 0:
		onUpdate = "SET NULL"
	case flags&fkOnUpdateNoAction != 0:
		onUpdate = "NO ACTION"
	}
	return onUpdate, onDelete
}

// decodeObject reads a routine, trigger, event or view row.
func decodeObject(kind dba.ObjectKind, r catalogRow) dba.SchemaObject {
	o := dba.SchemaObject{
		Name:     r.str("name"),
		Kind:     kind,
		Definer:  r.str("definer"),
		Created:  r.str("created"),
		Modified: r.str("modified"),
		Comment:  r.str("comment"),
		Security: r.str("security"),
	}
	switch kind {
	case dba.KindRoutine:
		o.Kind = dba.ObjectKind(strings.ToLower(r.str("kind")))
		if o.Kind == dba.KindFunction {
			o.Returns = r.str("return_type")
		}
		o.Deterministic = strings.EqualFold(r.str("is_deterministic"), "YES")
	case dba.KindTrigger:
		o.Table = r.str("table_name")
		o.Timing = r.str("timing")
		o.Event = r.str("event")
		o.Order = int(r.int64v("action_order"))
	case dba.KindEvent:
		o.Status = r.str("status")
		if strings.EqualFold(r.str("event_type"), "RECURRING") {
			o.Schedule = strings.TrimSpace("EVERY " + r.str("interval_value") + " " + r.str("interval_field"))
		} else {
			o.Schedule = strings.TrimSpace("AT " + r.str("execute_at"))
		}
	case dba.KindView:
		o.Updatable = strings.EqualFold(r.str("updatable"), "YES")
		o.CheckOption = r.str("check_option")
		if o.CheckOption == "NONE" {
			o.CheckOption = ""
		}
	}
	return o
}

// decodeCreate picks the statement out of any SHOW CREATE result by column
// name: "Create Table", "Create View", "Create Procedure", "Create
// Function", "Create Event", or a trigger's "SQL Original Statement". Both
// servers use these names; column counts differ by kind.
func decodeCreate(r catalogRow) (stmt *string, sqlMode, charset, collation string) {
	for k, v := range r {
		if strings.HasPrefix(k, "create ") || k == "sql original statement" {
			stmt = v
		}
	}
	return stmt, r.str("sql_mode"), r.str("character_set_client"), r.str("collation_connection")
}

// statsParent maps a mysql.innodb_table_stats name to its table: a
// partition "t#P#p0" (MariaDB) or "t#p#p0" (MySQL 8), with subpartitions
// "#SP#", belongs to t.
func statsParent(name string) string {
	for i := 1; i+2 < len(name); i++ {
		if name[i] == '#' && (name[i+1] == 'P' || name[i+1] == 'p') && name[i+2] == '#' {
			return name[:i]
		}
	}
	return name
}
