package mysql

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mydba/mydba/internal/dba"
)

// Preview reads one page of a table's rows. With a primary key (or a
// unique key over NOT NULL columns) it pages by key: ORDER BY the key and
// WHERE key > the last row's key, so page 1,000 costs what page 1 does.
// Without one it reads the first rows only and says so.
func (d *DB) Preview(ctx context.Context, q dba.PreviewQuery) (dba.Preview, error) {
	if err := q.Normalize(); err != nil {
		return dba.Preview{}, err
	}
	p := dba.Preview{Schema: q.Table.Schema, Table: q.Table.Name, Rows: [][]dba.Value{}, Key: []string{}}
	err := d.withSession(ctx, func(ctx context.Context, s Session) error {
		return d.preview(ctx, s.Conn, q, &p)
	})
	return p, err
}

func (d *DB) preview(ctx context.Context, conn *sql.Conn, q dba.PreviewQuery, p *dba.Preview) error {
	schema, table := q.Table.Schema, q.Table.Name
	what := q.Table.String()
	if unstorable(schema) || unstorable(table) {
		return d.notFound(ctx, conn, dba.KindTable, schema, table)
	}
	rows, err := readCatalog(ctx, conn, columnsSQL, schema, table)
	if err != nil {
		return d.callError("read columns of "+what, err)
	}
	if len(rows) == 0 {
		// A view the server cannot open (it names a missing table, or a
		// function the user may not execute) exists but lists no
		// columns; information_schema puts the reason in its comment.
		infos, err := d.tableInfos(ctx, conn, schema, []string{table})
		if err != nil {
			return err
		}
		if t, ok := infos[table]; ok {
			return fmt.Errorf("preview %s: the server shows no columns for this %s (%s)", what, t.Type, t.Comment)
		}
		return d.notFound(ctx, conn, dba.KindTable, schema, table)
	}
	cols := make([]dba.TableColumn, len(rows))
	for i, r := range rows {
		cols[i] = decodeColumn(d.server, r)
	}
	if rows, err = readCatalog(ctx, conn, indexesSQL(d.server), schema, table); err != nil {
		return d.callError("read indexes of "+what, err)
	}
	keyIndex, key := chooseKey(decodeIndexes(rows), cols)
	p.KeyIndex, p.Key = keyIndex, key
	if len(key) == 0 {
		p.Note = "no primary key or unique key over NOT NULL columns: showing the first rows only, without paging"
		if len(q.After) > 0 {
			return fmt.Errorf("%w: %s has no primary or NOT NULL unique key to page by, so --after cannot be used", dba.ErrInvalid, what)
		}
	}
	query, args, err := previewSQL(q, cols, key)
	if err != nil {
		return err
	}
	res, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return d.callError("preview "+what, err)
	}
	defer res.Close()
	p.Columns = make([]dba.PreviewColumn, len(cols))
	for i, c := range cols {
		p.Columns[i] = dba.PreviewColumn{Name: c.Name, Type: c.Type, Binary: typeIsBinary(c.DataType), Numeric: typeIsNumeric(c.DataType)}
	}
	keyPos := make([]int, len(key))
	for i, k := range key {
		for j, c := range cols {
			if c.Name == k {
				keyPos[i] = j
			}
		}
	}
	raw := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	more := false
	var last []string
	for res.Next() {
		if len(p.Rows) == q.Limit {
			more = true
			break
		}
		if err := res.Scan(ptrs...); err != nil {
			return d.callError("preview "+what, err)
		}
		row := make([]dba.Value, len(cols))
		for i, b := range raw {
			v, cut := previewValue(b, p.Columns[i], q.MaxCellBytes)
			row[i] = v
			if cut {
				p.Columns[i].Truncated++
				p.Truncated = true
			}
		}
		p.Rows = append(p.Rows, row)
		if len(key) > 0 {
			last = last[:0]
			for _, j := range keyPos {
				last = append(last, row[j].Text)
			}
		}
	}
	if err := res.Err(); err != nil {
		return d.callError("preview "+what, err)
	}
	if more && len(key) > 0 {
		p.Next = append([]string(nil), last...)
	}
	return nil
}

// chooseKey picks the index to page by: PRIMARY, else the first unique
// index whose parts are whole NOT NULL columns. Key parts on prefixes or
// expressions, and columns whose ORDER BY differs from their comparison
// (ENUM, SET sort by number but compare as text) or that compare
// inexactly (FLOAT, DOUBLE), are not usable.
func chooseKey(idx []dba.TableIndex, cols []dba.TableColumn) (string, []string) {
	byName := map[string]dba.TableColumn{}
	for _, c := range cols {
		byName[c.Name] = c
	}
	usable := func(ix dba.TableIndex) []string {
		if !ix.Unique || len(ix.Parts) == 0 {
			return nil
		}
		var key []string
		for _, p := range ix.Parts {
			c, ok := byName[p.Column]
			if !ok || p.Column == "" || p.SubPart != nil || p.Expression != "" || c.Nullable {
				return nil
			}
			switch c.DataType {
			case "enum", "set", "float", "double", "real", "bit", "json":
				return nil
			}
			if typeIsLOB(c.DataType) || (typeIsBinary(c.DataType) && c.DataType != "binary" && c.DataType != "varbinary") {
				return nil
			}
			key = append(key, p.Column)
		}
		return key
	}
	for _, ix := range idx {
		if ix.Primary {
			if k := usable(ix); k != nil {
				return ix.Name, k
			}
		}
	}
	for _, ix := range idx {
		if !ix.Primary {
			if k := usable(ix); k != nil {
				return ix.Name, k
			}
		}
	}
	return "", nil
}

