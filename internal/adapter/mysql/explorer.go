package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/mydba/mydba/internal/dba"
)

// The explorer: schemas, tables, a table's structure, other schema objects
// and their SHOW CREATE statements. Every call runs on one read-only
// session under the call timeout (withSession).

// kindSchema names a schema in "not found" errors.
const kindSchema dba.ObjectKind = "schema"

// Schemas lists one page of schemas with their table counts and sizes.
func (d *DB) Schemas(ctx context.Context, q dba.SchemaQuery) (dba.SchemaPage, error) {
	if err := q.Normalize(); err != nil {
		return dba.SchemaPage{}, err
	}
	page := dba.SchemaPage{Schemas: []dba.SchemaInfo{}}
	err := d.withSession(ctx, func(ctx context.Context, s Session) error {
		query, args := schemaNamesSQL(q)
		rows, err := readCatalog(ctx, s.Conn, query, args...)
		if err != nil {
			return d.callError("list schemas", err)
		}
		if len(rows) > q.Limit {
			rows = rows[:q.Limit]
			page.Next = rows[len(rows)-1].str("name")
		}
		names := make([]string, len(rows))
		for i, r := range rows {
			names[i] = r.str("name")
		}
		sizes, notes, err := d.schemaSizes(ctx, s.Conn, names)
		if err != nil {
			return err
		}
		page.Notes = notes
		for _, r := range rows {
			info := dba.SchemaInfo{
				Name:      r.str("name"),
				Charset:   r.str("charset"),
				Collation: r.str("collation"),
				System:    dba.IsSystemSchema(r.str("name")),
			}
			if sz := sizes[info.Name]; sz != nil {
				info.Tables, info.Views = sz.tables-sz.views, sz.views
				info.DataBytes, info.IndexBytes = sz.data, sz.index
			}
			page.Schemas = append(page.Schemas, info)
		}
		return nil
	})
	return page, err
}

type schemaSize struct {
	tables, views int
	data, index   int64
}

// schemaSizes counts and sizes the tables of some schemas without opening
// them where it can: InnoDB tables from mysql.innodb_table_stats, the rest
// (other engines, views, tables without persistent statistics) from
// information_schema by name. See innodbStatsSQL.
func (d *DB) schemaSizes(ctx context.Context, conn *sql.Conn, schemas []string) (map[string]*schemaSize, []string, error) {
	out := map[string]*schemaSize{}
	if len(schemas) == 0 {
		return out, nil, nil
	}
	query, args := schemaTableNamesSQL(schemas)
	rows, err := readCatalog(ctx, conn, query, args...)
	if err != nil {
		return nil, nil, d.callError("list tables", err)
	}
	// unsized[schema][table] is true until a size source has counted it.
	unsized := map[string]map[string]bool{}
	for _, s := range schemas {
		out[s] = &schemaSize{}
		unsized[s] = map[string]bool{}
	}
	for _, r := range rows {
		s, t := r.str("schema_name"), r.str("name")
		if out[s] == nil {
			continue
		}
		out[s].tables++
		unsized[s][t] = true
	}
	var notes []string
	query, args = innodbStatsSQL(schemas)
	stats, err := readCatalog(ctx, conn, query, args...)
	switch {
	case isAccessDenied(err) || serverErrno(err) == 1146:
		notes = append(notes, "InnoDB sizes read from information_schema, one table at a time: the user cannot read mysql.innodb_table_stats (GRANT SELECT ON mysql.innodb_table_stats makes this fast)")
	case err != nil:
		return nil, nil, d.callError("read InnoDB statistics", err)
	}
	for _, r := range stats {
		s, t := r.str("schema_name"), r.str("name")
		names := unsized[s]
		if names == nil {
			continue
		}
		if _, ok := names[t]; !ok {
			t = statsParent(t)
			if _, ok := names[t]; !ok {
				// A statistics row of a dropped or temporary table.
				continue
			}
		}
		names[t] = false
		out[s].data += r.int64v("data_bytes")
		out[s].index += r.int64v("index_bytes")
	}
	for _, s := range schemas {
		var left []string
		for t, todo := range unsized[s] {
			if todo {
				left = append(left, t)
			}
		}
		// Chunks keep the IN list and the packet small.
		const chunk = 500
		for lo := 0; lo < len(left); lo += chunk {
			query, args := tableSizesSQL(s, left[lo:min(lo+chunk, len(left))])
			sized, err := readCatalog(ctx, conn, query, args...)
			if err != nil {
				return nil, nil, d.callError("size tables of "+s, err)
			}
			for _, r := range sized {
				if strings.Contains(strings.ToUpper(r.str("type")), "VIEW") {
					out[s].views++
					continue
				}
				out[s].data += r.int64v("data_bytes")
				out[s].index += r.int64v("index_bytes")
			}
		}
	}
	return out, notes, nil
}

