package sqltext

import (
	"errors"
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
	// Risk grades what the statement can do; see Risk.
	Risk Risk `json:"risk"`
	// Locks is set for reads that take row locks (FOR UPDATE, FOR SHARE).
	Locks bool `json:"locks,omitempty"`
	// Reason explains the class in a sentence, for refusals.
	Reason string `json:"reason"`
	// Reasons lists everything that raised the risk.
	Reasons []string `json:"reasons,omitempty"`
	// RiskReason is the reason that set the risk level.
	RiskReason string `json:"risk_reason,omitempty"`
	// Objects are the tables, schemas, accounts and variables touched.
	Objects []Object `json:"objects,omitempty"`
	// HasWhere and HasLimit describe UPDATE and DELETE.
	HasWhere bool `json:"has_where,omitempty"`
	HasLimit bool `json:"has_limit,omitempty"`
	// ImplicitCommit: the server commits any open transaction before the
	// statement and it cannot be rolled back (DDL, accounts, most admin).
	ImplicitCommit bool `json:"implicit_commit,omitempty"`
	// Parsed is false when the verdict comes from the token-level fallback.
	Parsed bool `json:"parsed"`
}

// Object is something a statement touches.
type Object struct {
	Type   string `json:"type"` // table, schema, account, variable, file, thread
	Schema string `json:"schema,omitempty"`
	Name   string `json:"name"`
	// Access is read or write.
	Access string `json:"access"`
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
	stmts, err := c.parse(text)
	note := ""
	if err != nil {
		// MariaDB-only syntax the MySQL grammar rejects: remove the clause
		// (it never turns a write into a read) and parse the rest.
		if rewritten, what, ok := rewriteMariaDB(text); ok {
			if st, err2 := c.parse(rewritten); err2 == nil {
				stmts, err, note = st, nil, what
			}
		}
	}
	if err != nil {
		if cl, ok := classifyTokens(text); ok {
			return cl
		}
		return Classification{Class: ClassUnknown, Kind: firstWord(stripLeadingComments(text)), Risk: RiskHigh,
			Reason: "not understood by the SQL parser (" + shortParseError(err) + "); treated as possibly destructive"}
	}
	var cl Classification
	switch len(stmts) {
	case 0:
		return Classification{Class: ClassUnknown, Risk: RiskHigh, Reason: "no statement"}
	case 1:
		cl = assess(stmts[0])
	default:
		// Several statements in one string: the most dangerous one decides.
		cl = assess(stmts[0])
		for _, s := range stmts[1:] {
			if next := assess(s); next.Risk.Above(cl.Risk) || rank(next.Class) > rank(cl.Class) || (next.Locks && !cl.Locks) {
				next.Objects = append(cl.Objects, next.Objects...)
				cl = next
			}
		}
		cl.Reason = fmt.Sprintf("%d statements; %s", len(stmts), cl.Reason)
		cl.Reasons = append(cl.Reasons, "several statements in one string")
	}
	if note != "" {
		cl = note2(cl, note)
	}
	cl.Parsed = true
	return cl
}

func note2(cl Classification, note string) Classification {
	cl.Reasons = append(cl.Reasons, note)
	if note == "CREATE OR REPLACE drops the existing object first" {
		cl.Risk = RiskCritical
	}
	return cl
}

// parse runs the parser and turns its panics into errors: its literal
// driver panics on some numbers (a decimal literal of about 80 digits or
// more), and analysis must never crash on user input. A parser that
// panicked may be left mid-state, so it is replaced.
func (c *Classifier) parse(text string) (stmts []ast.StmtNode, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.p = parser.New()
			stmts, err = nil, errors.New("the SQL parser failed on this input")
		}
	}()
	stmts, _, err = c.p.Parse(text, "", "")
	return stmts, err
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

