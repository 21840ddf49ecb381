package workbench

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/adapter/mysql"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/safety"
	"github.com/mydba/mydba/internal/sqltext"
	"github.com/mydba/mydba/internal/store"
)

// The safety gate's vocabulary, for presenters (which never import the
// safety package itself).
type (
	// Plan is a change, explained, waiting for approval.
	Plan = safety.Plan
	// Approval answers a plan's decision.
	Approval = safety.Approval
	// Outcome is what the gate did.
	Outcome = safety.Outcome
	// Policy is the approval each environment requires.
	Policy = safety.Policy
)

// Verdicts a plan can get.
const (
	VerdictAllow   = safety.Allow
	VerdictConfirm = safety.Confirm
	VerdictRefuse  = safety.Refuse
)

// The adapter's writable session is the gate's engine side.
var _ safety.Target = (*mysql.Writer)(nil)

// ErrRefused is a change the gate did not let through.
var ErrRefused = safety.ErrRefused

// Default audit retention.
const (
	DefaultAuditEntries = 100000
	DefaultAuditAge     = 365 * 24 * time.Hour
)

// ChangeRequest is a statement that may change the server.
type ChangeRequest struct {
	Conn ConnRequest
	SQL  string
	// Source names the presenter (cli, web, mcp).
	Source string
	// Approve is shown the plan and answers it: confirm, give the typed
	// name and reason, ask for a dry run or a rollback. It is called for
	// every plan, also those that need no confirmation (to allow a dry
	// run); nil approves nothing beyond what the policy allows by itself.
	Approve func(Plan) (Approval, error)
}

type auditor struct{ w *Workbench }

func (a auditor) Audit(ctx context.Context, r safety.AuditRecord) error {
	_, err := a.w.store.AddAudit(ctx, dba.AuditEntry{
		Time: r.Time, Actor: r.Actor, Source: r.Source, Profile: r.Profile, Env: r.Env, Statement: r.Statement,
		Class: r.Class, Risk: r.Risk, Plan: r.Plan, Verdict: r.Verdict, Confirmed: r.Confirmed, TypedName: r.TypedName,
		Reason: r.Reason, Status: r.Status, Rows: r.Rows, Duration: r.Duration, Error: r.Error,
	}, store.Retention{MaxEntries: DefaultAuditEntries, MaxAge: DefaultAuditAge})
	return err
}

func (w *Workbench) gate() *safety.Gate {
	p := w.opts.Policy
	if p == nil {
		p = safety.DefaultPolicy()
	}
	return &safety.Gate{Policy: p, Auditor: auditor{w}, Now: w.opts.Now}
}

// actor is who is making the change, as the OS knows them.
func actor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}

// Change plans a statement, asks for approval, runs it through the safety
// gate and audits it. Every change mydba makes goes through here.
func (w *Workbench) Change(ctx context.Context, req ChangeRequest) (Outcome, error) {
	return w.change(ctx, req.Conn, safety.Request{Statement: req.SQL, Source: req.Source}, req.Approve, nil)
}

// change is the common path of Change, Kill and SetVariable: before runs
// after approval, right before execution (to read a value for undo).
func (w *Workbench) change(ctx context.Context, cr ConnRequest, sreq safety.Request, approve func(Plan) (Approval, error), after func(context.Context, Outcome) error) (Outcome, error) {
	db, p, err := w.open(ctx, cr)
	if err != nil {
		return Outcome{}, err
	}
	defer db.Close()
	wr, err := db.OpenWriter(ctx)
	if err != nil {
		return Outcome{}, err
	}
	defer wr.Close()
	sreq.Profile, sreq.Env = p.Name, p.Env
	if sreq.Actor == "" {
		sreq.Actor = actor()
	}
	if sreq.Source == "" {
		sreq.Source = "cli"
	}
	g := w.gate()
	plan, err := g.Plan(ctx, wr, sreq)
	if err != nil {
		return Outcome{Plan: plan}, err
	}
	var a Approval
	if approve != nil {
		if a, err = approve(plan); err != nil {
			return Outcome{Plan: plan}, err
		}
	}
	out, err := g.Execute(ctx, wr, plan, a)
	if err == nil && after != nil && out.Status == "executed" {
		err = after(ctx, out)
	}
	return out, err
}