// Tables lists one page of a schema's tables: a page of names first, then
// the details of just those names (see the note in explorer_sql.go).
func (d *DB) Tables(ctx context.Context, q dba.TableQuery) (dba.TablePage, error) {
	if err := q.Normalize(); err != nil {
		return dba.TablePage{}, err
	}
	page := dba.TablePage{Schema: q.Schema, Tables: []dba.TableInfo{}}
	err := d.withSession(ctx, func(ctx context.Context, s Session) error {
		if unstorable(q.Schema) {
			return d.notFound(ctx, s.Conn, kindSchema, q.Schema, "")
		}
		names, next, err := d.tableNames(ctx, s.Conn, q)
		if err != nil {
			return err
		}
		page.Next = next
		if len(names) == 0 {
			return d.notFound(ctx, s.Conn, kindSchema, q.Schema, "")
		}
		infos, err := d.tableInfos(ctx, s.Conn, q.Schema, names)
		if err != nil {
			return err
		}
		for _, n := range names {
			// A table dropped between the two steps is simply left out.
			if t, ok := infos[n]; ok {
				page.Tables = append(page.Tables, t)
			}
		}
		return nil
	})
	return page, err
}

// tableNames is step one: a page of names and the cursor of the next page.
func (d *DB) tableNames(ctx context.Context, conn *sql.Conn, q dba.TableQuery) ([]string, string, error) {
	if q.Type != dba.TableTypeAny {
		return d.typedTableNames(ctx, conn, q)
	}
	query, args := tableNamesSQL(q)
	rows, err := readCatalog(ctx, conn, query, args...)
	if err != nil {
		return nil, "", d.callError("list tables of "+q.Schema, err)
	}
	next := ""
	if len(rows) > q.Limit {
		rows = rows[:q.Limit]
		next = rows[len(rows)-1].str("name")
	}
	names := make([]string, len(rows))
	for i, r := range rows {
		names[i] = r.str("name")
	}
	return names, next, nil
}