// assess classifies one parsed statement and grades its risk.
func assess(n ast.StmtNode) Classification {
	cl := classifyNode(n)
	cl.Objects = objects(n, cl)
	grade(n, &cl)
	return cl
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
// parser does not know (SHOW ENGINE INNODB STATUS, replication control,
// PURGE, INSTALL PLUGIN, ...). It reads only the leading keywords of a
// single statement and never calls anything but SHOW a read.
func classifyTokens(text string) (Classification, bool) {
	if len(Split(text)) != 1 {
		return Classification{}, false
	}
	w := leadingWords(stripLeadingComments(text), 4)
	at := func(i int) string {
		if i < len(w) {
			return w[i]
		}
		return ""
	}
	cl := Classification{Kind: strings.Join(w[:min(2, len(w))], " ")}
	switch at(0) {
	case "SHOW":
		return Classification{Class: ClassRead, Kind: "SHOW", Risk: RiskLow, Reason: "a SHOW statement"}, true
	case "START", "STOP":
		if at(1) == "SLAVE" || at(1) == "REPLICA" || at(1) == "ALL" || at(1) == "SLAVES" {
			cl.Class, cl.Risk, cl.Reason = ClassAdmin, RiskHigh, "starts or stops replication"
		}
	case "CHANGE":
		if at(1) == "MASTER" || at(1) == "REPLICATION" {
			cl.Class, cl.Risk, cl.Reason = ClassAdmin, RiskCritical, "changes where this server replicates from"
		}
	case "RESET":
		switch at(1) {
		case "MASTER", "BINARY", "SLAVE", "REPLICA":
			cl.Class, cl.Risk, cl.Reason = ClassAdmin, RiskCritical, "erases binary logs or replication state"
		default:
			cl.Class, cl.Risk, cl.Reason = ClassAdmin, RiskMedium, "resets server state"
		}
	case "PURGE":
		cl.Class, cl.Risk, cl.Reason = ClassAdmin, RiskCritical, "deletes binary logs replicas may still need"
	case "INSTALL", "UNINSTALL":
		cl.Class, cl.Risk, cl.Reason = ClassAdmin, RiskHigh, "loads or unloads server code (plugin or component)"
	case "SET":
		if at(1) == "PERSIST" || at(1) == "PERSIST_ONLY" {
			cl.Class, cl.Kind, cl.Risk, cl.Reason = ClassAdmin, "SET PERSIST", RiskHigh, "changes a global variable and keeps it across restarts"
		}
	case "CHECK", "CHECKSUM":
		cl.Class, cl.Risk, cl.Reason = ClassAdmin, RiskMedium, "reads a whole table and may lock it"
	case "BACKUP":
		cl.Class, cl.Risk, cl.Reason = ClassAdmin, RiskHigh, "takes backup locks"
	case "XA":
		cl.Class, cl.Risk, cl.Reason = ClassTransaction, RiskMedium, "controls a distributed transaction"
	case "HANDLER":
		cl.Class, cl.Risk, cl.Reason = ClassUnknown, RiskMedium, "HANDLER reads bypass the optimizer and can hold tables open"
	}
	if cl.Class == "" {
		return Classification{}, false
	}
	cl.ImplicitCommit = cl.Class == ClassAdmin
	cl.Reasons = []string{cl.Reason, "recognised by its keywords: the SQL parser does not know this statement"}
	return cl, true
}

// leadingWords returns up to n upper-cased words from the start of s.
func leadingWords(s string, n int) []string {
	var out []string
	for len(out) < n {
		s = strings.TrimLeft(s, " \t\r\n")
		w := firstWord(s)
		if w == "" {
			break
		}
		out = append(out, w)
		s = s[len(w):]
	}
	return out
}

// rewriteMariaDB removes MariaDB-only clauses the MySQL grammar rejects:
// RETURNING, OR REPLACE, WITH SYSTEM VERSIONING and FOR SYSTEM_TIME. It
// works on tokens (quoted text and comments are skipped), and says what it
// removed.
func rewriteMariaDB(s string) (string, string, bool) {
	toks := wordTokens(s)
	for i, t := range toks {
		switch t.word {
		case "RETURNING":
			if i > 0 {
				return s[:t.start], "MariaDB RETURNING clause ignored for classification", true
			}
		case "OR":
			if i == 1 && toks[0].word == "CREATE" && i+1 < len(toks) && toks[i+1].word == "REPLACE" {
				return s[:t.start] + s[toks[i+1].end:], "CREATE OR REPLACE drops the existing object first", true
			}
		case "SYSTEM":
			if i > 0 && toks[i-1].word == "WITH" && i+1 < len(toks) && toks[i+1].word == "VERSIONING" {
				return s[:toks[i-1].start] + s[toks[i+1].end:], "MariaDB system versioning clause ignored for classification", true
			}
		case "SYSTEM_TIME":
			if i > 0 && toks[i-1].word == "FOR" {
				end := len(s)
				for _, u := range toks[i+1:] {
					switch u.word {
					case "WHERE", "GROUP", "ORDER", "LIMIT", "JOIN", "LEFT", "RIGHT", "INNER", "CROSS", "STRAIGHT_JOIN", "UNION", "ON", "USING", "HAVING", "WINDOW", "INTO", "FOR", "LOCK", "AS":
						if u.word == "AS" && u.start < len(s) && strings.HasPrefix(strings.ToUpper(strings.TrimLeft(s[u.end:], " \t\r\n")), "OF") {
							continue
						}
						end = u.start
					}
					if end != len(s) {
						break
					}
				}
				if p := strings.IndexAny(s[toks[i].end:end], ");"); p >= 0 {
					end = toks[i].end + p
				}
				return s[:toks[i-1].start] + " " + s[end:], "MariaDB FOR SYSTEM_TIME clause ignored for classification", true
			}
		}
	}
	return "", "", false
}

type wordToken struct {
	word       string
	start, end int
}

// wordTokens lists the bare words of s (upper-cased), skipping quoted text
// and comments.
func wordTokens(s string) []wordToken {
	var out []wordToken
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			i = skipQuoted(s, i)
		case c == '/' || c == '#' || c == '-':
			if n := commentLen(s, i); n > 0 {
				i += n
			} else {
				i++
			}
		case byteClass[c] == clWord:
			j := i + 1
			for j < len(s) && byteClass[s[j]] >= clWord {
				j++
			}
			out = append(out, wordToken{word: strings.ToUpper(s[i:j]), start: i, end: j})
			i = j
		default:
			i++
		}
	}
	return out
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

// Redact returns the statement with passwords hidden, for history and
// logs: CREATE USER ... IDENTIFIED BY, SET PASSWORD, GRANT ... IDENTIFIED BY
// and the like are rewritten by the parser's secure form. A statement the
// parser cannot read that mentions passwords is hidden whole, rather than
// stored with its secret.
func (c *Classifier) Redact(sql string) string {
	stmts, err := c.parse(ExpandExecutableComments(sql))
	if err != nil {
		up := strings.ToUpper(sql)
		if strings.Contains(up, "IDENTIFIED") || strings.Contains(up, "PASSWORD") {
			return "/* statement hidden by mydba: it may contain a password */"
		}
		return sql
	}
	sensitive := false
	for _, s := range stmts {
		if _, ok := s.(ast.SensitiveStmtNode); ok {
			sensitive = true
		}
	}
	if !sensitive {
		return sql
	}
	parts := make([]string, 0, len(stmts))
	for _, s := range stmts {
		if ss, ok := s.(ast.SensitiveStmtNode); ok {
			parts = append(parts, ss.SecureText())
		} else {
			parts = append(parts, s.Text())
		}
	}
	return strings.Join(parts, "; ")
}