// previewSQL builds the page query. Dates come back as the server's text
// (CAST AS CHAR) so zero dates survive; long values are cut on the server
// to one character past the cap, so a 1 GB BLOB never crosses the wire.
func previewSQL(q dba.PreviewQuery, cols []dba.TableColumn, key []string) (string, []any, error) {
	sel := make([]string, len(cols))
	types := map[string]string{}
	for i, c := range cols {
		types[c.Name] = c.DataType
		col := backtick(c.Name)
		switch {
		case typeIsTemporal(c.DataType):
			sel[i] = "CAST(" + col + " AS CHAR)"
		case typeIsLOB(c.DataType):
			sel[i] = "LEFT(" + col + ", " + strconv.Itoa(q.MaxCellBytes+1) + ")"
		default:
			sel[i] = col
		}
	}
	sql := explorerTag + "SELECT " + strings.Join(sel, ", ") + " FROM " + backtick(q.Table.Schema) + "." + backtick(q.Table.Name)
	var args []any
	if len(q.After) > 0 {
		if len(q.After) != len(key) {
			return "", nil, fmt.Errorf("%w: --after needs %d value(s), one per key column (%s); got %d", dba.ErrInvalid, len(key), strings.Join(key, ", "), len(q.After))
		}
		vals := make([]any, len(key))
		for i, k := range key {
			v, err := keyArg(types[k], q.After[i])
			if err != nil {
				return "", nil, fmt.Errorf("--after value %d for column %s: %w", i+1, k, err)
			}
			vals[i] = v
		}
		ph := make([]string, len(key))
		for i, k := range key {
			ph[i] = keyPlaceholder(types[k])
		}
		where, wargs := keysetWhere(key, ph, vals)
		sql += " WHERE " + where
		args = wargs
	}
	if len(key) > 0 {
		order := make([]string, len(key))
		for i, k := range key {
			order[i] = backtick(k)
		}
		sql += " ORDER BY " + strings.Join(order, ", ")
	}
	sql += " LIMIT ?"
	args = append(args, q.Limit+1)
	return sql, args, nil
}

// keysetWhere is "the rows after this key" written so both optimizers use
// the key's index as a range: (a > ?) OR (a = ? AND b > ?) ... MariaDB does
// not range-scan the row-constructor form (a, b) > (?, ?).
func keysetWhere(key, ph []string, vals []any) (string, []any) {
	var ors []string
	var args []any
	for i := range key {
		var ands []string
		for j := 0; j < i; j++ {
			ands = append(ands, backtick(key[j])+" = "+ph[j])
			args = append(args, vals[j])
		}
		ands = append(ands, backtick(key[i])+" > "+ph[i])
		args = append(args, vals[i])
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	return "(" + strings.Join(ors, " OR ") + ")", args
}

// keyPlaceholder is the parameter as the key column's type: a DECIMAL
// compared with text would be compared as a double.
func keyPlaceholder(dataType string) string {
	if dataType == "decimal" || dataType == "numeric" {
		return "CAST(? AS DECIMAL(65,30))"
	}
	return "?"
}

// keyArg converts a cursor value typed by the user (or printed by a
// previous page) to a parameter of the key column's type: integers as
// integers (a string would compare as a double and lose precision past
// 2^53), binary as bytes from 0x-hex, the rest as text the server converts.
func keyArg(dataType, s string) (any, error) {
	switch {
	case typeIsInteger(dataType):
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			return n, nil
		}
		return nil, fmt.Errorf("%w: %q is not an integer", dba.ErrInvalid, s)
	case typeIsBinary(dataType):
		h, ok := strings.CutPrefix(s, "0x")
		if !ok {
			return nil, fmt.Errorf("%w: %q: a binary key value is written 0x followed by hex digits", dba.ErrInvalid, s)
		}
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("%w: %q is not hex", dba.ErrInvalid, s)
		}
		return b, nil
	}
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("%w: value is not valid UTF-8", dba.ErrInvalid)
	}
	return s, nil
}

// previewValue turns one raw cell into a Value: binary as 0x-hex, numbers
// marked for JSON, anything over the cap cut (at a character boundary).
func previewValue(b sql.RawBytes, c dba.PreviewColumn, maxBytes int) (dba.Value, bool) {
	if b == nil {
		return dba.Value{Null: true}, false
	}
	cut := false
	if len(b) > maxBytes {
		b = b[:maxBytes]
		cut = true
		if !c.Binary {
			// Drop a character the cut split in two (at most 3 bytes).
			for i := 0; i < utf8.UTFMax-1 && len(b) > 0; i++ {
				if r, size := utf8.DecodeLastRune(b); r != utf8.RuneError || size > 1 {
					break
				}
				b = b[:len(b)-1]
			}
		}
	}
	if c.Binary {
		return dba.Value{Text: "0x" + strings.ToUpper(hex.EncodeToString(b))}, cut
	}
	s := string(b)
	return dba.Value{Text: s, Number: c.Numeric && dba.IsJSONNumber(s)}, cut
}