// typedTableNames pages through names of one type. MariaDB learns a
// table's type by reading its .frm, so asking for the type of every name at
// once reads every .frm of the schema (~0.5 s for 10,000 tables) even for a
// page of 50. Instead: a chunk of names (cheap) and the types of just that
// chunk; a schema of mostly the wanted type fills its page there. Only if
// it does not is the rest of the schema searched by type in one pass.
func (d *DB) typedTableNames(ctx context.Context, conn *sql.Conn, q dba.TableQuery) ([]string, string, error) {
	want := map[string]bool{}
	for _, t := range tableTypes(q.Type) {
		want[t] = true
	}
	chunk := max(4*(q.Limit+1), 256)
	query, args := tableNamesSQL(dba.TableQuery{Schema: q.Schema, Filter: q.Filter, After: q.After, Limit: chunk})
	rows, err := readCatalog(ctx, conn, query, args...)
	if err != nil {
		return nil, "", d.callError("list tables of "+q.Schema, err)
	}
	var out []string
	if len(rows) > 0 {
		names := make([]string, len(rows))
		for i, r := range rows {
			names[i] = r.str("name")
		}
		query, args = tableTypesSQL(q.Schema, names)
		typed, err := readCatalog(ctx, conn, query, args...)
		if err != nil {
			return nil, "", d.callError("read table types of "+q.Schema, err)
		}
		types := make(map[string]string, len(typed))
		for _, r := range typed {
			types[r.str("name")] = r.str("type")
		}
		for _, n := range names {
			if want[types[n]] && len(out) <= q.Limit {
				out = append(out, n)
			}
		}
		if len(out) <= q.Limit && len(rows) > chunk {
			query, args = typedNamesSQL(q, names[len(names)-1], q.Limit+1-len(out))
			rest, err := readCatalog(ctx, conn, query, args...)
			if err != nil {
				return nil, "", d.callError("list tables of "+q.Schema, err)
			}
			for _, r := range rest {
				out = append(out, r.str("name"))
			}
		}
	}
	next := ""
	if len(out) > q.Limit {
		out = out[:q.Limit]
		next = out[len(out)-1]
	}
	return out, next, nil
}

// tableInfos is step two: details of the named tables only.
func (d *DB) tableInfos(ctx context.Context, conn *sql.Conn, schema string, names []string) (map[string]dba.TableInfo, error) {
	query, args := tableInfoSQL(schema, names)
	rows, err := readCatalog(ctx, conn, query, args...)
	if err != nil {
		return nil, d.callError("read tables of "+schema, err)
	}
	out := make(map[string]dba.TableInfo, len(rows))
	for _, r := range rows {
		t := decodeTableInfo(r)
		out[t.Name] = t
	}
	return out, nil
}

// Describe reads one table or view: columns, indexes, foreign keys both
// ways, triggers and its SHOW CREATE statement.
func (d *DB) Describe(ctx context.Context, schema, table string) (dba.TableDetail, error) {
	det := dba.TableDetail{Schema: schema}
	for _, n := range []string{schema, table} {
		if err := dba.ValidateIdentifier(n); err != nil {
			return det, err
		}
	}
	err := d.withSession(ctx, func(ctx context.Context, s Session) error {
		return d.describe(ctx, s.Conn, schema, table, &det)
	})
	return det, err
}

func (d *DB) describe(ctx context.Context, conn *sql.Conn, schema, table string, det *dba.TableDetail) error {
	if unstorable(schema) || unstorable(table) {
		return d.notFound(ctx, conn, dba.KindTable, schema, table)
	}
	infos, err := d.tableInfos(ctx, conn, schema, []string{table})
	if err != nil {
		return err
	}
	info, ok := infos[table]
	if !ok {
		return d.notFound(ctx, conn, dba.KindTable, schema, table)
	}
	det.Table = info
	what := dba.QualifiedName{Schema: schema, Name: table}.String()

	rows, err := readCatalog(ctx, conn, columnsSQL, schema, table)
	if err != nil {
		return d.callError("read columns of "+what, err)
	}
	det.Columns = make([]dba.TableColumn, 0, len(rows))
	for _, r := range rows {
		det.Columns = append(det.Columns, decodeColumn(d.server, r))
	}

	det.Indexes, det.ForeignKeys, det.ReferencedBy, det.Triggers = []dba.TableIndex{}, []dba.ForeignKey{}, []dba.ForeignKey{}, []dba.SchemaObject{}
	if strings.Contains(info.Type, "view") {
		// Views have no indexes, keys or triggers.
		return d.describeCreate(ctx, conn, schema, table, det)
	}

	if rows, err = readCatalog(ctx, conn, indexesSQL(d.server), schema, table); err != nil {
		return d.callError("read indexes of "+what, err)
	}
	det.Indexes = decodeIndexes(rows)

	if rows, err = readCatalog(ctx, conn, fkColumnsSQL, schema, table); err != nil {
		return d.callError("read foreign keys of "+what, err)
	}
	var rules []catalogRow
	if len(rows) > 0 {
		if rules, err = readCatalog(ctx, conn, fkRulesSQL, schema, table); err != nil {
			return d.callError("read foreign keys of "+what, err)
		}
	}
	det.ForeignKeys = decodeForeignKeys(schema, table, rows, rules)

	if rows, err = readCatalog(ctx, conn, tableTriggersSQL, schema, table); err != nil {
		return d.callError("read triggers of "+what, err)
	}
	det.Triggers = make([]dba.SchemaObject, 0, len(rows))
	for _, r := range rows {
		det.Triggers = append(det.Triggers, decodeObject(dba.KindTrigger, r))
	}
	// Triggers are listed only to holders of the TRIGGER privilege: an
	// empty list may mean "none" or "not allowed to see".
	if len(det.Triggers) == 0 {
		ok, err := d.holds(ctx, conn, "TRIGGER", schema, table)
		if err != nil {
			return err
		}
		if !ok {
			det.TriggersHidden = "hidden: needs TRIGGER privilege on " + what
		}
	}

	if err := d.describeCreate(ctx, conn, schema, table, det); err != nil {
		return err
	}

	// Last: without PROCESS, MariaDB can only answer this slowly, and if it
	// runs out of time the rest is already read.
	refs, note, err := d.referencedBy(ctx, conn, schema, table)
	if err != nil {
		return err
	}
	det.ReferencedBy = refs
	if note != "" {
		det.Notes = append(det.Notes, note)
	}
	return nil
}