// KillRequest stops a session's statement (QueryOnly) or the session.
type KillRequest struct {
	Conn      ConnRequest
	ID        int64
	QueryOnly bool
	Source    string
	Approve   func(Plan) (Approval, error)
}

// Kill stops another session through the gate. The plan names the session
// as the process list shows it; an unknown id is refused before planning.
func (w *Workbench) Kill(ctx context.Context, req KillRequest) (Outcome, error) {
	if req.ID <= 0 {
		return Outcome{}, fmt.Errorf("%w: session id %d", dba.ErrInvalid, req.ID)
	}
	db, _, err := w.open(ctx, req.Conn)
	if err != nil {
		return Outcome{}, err
	}
	snap, err := db.ProcessSnapshot(ctx)
	db.Close()
	if err != nil {
		return Outcome{}, err
	}
	var target *dba.Session
	for i := range snap.Sessions {
		if snap.Sessions[i].ID == req.ID {
			target = &snap.Sessions[i]
		}
	}
	if target == nil {
		return Outcome{}, fmt.Errorf("session %d: %w (it may have ended; see mydba ps)", req.ID, dba.ErrNotFound)
	}
	verb := "KILL CONNECTION "
	if req.QueryOnly {
		verb = "KILL QUERY "
	}
	// The id is a number we parsed, never user text.
	stmt := verb + strconv.FormatInt(req.ID, 10)
	desc := fmt.Sprintf("%s /* session %d: %s@%s, %s for %s", stmt, target.ID, target.User, target.Host, target.Command, target.Time.Round(time.Second))
	if target.Info != "" {
		desc += ": " + oneLineRedacted(target.Info, 80)
	}
	desc += " */"
	return w.change(ctx, req.Conn, safety.Request{Statement: stmt, Display: desc, Source: req.Source}, req.Approve, nil)
}

func oneLineRedacted(s string, n int) string {
	s = strings.Join(strings.Fields(sqltext.NewClassifier().Redact(s)), " ")
	s = strings.ReplaceAll(s, "*/", "* /")
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

// SetRequest changes a server variable.
type SetRequest struct {
	Conn  ConnRequest
	Name  string
	Value string
	// Scope is global, session or persist (MySQL only).
	Scope   string
	Source  string
	Approve func(Plan) (Approval, error)
}

// SetVariable validates a new value against the server's metadata (type,
// range, enum, read-only, scope), then changes it through the gate and
// remembers the old value for Undo.
func (w *Workbench) SetVariable(ctx context.Context, req SetRequest) (Outcome, error) {
	scope := strings.ToLower(strings.TrimSpace(req.Scope))
	if scope == "" {
		scope = "global"
	}
	name := strings.ToLower(strings.TrimSpace(req.Name))
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return Outcome{}, fmt.Errorf("%w: variable name %q", dba.ErrInvalid, req.Name)
		}
	}
	db, p, err := w.open(ctx, req.Conn)
	if err != nil {
		return Outcome{}, err
	}
	server := db.Server()
	var vscope dba.VarScope
	switch scope {
	case "global":
		vscope = dba.ScopeGlobal
	case "session":
		vscope = dba.ScopeSession
	case "persist":
		if server.IsMariaDB() {
			db.Close()
			return Outcome{}, fmt.Errorf("%w: MariaDB has no SET PERSIST: set %s globally and add it to the server's option file", dba.ErrInvalid, name)
		}
		vscope = dba.ScopeGlobal
	default:
		db.Close()
		return Outcome{}, fmt.Errorf("%w: scope %q: want global, session or persist", dba.ErrInvalid, req.Scope)
	}
	// Look the variable up in both scopes: Validate then says why a scope
	// does not fit, rather than "not found".
	var cur *dba.Variable
	for _, sc := range []dba.VarScope{vscope, dba.ScopeGlobal, dba.ScopeSession} {
		vars, err := db.Variables(ctx, sc, likeExact(name))
		if err != nil {
			db.Close()
			return Outcome{}, err
		}
		for i := range vars {
			if strings.EqualFold(vars[i].Name, name) {
				cur = &vars[i]
			}
		}
		if cur != nil {
			break
		}
	}
	db.Close()
	if cur == nil {
		return Outcome{}, fmt.Errorf("variable %q: %w", name, dba.ErrNotFound)
	}
	value, err := dba.Validate(cur.VariableMeta, vscope, req.Value)
	if err != nil {
		return Outcome{}, err
	}
	old := ""
	if cur.Value != nil {
		old = *cur.Value
	}
	kw := strings.ToUpper(scope)
	if vscope == dba.ScopeSession {
		// A session value set on mydba's own writable session would vanish
		// with it; only the global value is worth a gate.
		return Outcome{}, fmt.Errorf("%w: a session value applies to one connection only; set it in your own session (mydba query \"SET SESSION %s = ...\")", dba.ErrInvalid, name)
	}
	// The name comes from the server's own list; the value travels as a
	// parameter.
	stmt := "SET " + kw + " " + cur.Name + " = ?"
	display := "SET " + kw + " " + cur.Name + " = " + displayValue(cur.VariableMeta, value) + " /* was " + displayValue(cur.VariableMeta, old) + " */"
	record := func(ctx context.Context, out Outcome) error {
		_, err := w.store.AddVariableChange(ctx, dba.VariableChange{Profile: p.Name, Name: cur.Name, Scope: scope, OldValue: old, NewValue: value})
		return err
	}
	return w.change(ctx, req.Conn, safety.Request{Statement: stmt, Args: []any{setArg(cur.VariableMeta, value)}, Display: display, Source: req.Source}, req.Approve, record)
}

