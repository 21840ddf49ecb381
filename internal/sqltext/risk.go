package sqltext

import (
	"sort"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Risk grades what a statement can do to a server, for the safety gate's
// policy: low (reads, session settings), medium (ordinary writes, additive
// schema changes), high (writes without WHERE, schema rewrites, global
// settings, KILL, anything not understood) and critical (data or access
// loss that cannot be undone: DROP, TRUNCATE, GRANT, SHUTDOWN, PURGE ...).
type Risk string

// Risk levels, lowest first.
const (
	RiskLow      Risk = "low"
	RiskMedium   Risk = "medium"
	RiskHigh     Risk = "high"
	RiskCritical Risk = "critical"
)

func (r Risk) level() int {
	switch r {
	case RiskLow:
		return 1
	case RiskMedium:
		return 2
	case RiskHigh:
		return 3
	case RiskCritical:
		return 4
	}
	return 0
}

// Above reports whether r is a higher risk than o.
func (r Risk) Above(o Risk) bool { return r.level() > o.level() }

// AtLeast reports whether r is o or higher.
func (r Risk) AtLeast(o Risk) bool { return r.level() >= o.level() }

// grade sets the risk, the reasons and the commit behaviour of a parsed
// statement.
func grade(n ast.StmtNode, cl *Classification) {
	raise := func(r Risk, why string) {
		if r.Above(cl.Risk) {
			cl.Risk = r
			if why != "" {
				cl.RiskReason = why
			}
		}
		if why != "" {
			cl.Reasons = append(cl.Reasons, why)
		}
	}
	switch cl.Class {
	case ClassRead, ClassSession:
		raise(RiskLow, "")
		if cl.Locks {
			raise(RiskMedium, "takes row locks until the transaction ends")
		}
	case ClassTransaction:
		raise(RiskLow, "")
		if _, ok := n.(*ast.LockTablesStmt); ok {
			raise(RiskMedium, "LOCK TABLES blocks other sessions")
			cl.ImplicitCommit = true
		}
	case ClassWrite:
		raise(RiskMedium, "changes data")
		switch s := n.(type) {
		case *ast.UpdateStmt:
			cl.HasWhere, cl.HasLimit = s.Where != nil, s.Limit != nil
			if s.Where == nil {
				raise(RiskHigh, "no WHERE clause: every row of the table is updated")
			}
			if s.MultipleTable {
				raise(RiskMedium, "multi-table UPDATE")
			}
		case *ast.DeleteStmt:
			cl.HasWhere, cl.HasLimit = s.Where != nil, s.Limit != nil
			if s.Where == nil {
				raise(RiskHigh, "no WHERE clause: every row of the table is deleted")
			}
			if s.IsMultiTable {
				raise(RiskMedium, "multi-table DELETE")
			}
		case *ast.LoadDataStmt:
			raise(RiskHigh, "loads a whole file into the table")
			if s.FileLocRef == ast.FileLocClient {
				raise(RiskHigh, "LOAD DATA LOCAL reads a file from the client machine")
			}
		case *ast.InsertStmt:
			if s.IsReplace {
				raise(RiskMedium, "REPLACE deletes rows that collide on a unique key")
			}
		case *ast.CallStmt:
			raise(RiskHigh, "a stored procedure can do anything; its effects are unknown")
		case *ast.DoStmt:
			raise(RiskMedium, "DO runs expressions for their side effects")
		case *ast.ExplainStmt:
			raise(RiskHigh, "EXPLAIN ANALYZE executes the write")
		}
	case ClassFile:
		raise(RiskHigh, "writes a file on the database server")
	case ClassDDL:
		cl.ImplicitCommit = true
		cl.Reasons = append(cl.Reasons, "DDL commits any open transaction and cannot be rolled back")
		switch s := n.(type) {
		case *ast.DropTableStmt, *ast.DropDatabaseStmt, *ast.TruncateTableStmt, *ast.DropSequenceStmt:
			raise(RiskCritical, "removes data for good")
		case *ast.DropIndexStmt:
			raise(RiskHigh, "removes an index queries may depend on")
		case *ast.AlterTableStmt:
			raise(RiskHigh, "rewrites or locks the table while it runs")
			for _, spec := range s.Specs {
				switch spec.Tp {
				case ast.AlterTableDropColumn, ast.AlterTableDropPartition, ast.AlterTableTruncatePartition:
					raise(RiskCritical, "drops a column or partition: its data is lost")
				}
			}
		case *ast.RenameTableStmt:
			raise(RiskHigh, "renames tables: running queries and applications lose them")
		case *ast.CreateIndexStmt:
			raise(RiskMedium, "builds an index: load while it runs")
		case *ast.AlterDatabaseStmt:
			raise(RiskHigh, "changes a schema's defaults")
		default:
			raise(RiskMedium, "adds a schema object")
		}
	case ClassDCL:
		cl.ImplicitCommit = true
		switch n.(type) {
		case *ast.SetPwdStmt, *ast.SetRoleStmt, *ast.SetDefaultRoleStmt:
			raise(RiskHigh, "changes an account's credentials or roles")
		default:
			raise(RiskCritical, "changes who may do what on the server")
		}
	case ClassAdmin:
		cl.ImplicitCommit = true
		switch s := n.(type) {
		case *ast.ShutdownStmt, *ast.RestartStmt:
			raise(RiskCritical, "stops the server")
		case *ast.KillStmt:
			cl.ImplicitCommit = false
			raise(RiskHigh, "stops another session's work; its transaction rolls back")
		case *ast.SetStmt:
			cl.ImplicitCommit = false
			raise(RiskHigh, "changes a global variable for every session")
		case *ast.FlushStmt:
			if s.ReadLock {
				raise(RiskHigh, "FLUSH TABLES WITH READ LOCK blocks every write on the server")
			} else {
				raise(RiskMedium, "flushes server caches or logs")
			}
		case *ast.AnalyzeTableStmt:
			raise(RiskMedium, "recomputes statistics: plans may change")
		case *ast.OptimizeTableStmt, *ast.RepairTableStmt:
			raise(RiskHigh, "rebuilds the table")
		default:
			raise(RiskHigh, "server administration")
		}
	default:
		raise(RiskHigh, "not understood: treated as possibly destructive")
	}
	if cl.Reason == "" && len(cl.Reasons) > 0 {
		cl.Reason = cl.Reasons[0]
	}
	if cl.RiskReason == "" {
		cl.RiskReason = cl.Reason
	}
}

// objects lists what a statement touches: tables (read or written),
// schemas, accounts and variables.
func objects(n ast.StmtNode, cl Classification) []Object {
	v := &tableCollector{seen: map[string]int{}, alias: map[string]*ast.TableName{}}
	n.Accept(v)
	mark := func(t *ast.TableName) {
		if t == nil {
			return
		}
		if real, ok := v.alias[strings.ToLower(t.Name.O)]; ok && t.Schema.O == "" {
			t = real
		}
		if i, ok := v.seen[key(t)]; ok {
			v.out[i].Access = "write"
			return
		}
		v.add(t, "write")
	}
	switch s := n.(type) {
	case *ast.InsertStmt:
		markRefs(s.Table, mark)
	case *ast.UpdateStmt:
		if !s.MultipleTable || len(s.List) == 0 {
			markRefs(s.TableRefs, mark)
		} else {
			// Only the tables whose columns are assigned are written.
			for _, a := range s.List {
				if a.Column != nil && a.Column.Table.O != "" {
					for i, o := range v.out {
						if strings.EqualFold(o.Name, a.Column.Table.O) {
							v.out[i].Access = "write"
						}
					}
				}
			}
		}
	case *ast.DeleteStmt:
		if s.Tables != nil && len(s.Tables.Tables) > 0 {
			for _, t := range s.Tables.Tables {
				mark(t)
			}
		} else {
			markRefs(s.TableRefs, mark)
		}
	case *ast.LoadDataStmt:
		mark(s.Table)
	case *ast.DropTableStmt:
		for _, t := range s.Tables {
			mark(t)
		}
	case *ast.TruncateTableStmt:
		mark(s.Table)
	case *ast.AlterTableStmt:
		mark(s.Table)
	case *ast.CreateTableStmt:
		mark(s.Table)
	case *ast.CreateIndexStmt:
		mark(s.Table)
	case *ast.DropIndexStmt:
		mark(s.Table)
	case *ast.RenameTableStmt:
		for _, tt := range s.TableToTables {
			mark(tt.OldTable)
			mark(tt.NewTable)
		}
	case *ast.CreateViewStmt:
		mark(s.ViewName)
	case *ast.DropDatabaseStmt:
		v.out = append(v.out, Object{Type: "schema", Name: s.Name.O, Access: "write"})
	case *ast.CreateDatabaseStmt:
		v.out = append(v.out, Object{Type: "schema", Name: s.Name.O, Access: "write"})
	case *ast.AlterDatabaseStmt:
		v.out = append(v.out, Object{Type: "schema", Name: s.Name.O, Access: "write"})
	case *ast.CreateUserStmt:
		for _, u := range s.Specs {
			v.out = append(v.out, Object{Type: "account", Name: u.User.String(), Access: "write"})
		}
	case *ast.DropUserStmt:
		for _, u := range s.UserList {
			v.out = append(v.out, Object{Type: "account", Name: u.String(), Access: "write"})
		}
	case *ast.GrantStmt:
		for _, u := range s.Users {
			v.out = append(v.out, Object{Type: "account", Name: u.User.String(), Access: "write"})
		}
	case *ast.RevokeStmt:
		for _, u := range s.Users {
			v.out = append(v.out, Object{Type: "account", Name: u.User.String(), Access: "write"})
		}
	case *ast.SetStmt:
		for _, a := range s.Variables {
			if a.IsGlobal || a.IsInstance || (cl.Class == ClassSession && a.IsSystem) {
				access := "write"
				v.out = append(v.out, Object{Type: "variable", Name: strings.ToLower(a.Name), Access: access})
			}
		}
	case *ast.KillStmt:
		v.out = append(v.out, Object{Type: "thread", Name: itoa(s.ConnectionID), Access: "write"})
	case *ast.SelectStmt:
		if s.SelectIntoOpt != nil {
			v.out = append(v.out, Object{Type: "file", Name: s.SelectIntoOpt.FileName, Access: "write"})
		}
	}
	// Drop the names that were only aliases (DELETE o FROM orders o), and
	// list what is written first.
	out := make([]Object, 0, len(v.out))
	for _, o := range v.out {
		if _, isAlias := v.alias[strings.ToLower(o.Name)]; isAlias && o.Type == "table" && o.Schema == "" && !v.real[strings.ToLower(o.Name)] {
			continue
		}
		out = append(out, o)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Access == "write" && out[j].Access != "write" })
	return out
}