func (d *DB) describeCreate(ctx context.Context, conn *sql.Conn, schema, table string, det *dba.TableDetail) error {
	create, err := d.showCreate(ctx, conn, dba.KindTable, dba.QualifiedName{Schema: schema, Name: table})
	if err != nil {
		return err
	}
	det.Create = create.SQL
	if create.Hidden != "" {
		det.Notes = append(det.Notes, "create statement "+create.Hidden)
	}
	return nil
}

// referencedBy reads the foreign keys of other tables that point at this
// one. MariaDB answers from InnoDB's dictionary when the user may read it
// (PROCESS); information_schema would open every table on the server, so
// there it is a fallback that may run out of time, which leaves
// referenced_by empty with a note rather than failing the describe.
func (d *DB) referencedBy(ctx context.Context, conn *sql.Conn, schema, table string) ([]dba.ForeignKey, string, error) {
	what := dba.QualifiedName{Schema: schema, Name: table}.String()
	if !d.server.IsMariaDB() {
		refs, err := d.referencedByInfoSchema(ctx, conn, schema, table)
		if err != nil {
			return nil, "", d.callError("read foreign keys referencing "+what, err)
		}
		return refs, "", nil
	}
	refs, err := d.referencedByDict(ctx, conn, schema, table)
	switch {
	case err == nil:
		return refs, "", nil
	case !isAccessDenied(err) && serverErrno(err) != 1109:
		return nil, "", d.callError("read foreign keys referencing "+what, err)
	}
	refs, err = d.referencedByInfoSchema(ctx, conn, schema, table)
	switch {
	case err == nil:
		return refs, "referenced_by read from information_schema, which opens every table on the server: GRANT PROCESS makes it fast", nil
	case ctx.Err() != nil:
		// The rest of the describe is read: a note, not a failure.
		return nil, "referenced_by not read: information_schema did not answer within the call timeout (it opens every table on the server); GRANT PROCESS lets mydba read InnoDB's dictionary instead", nil //nolint:nilerr // degraded on purpose, see above
	}
	return nil, "", d.callError("read foreign keys referencing "+what, err)
}

// referencedByDict reads MariaDB's InnoDB foreign key dictionary.
func (d *DB) referencedByDict(ctx context.Context, conn *sql.Conn, schema, table string) ([]dba.ForeignKey, error) {
	rows, err := readCatalog(ctx, conn, referencedBySQL(d.server, refFromInnoDBDict), schema, table)
	if err != nil {
		return nil, err
	}
	return decodeReferencedBy(schema, table, rows), nil
}

