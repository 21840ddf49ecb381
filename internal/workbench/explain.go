package workbench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/adapter/mysql"
	"github.com/mydba/mydba/internal/advise"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/parse"
	"github.com/mydba/mydba/internal/safety"
	"github.com/mydba/mydba/internal/sqltext"
)

// ExplainRequest asks for a statement's plan.
type ExplainRequest struct {
	Conn ConnRequest
	// SQL is one statement: SELECT (or TABLE, VALUES), INSERT, UPDATE,
	// DELETE or REPLACE, without EXPLAIN in front.
	SQL string
	// Analyze executes the statement to measure every step. A read runs on
	// the read-only session under MaxTime; a write goes through the safety
	// gate, runs inside a transaction that is always rolled back, and only
	// after explicit confirmation (Approve), and is audited.
	Analyze bool
	// MaxTime limits the statement on the server (default
	// DefaultQueryMaxTime).
	MaxTime time.Duration
	// Source names the presenter (cli, web, mcp) for the audit log.
	Source string
	// Approve answers the gate for ANALYZE of a write: it is shown the
	// plan and must confirm (nil confirms nothing: the write is refused).
	Approve func(Plan) (Approval, error)
	// NoSchema skips describing the tables the statement reads (their
	// indexes and row counts make the advice concrete).
	NoSchema bool
}

// maxDescribedTables bounds the tables described for advice.
const maxDescribedTables = 16

// explainKind is how a statement may be explained.
type explainKind int

const (
	explainRead    explainKind = iota // on the read-only session
	explainLocking                    // SELECT ... FOR UPDATE: EXPLAIN only, on the writable session
	explainWrite                      // DML: EXPLAIN on the writable session, ANALYZE through the gate
)

// explainable checks a statement can be explained, before anything is
// sent.
func explainable(stmt string) (explainKind, error) {
	cl := sqltext.NewClassifier().Classify(stmt)
	switch {
	case cl.Kind == "EXPLAIN" || cl.Kind == "ANALYZE" || cl.Kind == "DESCRIBE" || cl.Kind == "DESC":
		return 0, fmt.Errorf("%w: give the statement itself: mydba adds EXPLAIN (or ANALYZE with --analyze)", dba.ErrInvalid)
	case cl.IsRead() && cl.Kind == "SELECT":
		return explainRead, nil
	case cl.Class == sqltext.ClassRead && cl.Locks && cl.Kind == "SELECT":
		return explainLocking, nil
	case cl.Class == sqltext.ClassWrite && (cl.Kind == "INSERT" || cl.Kind == "UPDATE" || cl.Kind == "DELETE" || cl.Kind == "REPLACE"):
		return explainWrite, nil
	}
	kind := cl.Kind
	if kind == "" {
		kind = "this statement"
	}
	return 0, fmt.Errorf("%w: EXPLAIN takes SELECT, TABLE, VALUES, INSERT, UPDATE, DELETE or REPLACE; %s is %s (%s)", dba.ErrInvalid, kind, classLabel(cl), cl.Reason)
}