func markRefs(refs *ast.TableRefsClause, mark func(*ast.TableName)) {
	if refs == nil || refs.TableRefs == nil {
		return
	}
	var walk func(r ast.ResultSetNode)
	walk = func(r ast.ResultSetNode) {
		switch x := r.(type) {
		case *ast.Join:
			walk(x.Left)
			if x.Right != nil {
				walk(x.Right)
			}
		case *ast.TableSource:
			if t, ok := x.Source.(*ast.TableName); ok {
				mark(t)
			}
		}
	}
	walk(refs.TableRefs)
}

// tableCollector gathers every table a statement names, as read, and the
// aliases given to them.
type tableCollector struct {
	out   []Object
	seen  map[string]int
	alias map[string]*ast.TableName
	// real marks names that are real tables too, not only aliases.
	real map[string]bool
}

func key(t *ast.TableName) string { return strings.ToLower(t.Schema.O + "." + t.Name.O) }

func (v *tableCollector) add(t *ast.TableName, access string) {
	v.seen[key(t)] = len(v.out)
	v.out = append(v.out, Object{Type: "table", Schema: t.Schema.O, Name: t.Name.O, Access: access})
}

func (v *tableCollector) Enter(n ast.Node) (ast.Node, bool) {
	if ts, ok := n.(*ast.TableSource); ok && ts.AsName.O != "" {
		if t, ok := ts.Source.(*ast.TableName); ok {
			v.alias[strings.ToLower(ts.AsName.O)] = t
			if v.real == nil {
				v.real = map[string]bool{}
			}
			v.real[strings.ToLower(t.Name.O)] = true
		}
	}
	if t, ok := n.(*ast.TableName); ok && t.Name.O != "" {
		if _, dup := v.seen[key(t)]; !dup {
			v.add(t, "read")
		}
	}
	return n, false
}

func (v *tableCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func itoa(n uint64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
