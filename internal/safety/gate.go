package safety

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/sqltext"
)

// ErrRefused is a change the policy or the approval did not let through.
// It wraps dba.ErrInvalid so presenters treat it as a user error.
var ErrRefused = fmt.Errorf("%w: refused by the safety gate", dba.ErrInvalid)

// The engine's side of a plan and an execution, in the shared vocabulary so
// adapters implement Target without importing this package.
type (
	// Facts is what the engine says about a statement before it runs.
	Facts = dba.ChangeFacts
	// TxMode is how Execute runs a statement.
	TxMode = dba.TxMode
	// Result is what executing a statement did.
	Result = dba.ChangeResult
)

// Transaction modes.
const (
	NoTx       = dba.NoTx
	TxCommit   = dba.TxCommit
	TxRollback = dba.TxRollback
)

// Target is the engine side of the gate: one writable session to one
// server. The adapter implements it; the gate never sees a connection.
type Target interface {
	Server() dba.Server
	// Facts plans a statement without running it (EXPLAIN, COUNT(*) with a
	// timeout, binlog and engine checks).
	Facts(ctx context.Context, stmt string, cl sqltext.Classification) (Facts, error)
	// Execute runs the statement. check, when not nil, is called with the
	// rows affected before a transaction commits; an error rolls it back.
	Execute(ctx context.Context, stmt string, args []any, mode TxMode, check func(rows int64) error) (Result, error)
}

// Request is a change someone wants to make.
type Request struct {
	Profile string
	Env     dba.Env
	// Statement is the SQL to run (one statement), with ? placeholders
	// for Args when values come from the user (SET ... = ?).
	Statement string
	Args      []any
	// Display is what the plan and the audit log show instead of the
	// statement, when it differs (passwords redacted). Empty: Statement.
	Display string
	// Source names the presenter (cli, web, mcp) and Actor the OS user.
	Source string
	Actor  string
}

// Plan is a change, checked and explained, waiting for approval.
type Plan struct {
	Profile   string                 `json:"profile"`
	Env       dba.Env                `json:"env"`
	Server    dba.Server             `json:"server"`
	Statement string                 `json:"statement"`
	Class     sqltext.Classification `json:"classification"`
	Facts
	// Mode is how it will run: in a transaction or committing at once.
	Mode     TxMode    `json:"-"`
	ModeText string    `json:"mode"`
	Decision Decision  `json:"decision"`
	Created  time.Time `json:"created"`

	req Request
}

// Approval is the answer to a plan's decision.
type Approval struct {
	// Confirmed: the user said yes.
	Confirmed bool
	// TypedName is the connection name the user typed back.
	TypedName string
	Reason    string
	// DryRun shows the plan and runs nothing (it is audited).
	DryRun bool
	// Rollback runs a transactional change and rolls it back.
	Rollback bool
}

// Outcome is a finished gate call, as the audit log records it.
type Outcome struct {
	Plan   Plan   `json:"plan"`
	Status string `json:"status"` // executed, rolled back, dry run, refused, failed
	Result Result `json:"result"`
	Error  string `json:"error,omitempty"`
}

// Auditor keeps the audit log. The store implements it.
type Auditor interface {
	Audit(ctx context.Context, r AuditRecord) error
}

// AuditRecord is one line of the audit log.
type AuditRecord struct {
	Time      time.Time
	Actor     string
	Source    string
	Profile   string
	Env       dba.Env
	Statement string
	Class     string
	Risk      string
	Plan      string // one-line summary
	Verdict   string
	Confirmed bool
	TypedName bool
	Reason    string
	Status    string
	Rows      int64
	Duration  time.Duration
	Error     string
}

// Gate applies a policy and audits every decision.
type Gate struct {
	Policy  Policy
	Auditor Auditor
	Now     func() time.Time
}

// Plan classifies the statement, asks the target for facts, and decides
// what approval it needs. Nothing is executed.
func (g *Gate) Plan(ctx context.Context, t Target, req Request) (Plan, error) {
	now := g.now()
	stmts := sqltext.Split(req.Statement)
	switch {
	case len(stmts) == 0:
		return Plan{}, fmt.Errorf("%w: no statement", dba.ErrInvalid)
	case len(stmts) > 1:
		return Plan{}, fmt.Errorf("%w: %d statements given; the gate plans and approves one statement at a time", dba.ErrInvalid, len(stmts))
	}
	c := sqltext.NewClassifier()
	stmt := stmts[0].Text
	classText := stmt
	switch {
	case req.Display == "":
		req.Display = c.Redact(stmt)
	case len(req.Args) > 0:
		// The display carries the values inline; classify that, not the
		// placeholders.
		classText = req.Display
	}
	req.Statement = stmt
	cl := c.Classify(classText)
	p := Plan{Profile: req.Profile, Env: req.Env, Server: t.Server(), Statement: req.Display, Class: cl, Created: now, req: req}
	p.Rows = -1
	if cl.Class != sqltext.ClassUnknown || cl.Parsed {
		f, err := t.Facts(ctx, stmt, cl)
		if err != nil {
			return p, fmt.Errorf("plan: %w", err)
		}
		p.Facts = f
	}
	switch {
	case cl.Class == sqltext.ClassWrite && p.Transactional && !cl.ImplicitCommit:
		p.Mode, p.ModeText = TxCommit, "in a transaction: committed after the affected rows are checked, or rolled back"
	case cl.ImplicitCommit:
		p.ModeText = "commits implicitly: it cannot be rolled back"
	case cl.Class == sqltext.ClassWrite:
		p.ModeText = "no transaction: a table written is not transactional (MyISAM, Aria, ...), so it cannot be rolled back"
	default:
		p.ModeText = "runs as it is"
	}
	p.Decision = decide(g.Policy.For(req.Env), req.Env, p)
	return p, nil
}