// referencedByInfoSchema reads information_schema: the constraints naming
// the table, then each referencing table's key columns (one lookup each,
// answered by opening that table only).
func (d *DB) referencedByInfoSchema(ctx context.Context, conn *sql.Conn, schema, table string) ([]dba.ForeignKey, error) {
	constraints, err := readCatalog(ctx, conn, referencedBySQL(d.server, refFromInfoSchema), schema, table)
	if err != nil {
		return nil, err
	}
	var rows []catalogRow
	done := map[[2]string]bool{}
	for _, c := range constraints {
		child := [2]string{c.str("child_schema"), c.str("child_table")}
		if done[child] {
			continue
		}
		done[child] = true
		cols, err := readCatalog(ctx, conn, referencingColumnsSQL, child[0], child[1], schema, table)
		if err != nil {
			return nil, err
		}
		for _, col := range cols {
			for _, c2 := range constraints {
				if c2.str("child_schema") == child[0] && c2.str("child_table") == child[1] && c2.str("name") == col.str("name") {
					r := catalogRow{"column_name": col["column_name"], "ref_column": col["ref_column"]}
					for _, k := range []string{"child_schema", "child_table", "name", "on_update", "on_delete"} {
						r[k] = c2[k]
					}
					rows = append(rows, r)
				}
			}
		}
	}
	return decodeReferencedBy(schema, table, rows), nil
}

// Objects lists one page of a schema's views, routines, triggers or events.
func (d *DB) Objects(ctx context.Context, q dba.ObjectQuery) (dba.ObjectPage, error) {
	if err := q.Normalize(); err != nil {
		return dba.ObjectPage{}, err
	}
	page := dba.ObjectPage{Schema: q.Schema, Kind: q.Kind, Objects: []dba.SchemaObject{}}
	err := d.withSession(ctx, func(ctx context.Context, s Session) error {
		if unstorable(q.Schema) {
			return d.notFound(ctx, s.Conn, kindSchema, q.Schema, "")
		}
		if q.Kind == dba.KindView {
			return d.views(ctx, s.Conn, q, &page)
		}
		query, args := objectsSQL(q)
		rows, err := readCatalog(ctx, s.Conn, query, args...)
		if err != nil {
			return d.callError("list "+string(q.Kind)+"s of "+q.Schema, err)
		}
		rows, page.Next = pageByName(rows, q.Limit)
		for _, r := range rows {
			page.Objects = append(page.Objects, decodeObject(q.Kind, r))
		}
		if len(rows) == 0 && q.After == "" {
			if err := d.notFound(ctx, s.Conn, kindSchema, q.Schema, ""); err != nil {
				return err
			}
		}
		page.Hidden, err = d.objectsHidden(ctx, s.Conn, q.Kind, q.Schema)
		return err
	})
	return page, err
}

// pageByName cuts rows (ordered by name, at most limit+4) to a page that
// never splits the rows of one name, and returns the next cursor.
func pageByName(rows []catalogRow, limit int) ([]catalogRow, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	end := limit
	for end < len(rows) && rows[end].str("name") == rows[end-1].str("name") {
		end++
	}
	if end == len(rows) {
		// Every extra row shares the last name: the page is complete only
		// if nothing follows, which the extra rows cannot tell.
		return rows, rows[end-1].str("name")
	}
	return rows[:end], rows[end-1].str("name")
}