// Explain returns a statement's plan, parsed into the engine-neutral
// tree, with the advisor's findings. EXPLAIN never executes the statement;
// Analyze does (see ExplainRequest). Nothing the user did not ask to run
// is run: writes are explained on the writable session inside a
// transaction that is rolled back, never executed without --analyze.
func (w *Workbench) Explain(ctx context.Context, req ExplainRequest) (dba.PlanReport, error) {
	var rep dba.PlanReport
	stmts := sqltext.Split(req.SQL)
	switch {
	case len(stmts) == 0:
		return rep, fmt.Errorf("%w: no statement to explain", dba.ErrInvalid)
	case len(stmts) > 1:
		return rep, fmt.Errorf("%w: %d statements given; explain takes one", dba.ErrInvalid, len(stmts))
	}
	stmt := stmts[0].Text
	kind, err := explainable(stmt)
	if err != nil {
		return rep, err
	}
	if kind == explainLocking && req.Analyze {
		return rep, fmt.Errorf("%w: ANALYZE would run this locking read and hold its row locks; explain it without --analyze, or drop FOR UPDATE / FOR SHARE to measure it", dba.ErrInvalid)
	}
	rep.Statement = sqltext.NewClassifier().Redact(stmt)
	maxTime := req.MaxTime
	if maxTime <= 0 {
		maxTime = DefaultQueryMaxTime
	}
	p, params, err := w.resolve(ctx, req.Conn)
	if err != nil {
		return rep, err
	}
	rep.Profile = p.Name
	params.StatementTimeout = maxTime
	params.CallTimeout = maxTime + killGrace
	params.MaxOpen = 2
	db, err := mysql.Open(ctx, params)
	if err != nil {
		return rep, err
	}
	defer db.Close()
	rep.Server = db.Server()

	var raw string
	switch {
	case kind == explainRead:
		raw, err = db.Explain(ctx, stmt, req.Analyze)
		rep.Executed = req.Analyze
	case req.Analyze:
		var out Outcome
		raw, out, err = w.analyzeWrite(ctx, db, p, stmt, req)
		rep.Executed = out.Status == "rolled back"
		rep.RolledBack = rep.Executed
		if err == nil && out.Status == "dry run" {
			rep.Notes = append(rep.Notes, "dry run: the statement was not executed and no plan was measured")
			rep.Findings = []dba.PlanFinding{}
			return rep, nil
		}
	default:
		var wr *mysql.Writer
		if wr, err = db.OpenWriter(ctx); err == nil {
			raw, err = wr.Explain(ctx, stmt)
			wr.Close()
		}
	}
	if err != nil {
		return rep, err
	}
	rep.Raw = raw
	plan, err := parse.ReadPlan([]byte(raw))
	if err != nil {
		// Not the user's input: the server answered something mydba
		// cannot read. Say so, keep the raw output.
		return rep, fmt.Errorf("read the server's plan (%s): %s", rep.Server.Series(), strings.TrimPrefix(err.Error(), dba.ErrInvalid.Error()+": "))
	}
	rep.Plan = plan
	var tables []dba.TableDetail
	if !req.NoSchema {
		tables, rep.Notes = w.describeForAdvice(ctx, db, stmt, params.Target.Database, rep.Notes)
	}
	rep.Findings = advise.Plan(advise.PlanInput{Plan: plan, SQL: stmt, DefaultSchema: params.Target.Database, Tables: tables})
	return rep, nil
}

// describeForAdvice reads the tables the statement names, for row counts,
// columns and indexes. A table that cannot be described is a note, not a
// failure.
func (w *Workbench) describeForAdvice(ctx context.Context, db *mysql.DB, stmt, defaultSchema string, notes []string) ([]dba.TableDetail, []string) {
	uses, err := sqltext.NewClassifier().IndexUses(stmt, nil)
	if err != nil {
		return nil, append(notes, "tables not described: "+err.Error())
	}
	seen := map[string]bool{}
	var out []dba.TableDetail
	for _, u := range uses {
		schema := u.Schema
		if schema == "" {
			schema = defaultSchema
		}
		key := strings.ToLower(schema + "." + u.Table)
		if seen[key] || schema == "" {
			continue
		}
		seen[key] = true
		if len(seen) > maxDescribedTables {
			notes = append(notes, fmt.Sprintf("only the first %d tables were described for advice", maxDescribedTables))
			break
		}
		d, err := db.Describe(ctx, schema, u.Table)
		if err != nil {
			notes = append(notes, fmt.Sprintf("%s.%s not described for advice: %v", schema, u.Table, err))
			continue
		}
		out = append(out, d)
	}
	return out, notes
}

// analyzeTarget is the gate's engine side for ANALYZE of a write: facts
// come from the writable session as for any change; executing runs the
// statement under ANALYZE in a transaction that is always rolled back.
type analyzeTarget struct {
	wr  *mysql.Writer
	raw string
}

var _ safety.Target = (*analyzeTarget)(nil)

func (t *analyzeTarget) Server() dba.Server { return t.wr.Server() }

func (t *analyzeTarget) Facts(ctx context.Context, stmt string, cl sqltext.Classification) (safety.Facts, error) {
	return t.wr.Facts(ctx, stmt, cl)
}

func (t *analyzeTarget) Execute(ctx context.Context, stmt string, _ []any, _ safety.TxMode, _ func(int64) error) (safety.Result, error) {
	raw, res, err := t.wr.AnalyzeRolledBack(ctx, stmt)
	t.raw = raw
	return res, err
}

