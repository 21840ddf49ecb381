package sqltext

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
)

// CountQuery returns a SELECT COUNT(*) that counts the rows a write would
// touch — the same tables and WHERE for UPDATE and DELETE, the SELECT of an
// INSERT ... SELECT — rebuilt from the parsed statement (never from text),
// and for INSERT ... VALUES the exact number of rows. ok is false when the
// rows cannot be counted this way (LOAD DATA, CALL, DDL).
func (c *Classifier) CountQuery(stmt string) (query string, rows int64, ok bool) {
	stmts, err := c.parse(ExpandExecutableComments(stmt))
	if err != nil || len(stmts) != 1 {
		return "", 0, false
	}
	restore := func(n ast.Node) (string, error) {
		var b strings.Builder
		err := n.Restore(format.NewRestoreCtx(format.DefaultRestoreFlags, &b))
		return b.String(), err
	}
	var with string
	switch s := stmts[0].(type) {
	case *ast.UpdateStmt:
		if s.With != nil {
			w, err := restore(s.With)
			if err != nil {
				return "", 0, false
			}
			with = w + " "
		}
		return countFrom(restore, with, s.TableRefs, s.Where, s.Order, s.Limit)
	case *ast.DeleteStmt:
		if s.With != nil {
			w, err := restore(s.With)
			if err != nil {
				return "", 0, false
			}
			with = w + " "
		}
		return countFrom(restore, with, s.TableRefs, s.Where, s.Order, s.Limit)
	case *ast.InsertStmt:
		if s.Select != nil {
			sel, err := restore(s.Select)
			if err != nil {
				return "", 0, false
			}
			return "SELECT COUNT(*) FROM (" + sel + ") AS `mydba_count`", 0, true
		}
		if s.Setlist {
			return "", 1, true
		}
		return "", int64(len(s.Lists)), true
	}
	return "", 0, false
}

func countFrom(restore func(ast.Node) (string, error), with string, refs *ast.TableRefsClause, where ast.ExprNode, order *ast.OrderByClause, limit *ast.Limit) (string, int64, bool) {
	if refs == nil {
		return "", 0, false
	}
	from, err := restore(refs)
	if err != nil {
		return "", 0, false
	}
	q := with + "SELECT COUNT(*) FROM " + from
	if where != nil {
		w, err := restore(where)
		if err != nil {
			return "", 0, false
		}
		q += " WHERE " + w
	}
	if limit != nil {
		// UPDATE/DELETE ... LIMIT n touch at most n rows: count inside a
		// derived table so the LIMIT applies to rows, not to the count.
		l, err := restore(limit)
		if err != nil {
			return "", 0, false
		}
		inner := with + "SELECT 1 FROM " + from
		if where != nil {
			w, _ := restore(where)
			inner += " WHERE " + w
		}
		if order != nil {
			o, err := restore(order)
			if err == nil {
				inner += " " + o
			}
		}
		q = fmt.Sprintf("SELECT COUNT(*) FROM (%s %s) AS `mydba_count`", inner, l)
	}
	return q, 0, true
}