// Execute checks the approval against the plan's decision, runs the
// statement (or not) and audits what happened. Refusals are audited too.
func (g *Gate) Execute(ctx context.Context, t Target, p Plan, a Approval) (Outcome, error) {
	out := Outcome{Plan: p}
	ep := g.Policy.For(p.Env)
	if err := g.checkApproval(p, a); err != nil {
		out.Status, out.Error = "refused", err.Error()
		return out, g.audit(ctx, out, a, err)
	}
	if a.DryRun {
		out.Status = "dry run"
		return out, g.audit(ctx, out, a, nil)
	}
	mode := p.Mode
	if a.Rollback {
		if mode != TxCommit {
			err := fmt.Errorf("%w: --rollback needs a statement that runs in a transaction; this one %s", ErrRefused, p.ModeText)
			out.Status, out.Error = "refused", err.Error()
			return out, g.audit(ctx, out, a, err)
		}
		mode = TxRollback
	}
	var check func(int64) error
	if ep.MaxRows > 0 && p.Class.Class == sqltext.ClassWrite {
		check = func(rows int64) error {
			if rows > ep.MaxRows {
				return fmt.Errorf("%w: it affected %d rows, over the %d allowed on %s connections; rolled back", ErrRefused, rows, ep.MaxRows, p.Env)
			}
			return nil
		}
	}
	res, err := t.Execute(ctx, p.req.Statement, p.req.Args, mode, check)
	out.Result = res
	switch {
	case err != nil && errors.Is(err, ErrRefused):
		out.Status, out.Error = "refused", err.Error()
	case err != nil:
		out.Status, out.Error = "failed", err.Error()
	case res.RolledBack:
		out.Status = "rolled back"
	default:
		out.Status = "executed"
	}
	if aerr := g.audit(ctx, out, a, nil); aerr != nil && err == nil {
		err = aerr
	}
	return out, err
}

func (g *Gate) checkApproval(p Plan, a Approval) error {
	d := p.Decision
	switch d.Verdict {
	case Refuse:
		return fmt.Errorf("%w: %s", ErrRefused, strings.Join(d.Why, "; "))
	case Allow:
		return nil
	}
	if a.DryRun {
		return nil
	}
	if !a.Confirmed {
		return fmt.Errorf("%w: this change needs confirmation (%s)", ErrRefused, strings.Join(d.Why, "; "))
	}
	if d.TypeName && a.TypedName != p.Profile {
		return fmt.Errorf("%w: confirm by typing the connection name %q", ErrRefused, p.Profile)
	}
	if d.Reason && strings.TrimSpace(a.Reason) == "" {
		return fmt.Errorf("%w: %s connections need a reason for every change", ErrRefused, p.Env)
	}
	return nil
}

// audit records an outcome. A refusal is returned to the caller as its
// error (refusal wins over an audit failure).
func (g *Gate) audit(ctx context.Context, out Outcome, a Approval, refusal error) error {
	p := out.Plan
	rec := AuditRecord{
		Time: g.now(), Actor: p.req.Actor, Source: p.req.Source, Profile: p.Profile, Env: p.Env,
		Statement: p.Statement, Class: string(p.Class.Class), Risk: string(p.Class.Risk), Plan: Summary(p),
		Verdict: string(p.Decision.Verdict), Confirmed: a.Confirmed, TypedName: a.TypedName != "" && a.TypedName == p.Profile,
		Reason: a.Reason, Status: out.Status, Rows: out.Result.RowsAffected, Duration: out.Result.Duration, Error: out.Error,
	}
	// The audit must be written even when the caller's context is done.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var aerr error
	if g.Auditor != nil {
		if err := g.Auditor.Audit(actx, rec); err != nil {
			aerr = fmt.Errorf("write the audit record: %w", err)
		}
	}
	if refusal != nil {
		return refusal
	}
	return aerr
}

// Summary is a plan on one line, for the audit log.
func Summary(p Plan) string {
	parts := []string{string(p.Class.Class) + "/" + string(p.Class.Risk)}
	if p.Rows >= 0 {
		exact := "estimated"
		if p.RowsExact {
			exact = "counted"
		}
		parts = append(parts, fmt.Sprintf("%d rows %s", p.Rows, exact))
	}
	if p.Replicated {
		parts = append(parts, "replicated")
	}
	parts = append(parts, p.ModeText)
	return strings.Join(parts, "; ")
}

func (g *Gate) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}