// objectsHidden says when a listing may be incomplete for lack of a
// privilege: triggers need TRIGGER on their table, events EVENT on the
// schema. Views and routines the user may not see are simply not theirs
// to know about (SHOW VIEW, routine privileges).
func (d *DB) objectsHidden(ctx context.Context, conn *sql.Conn, kind dba.ObjectKind, schema string) (string, error) {
	priv := map[dba.ObjectKind]string{dba.KindTrigger: "TRIGGER", dba.KindEvent: "EVENT"}[kind]
	if priv == "" {
		return "", nil
	}
	ok, err := d.holds(ctx, conn, priv, schema, "")
	if err != nil || ok {
		return "", err
	}
	if kind == dba.KindTrigger {
		return "hidden: triggers on tables without your TRIGGER privilege are not listed (needs TRIGGER on " + dba.QuoteIdentIfNeeded(schema) + ".*)", nil
	}
	return "hidden: needs EVENT privilege on " + dba.QuoteIdentIfNeeded(schema), nil
}

// views lists views: names through information_schema.TABLES (the cheap
// listing), then details from information_schema.VIEWS by name.
func (d *DB) views(ctx context.Context, conn *sql.Conn, q dba.ObjectQuery, page *dba.ObjectPage) error {
	names, next, err := d.tableNames(ctx, conn, dba.TableQuery{Schema: q.Schema, Filter: q.Filter, After: q.After, Limit: q.Limit, Type: dba.TableTypeView})
	if err != nil {
		return err
	}
	page.Next = next
	if len(names) == 0 {
		return d.notFound(ctx, conn, kindSchema, q.Schema, "")
	}
	query, args := viewsSQL(q.Schema, names)
	rows, err := readCatalog(ctx, conn, query, args...)
	if err != nil {
		return d.callError("read views of "+q.Schema, err)
	}
	byName := map[string]dba.SchemaObject{}
	for _, r := range rows {
		o := decodeObject(dba.KindView, r)
		byName[o.Name] = o
	}
	for _, n := range names {
		o, ok := byName[n]
		if !ok {
			// A system view (information_schema) has no VIEWS row.
			o = dba.SchemaObject{Name: n, Kind: dba.KindView}
		}
		page.Objects = append(page.Objects, o)
	}
	return nil
}

// ShowCreate returns the server's CREATE statement for one object. A
// statement the user may not read comes back with Hidden saying which
// privilege it needs, not as an error.
func (d *DB) ShowCreate(ctx context.Context, kind dba.ObjectKind, name dba.QualifiedName) (dba.CreateStatement, error) {
	if _, err := dba.ParseObjectKind(string(kind), true); err != nil {
		return dba.CreateStatement{}, err
	}
	for _, n := range []string{name.Schema, name.Name} {
		if err := dba.ValidateIdentifier(n); err != nil {
			return dba.CreateStatement{}, err
		}
	}
	var out dba.CreateStatement
	err := d.withSession(ctx, func(ctx context.Context, s Session) error {
		var err error
		out, err = d.showCreate(ctx, s.Conn, kind, name)
		return err
	})
	return out, err
}

func (d *DB) showCreate(ctx context.Context, conn *sql.Conn, kind dba.ObjectKind, name dba.QualifiedName) (dba.CreateStatement, error) {
	out := dba.CreateStatement{Kind: kind, Schema: name.Schema, Name: name.Name}
	if unstorable(name.Schema) || unstorable(name.Name) {
		return out, d.notFound(ctx, conn, kind, name.Schema, name.Name)
	}
	rows, err := readCatalog(ctx, conn, showCreateSQL(kind, name))
	if err != nil {
		if hidden := createHidden(d.server, kind, name, err); hidden != "" {
			out.Hidden = hidden
			return out, nil
		}
		switch serverErrno(err) {
		case 1360:
			// Triggers of tables the user holds no TRIGGER privilege on
			// are "not found" too: say so.
			nf := d.notFound(ctx, conn, kind, name.Schema, name.Name)
			if ok, herr := d.holds(ctx, conn, "TRIGGER", name.Schema, ""); herr == nil && !ok && errors.Is(nf, dba.ErrNotFound) {
				nf = fmt.Errorf("%w (or hidden: without the TRIGGER privilege on its table the server does not show it)", nf)
			}
			return out, nf
		case 1049, 1146, 1305, 1539:
			return out, d.notFound(ctx, conn, kind, name.Schema, name.Name)
		case 1347:
			return out, fmt.Errorf("%s: %w: it is not a %s (%s)", name, dba.ErrNotFound, kind, serverMessage(err))
		}
		return out, d.callError("show create "+string(kind)+" "+name.String(), err)
	}
	if len(rows) == 0 {
		return out, d.notFound(ctx, conn, kind, name.Schema, name.Name)
	}
	stmt, mode, cs, coll := decodeCreate(rows[0])
	out.SQLMode, out.CharsetClient, out.CollationConnection = mode, cs, coll
	if stmt == nil {
		out.Hidden = createHidden(d.server, kind, name, nil)
		return out, nil
	}
	out.SQL = *stmt
	return out, nil
}

