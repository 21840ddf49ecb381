package sqltext

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	// The parser needs a value-expression driver to build literals.
	_ "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// Class is what a statement can do to a server.
type Class string

// Statement classes.
const (
	ClassRead        Class = "read"        // SELECT, SHOW, EXPLAIN of a read, DESCRIBE
	ClassSession     Class = "session"     // USE, SET of session or user variables
	ClassWrite       Class = "write"       // INSERT, UPDATE, DELETE, REPLACE, LOAD DATA, CALL
	ClassDDL         Class = "ddl"         // CREATE, ALTER, DROP, RENAME, TRUNCATE
	ClassDCL         Class = "dcl"         // GRANT, REVOKE, users and roles
	ClassAdmin       Class = "admin"       // SET GLOBAL, KILL, FLUSH, replication control, ...
	ClassFile        Class = "file"        // SELECT ... INTO OUTFILE/DUMPFILE
	ClassTransaction Class = "transaction" // BEGIN, COMMIT, ROLLBACK, LOCK TABLES
	ClassUnknown     Class = "unknown"     // not understood: treated as possibly destructive
)

// Classification is the verdict on one statement.
type Classification struct {
	Class Class `json:"class"`
	// Kind names the statement ("SELECT", "DELETE", "SET GLOBAL").
	Kind string `json:"kind"`
	// Locks is set for reads that take row locks (FOR UPDATE, FOR SHARE).
	Locks bool `json:"locks,omitempty"`
	// Reason explains the class in a sentence, for refusals.
	Reason string `json:"reason"`
}

// IsRead reports whether the statement only reads: safe on a read-only
// session, with no locks and no files.
func (c Classification) IsRead() bool { return c.Class == ClassRead && !c.Locks }

// Classifier parses statements; it is not safe for concurrent use (the
// parser keeps state), so create one per goroutine.
type Classifier struct {
	p *parser.Parser
}

// NewClassifier returns a classifier with MySQL syntax.
func NewClassifier() *Classifier { return &Classifier{p: parser.New()} }

// Classify parses one statement and says what it can do. Executable
// comments (/*!50001 ... */ and MariaDB's /*M!100100 ... */) count as code,
// so nothing hides in them. A statement the parser does not understand is
// ClassUnknown: never a read.
func (c *Classifier) Classify(sql string) Classification {
	text := ExpandExecutableComments(sql)
	stmts, _, err := c.p.Parse(text, "", "")
	if err != nil {
		if cl, ok := classifyTokens(text); ok {
			return cl
		}
		return Classification{Class: ClassUnknown, Kind: firstWord(text), Reason: "not understood by the SQL parser (" + shortParseError(err) + "); treated as possibly destructive"}
	}
	switch len(stmts) {
	case 0:
		return Classification{Class: ClassUnknown, Reason: "no statement"}
	case 1:
		return classifyNode(stmts[0])
	}
	// Several statements in one string: the most dangerous one decides.
	worst := classifyNode(stmts[0])
	for _, s := range stmts[1:] {
		if cl := classifyNode(s); rank(cl.Class) > rank(worst.Class) || (cl.Locks && !worst.Locks) {
			worst = cl
		}
	}
	worst.Reason = fmt.Sprintf("%d statements; %s", len(stmts), worst.Reason)
	return worst
}

func rank(c Class) int {
	switch c {
	case ClassRead:
		return 0
	case ClassSession:
		return 1
	case ClassTransaction:
		return 2
	case ClassWrite, ClassFile:
		return 3
	case ClassDDL, ClassDCL, ClassAdmin:
		return 4
	}
	return 5
}