// analyzeWrite measures a write through the safety gate: planned like any
// change, always confirmed explicitly (even where the policy would let the
// write run unasked: ANALYZE executes it), refused when a table written
// has no transactions (the rollback could not undo it), run inside a
// transaction that is rolled back, and audited.
func (w *Workbench) analyzeWrite(ctx context.Context, db *mysql.DB, p dba.Profile, stmt string, req ExplainRequest) (string, Outcome, error) {
	wr, err := db.OpenWriter(ctx)
	if err != nil {
		return "", Outcome{}, err
	}
	defer wr.Close()
	source := req.Source
	if source == "" {
		source = "cli"
	}
	display := "ANALYZE " + sqltext.NewClassifier().Redact(stmt) + " /* executed in a transaction that is rolled back */"
	sreq := safety.Request{Profile: p.Name, Env: p.Env, Statement: stmt, Display: display, Source: source, Actor: actor()}
	g := w.gate()
	t := &analyzeTarget{wr: wr}
	plan, err := g.Plan(ctx, t, sreq)
	if err != nil {
		return "", Outcome{Plan: plan}, err
	}
	plan.Mode = safety.TxRollback
	plan.ModeText = "executed under ANALYZE inside a transaction that is always rolled back: nothing is kept"
	switch {
	case !plan.Transactional:
		plan.Decision = safety.Decision{Verdict: safety.Refuse, Why: append([]string{"ANALYZE runs the statement; a table it writes has no transactions, so rolling back could not undo it"}, plan.Notes...)}
	case plan.Decision.Verdict == safety.Allow:
		// The policy would run this write unasked; ANALYZE executes it,
		// so it is confirmed explicitly all the same.
		plan.Decision.Verdict = safety.Confirm
		plan.Decision.Why = []string{"ANALYZE executes the statement (then rolls it back): it needs explicit confirmation"}
	}
	var a Approval
	if req.Approve != nil && plan.Decision.Verdict != safety.Refuse {
		if a, err = req.Approve(plan); err != nil {
			return "", Outcome{Plan: plan}, err
		}
	}
	// The transaction is always rolled back; --rollback adds nothing.
	a.Rollback = false
	out, err := g.Execute(ctx, t, plan, a)
	if err != nil {
		return "", out, err
	}
	if out.Status == "dry run" {
		return "", out, nil
	}
	if t.raw == "" {
		return "", out, errors.New("ANALYZE returned no plan")
	}
	return t.raw, out, nil
}

// ReadPlanFile reads a plan saved by the user (EXPLAIN/ANALYZE output in
// any format, or mydba's own -o json), for plan-diff. "-" reads stdin.
func ReadPlanFile(path string, stdin func() ([]byte, error)) (dba.Plan, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = stdin()
	} else {
		var st os.FileInfo
		if st, err = os.Stat(path); err == nil && st.Size() > parse.MaxPlanBytes {
			return dba.Plan{}, fmt.Errorf("%w: %s is %d bytes; plans are read up to %d", dba.ErrInvalid, path, st.Size(), parse.MaxPlanBytes)
		}
		if err == nil {
			b, err = os.ReadFile(path)
		}
	}
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return dba.Plan{}, fmt.Errorf("%w: plan file %s", dba.ErrNotFound, path)
		}
		return dba.Plan{}, fmt.Errorf("read plan %s: %w", path, err)
	}
	p, err := parse.ReadPlan(b)
	if err != nil {
		return dba.Plan{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// DiffPlans compares two plans of the same statement node by node.
func DiffPlans(before, after dba.Plan) dba.PlanDiff { return parse.DiffPlans(before, after) }

// ExplainBoth explains the same statement on two connections (EXPLAIN
// only: nothing is executed) and compares the plans.
func (w *Workbench) ExplainBoth(ctx context.Context, before, after ExplainRequest) (dba.PlanReport, dba.PlanReport, dba.PlanDiff, error) {
	if before.Analyze || after.Analyze {
		return dba.PlanReport{}, dba.PlanReport{}, dba.PlanDiff{}, fmt.Errorf("%w: plan-diff of two servers runs EXPLAIN only", dba.ErrInvalid)
	}
	a, err := w.Explain(ctx, before)
	if err != nil {
		return a, dba.PlanReport{}, dba.PlanDiff{}, fmt.Errorf("before: %w", err)
	}
	b, err := w.Explain(ctx, after)
	if err != nil {
		return a, b, dba.PlanDiff{}, fmt.Errorf("after: %w", err)
	}
	d := parse.DiffPlans(a.Plan, b.Plan)
	d.Before.Source, d.After.Source = sourceName(a), sourceName(b)
	return a, b, d, nil
}

func sourceName(r dba.PlanReport) string {
	return fmt.Sprintf("%s (%s %s)", r.Profile, r.Server.Flavor, r.Server.Version)
}

// ReportSavedPlan turns a plan read from a file into a report: the
// advisor runs on it (and on sql, when given, for concrete index advice);
// with no server at hand there are no table facts.
func ReportSavedPlan(p dba.Plan, sql string) dba.PlanReport {
	rep := dba.PlanReport{Plan: p, Executed: p.Analyzed}
	if strings.TrimSpace(sql) != "" {
		rep.Statement = sqltext.NewClassifier().Redact(sql)
	}
	rep.Findings = advise.Plan(advise.PlanInput{Plan: p, SQL: sql})
	return rep
}