// UndoVariable puts back the value the newest not-undone change on the
// profile replaced, through the gate like any change.
func (w *Workbench) UndoVariable(ctx context.Context, cr ConnRequest, source string, approve func(Plan) (Approval, error)) (Outcome, error) {
	p, _, _, err := w.target(ctx, cr)
	if err != nil {
		return Outcome{}, err
	}
	last, err := w.store.LastVariableChange(ctx, p.Name)
	if err != nil {
		return Outcome{}, err
	}
	out, err := w.SetVariable(ctx, SetRequest{Conn: cr, Name: last.Name, Value: last.OldValue, Scope: last.Scope, Source: source, Approve: approve})
	if err == nil && out.Status == "executed" {
		if merr := w.store.MarkVariableChangeUndone(ctx, last.ID); merr != nil {
			return out, merr
		}
		// The undo itself must not become the next thing to undo.
		if next, lerr := w.store.LastVariableChange(ctx, p.Name); lerr == nil && next.Name == last.Name && next.NewValue == last.OldValue {
			_ = w.store.MarkVariableChangeUndone(ctx, next.ID)
		}
	}
	return out, err
}

// likeExact is a LIKE pattern matching exactly name, with the escape
// character the variables query uses ('!').
func likeExact(name string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(name)
}

// setArg is the parameter for SET: numbers as numbers, everything else as
// text (the server converts ON/OFF and enum names itself).
func setArg(m dba.VariableMeta, v string) any {
	if m.Type.IsNumeric() {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
	}
	return v
}

func displayValue(m dba.VariableMeta, v string) string {
	if m.Type.IsNumeric() {
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return v
		}
	}
	return "'" + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), "'", "''") + "'"
}

// AuditLog lists audit records, newest first.
func (w *Workbench) AuditLog(ctx context.Context, f dba.AuditFilter) ([]dba.AuditEntry, error) {
	return w.store.Audit(ctx, f)
}

// AuditRecord returns one audit record.
func (w *Workbench) AuditRecord(ctx context.Context, id int64) (dba.AuditEntry, error) {
	return w.store.AuditEntry(ctx, id)
}