func classifyNode(n ast.StmtNode) Classification {
	switch s := n.(type) {
	case *ast.SelectStmt:
		return classifySelect(s)
	case *ast.SetOprStmt:
		cl := Classification{Class: ClassRead, Kind: "SELECT", Reason: "a query"}
		if s.SelectList != nil {
			for _, sel := range s.SelectList.Selects {
				if ss, ok := sel.(*ast.SelectStmt); ok {
					if sc := classifySelect(ss); sc.Class != ClassRead || sc.Locks {
						return sc
					}
				}
			}
		}
		return cl
	case *ast.ShowStmt:
		return Classification{Class: ClassRead, Kind: "SHOW", Reason: "a SHOW statement"}
	case *ast.ExplainStmt:
		inner := ClassRead
		if s.Stmt != nil {
			inner = classifyNode(s.Stmt).Class
		}
		if s.Analyze {
			if inner != ClassRead {
				return Classification{Class: ClassWrite, Kind: "EXPLAIN ANALYZE", Reason: "EXPLAIN ANALYZE executes the statement, and it changes data"}
			}
			return Classification{Class: ClassRead, Kind: "EXPLAIN ANALYZE", Reason: "EXPLAIN ANALYZE executes a read"}
		}
		return Classification{Class: ClassRead, Kind: "EXPLAIN", Reason: "EXPLAIN does not execute the statement"}
	case *ast.UseStmt:
		return Classification{Class: ClassSession, Kind: "USE", Reason: "changes the session's default database"}
	case *ast.SetStmt:
		for _, v := range s.Variables {
			if v.IsGlobal || v.IsInstance {
				return Classification{Class: ClassAdmin, Kind: "SET GLOBAL", Reason: "changes a global variable for every session"}
			}
		}
		return Classification{Class: ClassSession, Kind: "SET", Reason: "sets session or user variables"}
	case *ast.InsertStmt:
		kind := "INSERT"
		if s.IsReplace {
			kind = "REPLACE"
		}
		return Classification{Class: ClassWrite, Kind: kind, Reason: "changes rows"}
	case *ast.UpdateStmt:
		return Classification{Class: ClassWrite, Kind: "UPDATE", Reason: "changes rows"}
	case *ast.DeleteStmt:
		return Classification{Class: ClassWrite, Kind: "DELETE", Reason: "deletes rows"}
	case *ast.LoadDataStmt:
		return Classification{Class: ClassWrite, Kind: "LOAD DATA", Reason: "loads rows from a file"}
	case *ast.CallStmt:
		return Classification{Class: ClassWrite, Kind: "CALL", Reason: "a stored procedure can do anything; treated as a write"}
	case *ast.BeginStmt, *ast.CommitStmt, *ast.RollbackStmt, *ast.SavepointStmt, *ast.ReleaseSavepointStmt, *ast.LockTablesStmt, *ast.UnlockTablesStmt:
		return Classification{Class: ClassTransaction, Kind: "TRANSACTION", Reason: "controls transactions or table locks"}
	case *ast.GrantStmt, *ast.RevokeStmt, *ast.CreateUserStmt, *ast.AlterUserStmt, *ast.DropUserStmt, *ast.GrantRoleStmt, *ast.RevokeRoleStmt, *ast.SetPwdStmt, *ast.RenameUserStmt, *ast.SetRoleStmt, *ast.SetDefaultRoleStmt:
		return Classification{Class: ClassDCL, Kind: "ACCOUNT", Reason: "changes accounts or privileges"}
	case *ast.KillStmt:
		return Classification{Class: ClassAdmin, Kind: "KILL", Reason: "stops another session's work"}
	case *ast.FlushStmt, *ast.ShutdownStmt, *ast.RestartStmt, *ast.AdminStmt, *ast.AlterInstanceStmt, *ast.BinlogStmt:
		return Classification{Class: ClassAdmin, Kind: "ADMIN", Reason: "server administration"}
	case *ast.AnalyzeTableStmt, *ast.OptimizeTableStmt, *ast.RepairTableStmt:
		return Classification{Class: ClassAdmin, Kind: "TABLE MAINTENANCE", Reason: "table maintenance rebuilds data or statistics"}
	case *ast.HelpStmt:
		return Classification{Class: ClassRead, Kind: "HELP", Reason: "server help"}
	case *ast.DoStmt:
		return Classification{Class: ClassWrite, Kind: "DO", Reason: "DO evaluates expressions for their side effects (locks, functions)"}
	case *ast.PrepareStmt, *ast.ExecuteStmt, *ast.DeallocateStmt:
		return Classification{Class: ClassUnknown, Kind: "PREPARE", Reason: "dynamic SQL cannot be checked before it runs"}
	}
	if _, ok := n.(ast.DDLNode); ok {
		return Classification{Class: ClassDDL, Kind: "DDL", Reason: "changes the schema"}
	}
	return Classification{Class: ClassUnknown, Kind: strings.TrimPrefix(fmt.Sprintf("%T", n), "*ast."), Reason: "a statement mydba does not run on a read session"}
}

