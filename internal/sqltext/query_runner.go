package sqltext

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// protectedSessionVariables are the session settings that make a read
// session what it is: read-only, time-limited and decoding results as
// utf8mb4. A script on the query runner may not change them.
var protectedSessionVariables = map[string]string{
	"transaction_read_only":         "the session stays read-only",
	"tx_read_only":                  "the session stays read-only",
	"max_statement_time":            "the statement time limit is --max-time",
	"max_execution_time":            "the statement time limit is --max-time",
	"character_set_client":          "mydba talks utf8mb4 to the server",
	"character_set_connection":      "mydba talks utf8mb4 to the server",
	"character_set_results":         "mydba reads results as utf8mb4",
	"collation_connection":          "mydba talks utf8mb4 to the server",
	strings.ToLower(ast.SetNames):   "mydba reads results as utf8mb4",
	strings.ToLower(ast.SetCharset): "mydba reads results as utf8mb4",
}

// CheckSessionStatement returns an error when a session statement (SET)
// would change a setting that keeps a read session safe: read-only mode,
// the statement time limit, the result character set. USE, user variables
// and other session variables pass.
func (c *Classifier) CheckSessionStatement(sql string) error {
	stmts, err := c.parse(ExpandExecutableComments(sql))
	if err != nil {
		return fmt.Errorf("not understood by the SQL parser (%s)", shortParseError(err))
	}
	for _, s := range stmts {
		set, ok := s.(*ast.SetStmt)
		if !ok {
			continue
		}
		for _, v := range set.Variables {
			name := strings.ToLower(v.Name)
			if !v.IsSystem && name != strings.ToLower(ast.SetNames) && name != strings.ToLower(ast.SetCharset) {
				continue
			}
			if why, ok := protectedSessionVariables[name]; ok {
				shown := v.Name
				switch name {
				case strings.ToLower(ast.SetNames):
					shown = "NAMES"
				case strings.ToLower(ast.SetCharset):
					shown = "CHARACTER SET"
				}
				return fmt.Errorf("SET %s is not allowed on a read session: %s", shown, why)
			}
		}
	}
	return nil
}

// UsedDatabase returns the database a USE statement switches to.
func (c *Classifier) UsedDatabase(sql string) (string, bool) {
	stmts, err := c.parse(ExpandExecutableComments(sql))
	if err != nil || len(stmts) != 1 {
		return "", false
	}
	if u, ok := stmts[0].(*ast.UseStmt); ok {
		return u.DBName, true
	}
	return "", false
}

// TableRef names a table, optionally with its schema.
type TableRef struct {
	Schema string
	Name   string
}

// String is the name as written in SQL, backtick-quoted.
func (t TableRef) String() string {
	if t.Schema == "" {
		return QuoteIdent(t.Name)
	}
	return QuoteIdent(t.Schema) + "." + QuoteIdent(t.Name)
}

// QuoteIdent backtick-quotes an identifier, doubling backticks inside it.
func QuoteIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// SourceTable finds the one table a query's columns come from unchanged,
// so its rows can be written back as INSERT statements into that table:
// a single SELECT (or TABLE) from one base table name, with no join,
// derived table or CTE, whose fields are * or plain columns not renamed.
// Otherwise it says why not.
func (c *Classifier) SourceTable(sql string) (TableRef, error) {
	stmts, err := c.parse(ExpandExecutableComments(sql))
	if err != nil {
		return TableRef{}, fmt.Errorf("not understood by the SQL parser (%s)", shortParseError(err))
	}
	if len(stmts) != 1 {
		return TableRef{}, errors.New("not a single statement")
	}
	sel, ok := stmts[0].(*ast.SelectStmt)
	if !ok {
		return TableRef{}, errors.New("not a single SELECT")
	}
	if sel.With != nil {
		return TableRef{}, errors.New("it reads a common table expression")
	}
	if sel.From == nil || sel.From.TableRefs == nil || sel.From.TableRefs.Right != nil {
		return TableRef{}, errors.New("it does not read exactly one table")
	}
	src, ok := sel.From.TableRefs.Left.(*ast.TableSource)
	if !ok {
		return TableRef{}, errors.New("it does not read exactly one table")
	}
	tn, ok := src.Source.(*ast.TableName)
	if !ok {
		return TableRef{}, errors.New("it reads a derived table")
	}
	for _, f := range sel.Fields.Fields {
		switch {
		case f.WildCard != nil:
			continue
		case f.Expr != nil:
			col, ok := f.Expr.(*ast.ColumnNameExpr)
			if !ok {
				return TableRef{}, errors.New("a selected field is an expression, not a column")
			}
			if f.AsName.O != "" && !strings.EqualFold(f.AsName.O, col.Name.Name.O) {
				return TableRef{}, fmt.Errorf("column %s is renamed to %s", QuoteIdent(col.Name.Name.O), QuoteIdent(f.AsName.O))
			}
		}
	}
	return TableRef{Schema: tn.Schema.O, Name: tn.Name.O}, nil
}

// ParseTableName reads a table name as a user types it: name, schema.name,
// or either part backtick-quoted (`my.schema`.`odd“name`).
func ParseTableName(s string) (TableRef, error) {
	var parts []string
	rest := strings.TrimSpace(s)
	for {
		var part string
		if strings.HasPrefix(rest, "`") {
			var b strings.Builder
			i, closed := 1, false
			for i < len(rest) {
				if rest[i] == '`' {
					if i+1 < len(rest) && rest[i+1] == '`' {
						b.WriteByte('`')
						i += 2
						continue
					}
					closed = true
					i++
					break
				}
				b.WriteByte(rest[i])
				i++
			}
			if !closed {
				return TableRef{}, fmt.Errorf("table name %q: unclosed backtick", s)
			}
			part, rest = b.String(), rest[i:]
		} else {
			end := strings.IndexAny(rest, ".`")
			if end < 0 {
				end = len(rest)
			}
			part, rest = strings.TrimSpace(rest[:end]), rest[end:]
		}
		if part == "" {
			return TableRef{}, fmt.Errorf("table name %q: empty name", s)
		}
		parts = append(parts, part)
		if rest == "" {
			break
		}
		if rest[0] != '.' {
			return TableRef{}, fmt.Errorf("table name %q: unexpected %q; quote names with backticks", s, rest)
		}
		rest = rest[1:]
	}
	switch len(parts) {
	case 1:
		return TableRef{Name: parts[0]}, nil
	case 2:
		return TableRef{Schema: parts[0], Name: parts[1]}, nil
	}
	return TableRef{}, fmt.Errorf("table name %q: want name or schema.name", s)
}