// createHidden turns a privilege failure (or a routine body the server
// withholds, err nil) into the privilege the user lacks; "" for any other
// error.
func createHidden(s dba.Server, kind dba.ObjectKind, name dba.QualifiedName, err error) string {
	if err != nil && !isAccessDenied(err) {
		return ""
	}
	switch kind {
	case dba.KindTrigger:
		return "hidden: needs TRIGGER privilege on the trigger's table"
	case dba.KindEvent:
		return "hidden: needs EVENT privilege on " + dba.QuoteIdentIfNeeded(name.Schema) + " (without it the server does not even say whether the event exists)"
	case dba.KindProcedure, dba.KindFunction:
		return "hidden: " + routineBodyPrivilege(s)
	case dba.KindView:
		return "hidden: needs SHOW VIEW and SELECT on " + name.String()
	}
	return "hidden: access denied to " + name.String()
}

// routineBodyPrivilege names what lets a user read routine bodies that are
// not theirs.
func routineBodyPrivilege(s dba.Server) string {
	switch {
	case s.IsMariaDB() && s.Version.AtLeast(11, 3):
		return "needs SHOW CREATE ROUTINE privilege (or SELECT on mysql.proc)"
	case s.IsMariaDB():
		return "needs SELECT on mysql.proc (or to be the routine's definer)"
	case s.Version.AtLeast(8, 0, 20):
		return "needs SHOW_ROUTINE privilege (or to be the routine's definer)"
	}
	return "needs SELECT on mysql.proc (or to be the routine's definer)"
}

// holds reports whether the current user holds priv globally, on the
// schema, or (table != "") on the table, directly or through an enabled
// MariaDB role. information_schema shows users their own grants only.
func (d *DB) holds(ctx context.Context, conn *sql.Conn, priv, schema, table string) (bool, error) {
	var current string
	if err := conn.QueryRowContext(ctx, explorerTag+"SELECT CURRENT_USER()").Scan(&current); err != nil {
		return false, d.callError("read current user", err)
	}
	grantees := []any{grantee(current)}
	if d.server.IsMariaDB() {
		roles, err := readCatalog(ctx, conn, explorerTag+"SELECT ROLE_NAME AS name FROM information_schema.ENABLED_ROLES WHERE ROLE_NAME IS NOT NULL")
		if err != nil {
			return false, d.callError("read enabled roles", err)
		}
		for _, r := range roles {
			// MariaDB lists role grants under 'role' with no host part.
			grantees = append(grantees, "'"+strings.ReplaceAll(r.str("name"), "'", "''")+"'")
		}
	}
	ph := placeholders(len(grantees))
	query := explorerTag + "SELECT COUNT(*) FROM (" +
		"SELECT 1 AS x FROM information_schema.USER_PRIVILEGES WHERE GRANTEE IN (" + ph + ") AND PRIVILEGE_TYPE IN (?, 'ALL PRIVILEGES') " +
		"UNION ALL SELECT 1 FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE IN (" + ph + ") AND PRIVILEGE_TYPE IN (?, 'ALL PRIVILEGES') AND ? LIKE TABLE_SCHEMA " +
		"UNION ALL SELECT 1 FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE IN (" + ph + ") AND PRIVILEGE_TYPE IN (?, 'ALL PRIVILEGES') AND TABLE_SCHEMA = ? AND TABLE_NAME = ?) p"
	args := append(append([]any{}, grantees...), priv)
	args = append(append(args, grantees...), priv, schema)
	args = append(append(args, grantees...), priv, schema, table)
	var n int
	if err := conn.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return false, d.callError("read privileges", err)
	}
	return n > 0, nil
}