func classifySelect(s *ast.SelectStmt) Classification {
	if s.SelectIntoOpt != nil {
		return Classification{Class: ClassFile, Kind: "SELECT INTO", Reason: "writes a file on the server (INTO OUTFILE/DUMPFILE)"}
	}
	cl := Classification{Class: ClassRead, Kind: "SELECT", Reason: "a query"}
	if s.LockInfo != nil && s.LockInfo.LockType != ast.SelectLockNone {
		cl.Locks = true
		cl.Reason = "takes row locks (" + s.LockInfo.LockType.String() + ")"
	}
	return cl
}

// classifyTokens is the fallback for valid MySQL/MariaDB statements the
// parser does not know (SHOW ENGINE INNODB STATUS, SHOW SLAVE STATUS, ...):
// only one rule, on the first token of a single statement: SHOW never
// changes anything on either server.
func classifyTokens(text string) (Classification, bool) {
	if len(Split(text)) != 1 {
		return Classification{}, false
	}
	if firstWord(stripLeadingComments(text)) == "SHOW" {
		return Classification{Class: ClassRead, Kind: "SHOW", Reason: "a SHOW statement"}, true
	}
	return Classification{}, false
}

// stripLeadingComments drops the comments and blanks before the first token.
func stripLeadingComments(s string) string {
	for {
		s = strings.TrimLeftFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' })
		switch {
		case strings.HasPrefix(s, "/*"):
			end := strings.Index(s, "*/")
			if end < 0 {
				return ""
			}
			s = s[end+2:]
		case strings.HasPrefix(s, "#") || strings.HasPrefix(s, "-- "):
			end := strings.IndexByte(s, '\n')
			if end < 0 {
				return ""
			}
			s = s[end+1:]
		default:
			return s
		}
	}
}

func firstWord(s string) string {
	end := strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_')
	})
	if end < 0 {
		end = len(s)
	}
	return strings.ToUpper(s[:end])
}

func shortParseError(err error) string {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	if len(msg) > 160 {
		msg = msg[:160] + "…"
	}
	return msg
}

// ExpandExecutableComments turns /*!NNNNN code */, /*!code */ and
// MariaDB's /*M!NNNNNN code */ into plain code, leaving quoted text and
// ordinary comments alone. Servers run that code, so mydba must see it.
func ExpandExecutableComments(s string) string {
	if !strings.Contains(s, "/*!") && !strings.Contains(s, "/*M!") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			j := skipQuoted(s, i)
			b.WriteString(s[i:j])
			i = j
		case strings.HasPrefix(s[i:], "/*!") || strings.HasPrefix(s[i:], "/*M!"):
			j := i + 3
			if s[i+2] == 'M' {
				j++
			}
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			end := strings.Index(s[j:], "*/")
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			b.WriteByte(' ')
			b.WriteString(ExpandExecutableComments(s[j : j+end]))
			b.WriteByte(' ')
			i = j + end + 2
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			b.WriteString(s[i : i+2+end+2])
			i += 2 + end + 2
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}