// notFound builds the error for a missing schema or object, with "did you
// mean" candidates looked up on the server. It returns nil when the schema
// exists and no name was asked for.
func (d *DB) notFound(ctx context.Context, conn *sql.Conn, kind dba.ObjectKind, schema, name string) error {
	if unstorable(schema) {
		return fmt.Errorf("schema %s: %w (names cannot hold characters outside the Basic Multilingual Plane, such as emoji)", dba.QuoteIdentIfNeeded(schema), dba.ErrNotFound)
	}
	var found string
	err := conn.QueryRowContext(ctx, schemaExistsSQL, schema).Scan(&found)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("schema %s: %w%s", dba.QuoteIdentIfNeeded(schema), dba.ErrNotFound, d.suggest(ctx, conn, kindSchema, "", schema))
	case err != nil:
		return d.callError("look up schema "+schema, err)
	case name == "":
		return nil
	}
	return fmt.Errorf("%s %s: %w%s", kind, dba.QualifiedName{Schema: schema, Name: name}, dba.ErrNotFound, d.suggest(ctx, conn, kind, schema, name))
}

// suggest returns ` (did you mean "x" or "y"?)`, or "" when nothing is
// close or the lookup fails (the error being reported matters more).
func (d *DB) suggest(ctx context.Context, conn *sql.Conn, kind dba.ObjectKind, schema, missing string) string {
	query, args := suggestSQL(kind, schema, missing)
	if query == "" {
		return ""
	}
	rows, err := readCatalog(ctx, conn, query, args...)
	if err != nil {
		return ""
	}
	names := make([]string, len(rows))
	for i, r := range rows {
		names[i] = r.str("name")
	}
	s := dba.Suggest(missing, names)
	if len(s) == 0 {
		return ""
	}
	if len(s) > 3 {
		s = s[:3]
	}
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return " (did you mean " + strings.Join(q, " or ") + "?)"
}

// unstorable reports a name no server can hold. Identifiers are utf8mb3:
// characters outside the Basic Multilingual Plane (emoji) cannot occur in
// them, and comparing such text with the catalog's utf8mb3 columns fails
// ("Illegal mix of collations") instead of finding nothing.
func unstorable(s string) bool {
	for _, r := range s {
		if r > 0xFFFF {
			return true
		}
	}
	return false
}

// serverErrno is the server's error number, 0 for other errors.
func serverErrno(err error) uint16 {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

func serverMessage(err error) string {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		return me.Message
	}
	return err.Error()
}

// Data type families, by information_schema.COLUMNS.DATA_TYPE.
func typeIsTemporal(t string) bool {
	switch t {
	case "date", "datetime", "timestamp":
		return true
	}
	return false
}

func typeIsInteger(t string) bool {
	switch t {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint":
		return true
	}
	return false
}

func typeIsNumeric(t string) bool {
	switch t {
	case "decimal", "numeric", "float", "double", "real":
		return true
	}
	return typeIsInteger(t)
}

// typeIsBinary covers the types whose values are bytes, not text.
func typeIsBinary(t string) bool {
	switch t {
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "bit", "vector",
		"geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon", "geometrycollection", "geomcollection":
		return true
	}
	return false
}

// typeIsLOB covers the types whose values may be huge.
func typeIsLOB(t string) bool {
	switch t {
	case "tinytext", "text", "mediumtext", "longtext", "tinyblob", "blob", "mediumblob", "longblob", "json":
		return true
	}
	return false
}
