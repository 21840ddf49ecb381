package workbench

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/mydba/mydba/internal/ai"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/safety"
	"github.com/mydba/mydba/internal/sqltext"
)

// QueryAssistRequest asks the assistant about one statement.
type QueryAssistRequest struct {
	Conn ConnRequest
	// SQL is one statement; nothing of it is executed (EXPLAIN only)
	// except by ProfileWithAI, which runs a read once to measure it.
	SQL string
	// Question adds the user's own words ("why does this time out?").
	Question string
	AssistOptions
}

// ExplainWithAI explains a statement: static findings, plan pain points
// and the schema of the tables it reads become prioritised advice, each
// point linked to its evidence (finding code, plan node, variable) and to
// knowledge-base citations. The statement is explained, never executed.
func (w *Workbench) ExplainWithAI(ctx context.Context, req QueryAssistRequest) (Answer, error) {
	return w.queryAssist(ctx, req, ai.TaskExplainQuery, true)
}

// AnalyzeWithAI is ExplainWithAI without a plan: the static-analysis
// findings and the schema only (the chat's /analyze).
func (w *Workbench) AnalyzeWithAI(ctx context.Context, req QueryAssistRequest) (Answer, error) {
	return w.queryAssist(ctx, req, ai.TaskExplainQuery, false)
}

// Optimize proposes rewrites and index DDL for a statement. The proposals
// are only proposals: index DDL goes through the safety gate when the
// user applies it (ApplyProposal), and TryProposal compares the plans
// before and after.
func (w *Workbench) Optimize(ctx context.Context, req QueryAssistRequest) (Answer, error) {
	return w.queryAssist(ctx, req, ai.TaskOptimize, true)
}

// oneStatement checks the SQL is exactly one statement.
func oneStatement(sql string) (string, error) {
	stmts := sqltext.Split(sql)
	switch {
	case len(stmts) == 0:
		return "", fmt.Errorf("%w: no SQL statement given", dba.ErrInvalid)
	case len(stmts) > 1:
		return "", fmt.Errorf("%w: %d statements given; the assistant looks at one statement at a time", dba.ErrInvalid, len(stmts))
	}
	return stmts[0].Text, nil
}

func (w *Workbench) queryAssist(ctx context.Context, req QueryAssistRequest, task ai.Task, withPlan bool) (Answer, error) {
	stmt, err := oneStatement(req.SQL)
	if err != nil {
		return Answer{}, err
	}
	var notes []string
	var rep *dba.PlanReport
	if withPlan {
		r, err := w.Explain(ctx, ExplainRequest{Conn: req.Conn, SQL: stmt, Source: sourceOr(req.Source)})
		switch {
		case err == nil:
			rep = &r
		case errors.Is(err, dba.ErrInvalid):
			// Not explainable (DDL, a syntax the server refuses): the
			// static findings still apply.
			notes = append(notes, "no plan: "+err.Error())
		default:
			return Answer{}, err
		}
	}
	db, p, err := w.open(ctx, req.Conn)
	if err != nil {
		return Answer{}, err
	}
	tables, notes := w.describeForAdvice(ctx, db, stmt, p.Target.Database, notes)
	server := db.Server()
	db.Close()
	schema := &sqltext.SchemaInfo{DefaultSchema: p.Target.Database}
	for _, t := range tables {
		schema.Tables = append(schema.Tables, sqltext.TableSchemaOf(t))
	}
	findings := analyzeGuarded(stmt, schema)
	c := ai.Context{Server: server, Question: req.Question, SQL: stmt, Findings: findings, Tables: tables, Notes: notes}
	if rep != nil {
		c.Plan = &rep.Plan
		c.PlanFindings = rep.Findings
		c.Notes = append(c.Notes, rep.Notes...)
	}
	qs := codeQueries(findings, c.PlanFindings)
	if strings.TrimSpace(req.Question) != "" {
		qs = append(qs, citeQuery{Key: "question", Query: req.Question, K: 2})
	}
	var cites map[string][]int
	var rnotes []string
	c.Citations, cites, rnotes = w.retrieve(ctx, req.AssistOptions, server, qs)
	ans := Answer{Profile: p.Name, Statement: stmt, Notes: append(notes, rnotes...)}
	for i, f := range c.PlanFindings {
		if ddl, ok := indexDDL(f.Fix); ok {
			ans.addProposal(proposalOf(ddl, f.Code, []string{"P" + strconv.Itoa(i+1)}, ""))
		}
	}
	w.assistRun(ctx, req.AssistOptions, task, c, cites, redactorFor(p), &ans)
	return ans, nil
}

// analyzeGuarded runs the static rules; the parser's literal driver can
// panic on odd input (see classifyGuarded), which must not take the
// assistant down.
func analyzeGuarded(stmt string, schema *sqltext.SchemaInfo) (fs []dba.Finding) {
	defer func() {
		if recover() != nil {
			fs = []dba.Finding{{Code: sqltext.CodeNotAnalyzed, Severity: dba.SeverityInfo, Why: "the SQL parser failed on this statement; no rule ran on it"}}
		}
	}()
	return sqltext.NewClassifier().Analyze(stmt, schema)
}

// codeQueries searches the knowledge base once per finding code.
func codeQueries(fs []dba.Finding, pfs []dba.PlanFinding) []citeQuery {
	seen := map[string]bool{}
	var qs []citeQuery
	add := func(code string) {
		if code == "" || seen[code] {
			return
		}
		seen[code] = true
		qs = append(qs, citeQuery{Key: code, Code: code, Query: code + " " + splitCamel(code), K: 1})
	}
	for _, f := range pfs {
		if !f.Positive {
			add(f.Code)
		}
	}
	for _, f := range fs {
		add(f.Code)
	}
	return qs
}

// splitCamel turns FullTableScan into "full table scan" for full-text
// search.
func splitCamel(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func sourceOr(s string) string {
	if s == "" {
		return "cli"
	}
	return s
}

// createIndexRE finds the CREATE INDEX statement the plan advisor writes
// at the start of a fix.
var createIndexRE = regexp.MustCompile("^CREATE (?:UNIQUE )?INDEX [^;]+;")

// indexDDL extracts the index DDL of a plan finding's fix.
func indexDDL(fix string) (string, bool) {
	m := createIndexRE.FindString(strings.TrimSpace(fix))
	if m == "" {
		return "", false
	}
	return strings.TrimSuffix(m, ";"), true
}

// ProfileWithAI runs a read once under performance_schema (see
// ProfileStatement: the statement is executed, read-only) and explains
// where its time went.
func (w *Workbench) ProfileWithAI(ctx context.Context, req QueryAssistRequest) (Answer, error) {
	stmt, err := oneStatement(req.SQL)
	if err != nil {
		return Answer{}, err
	}
	res, err := w.ProfileStatement(ctx, ProfileRequest{Conn: req.Conn, SQL: stmt, Source: sourceOr(req.Source)})
	if err != nil {
		return Answer{}, err
	}
	if res.Statement == nil {
		return Answer{}, fmt.Errorf("%w: the statement was not profiled", dba.ErrInvalid)
	}
	p, err := w.Profile(ctx, req.Conn.Profile)
	if err != nil && req.Conn.Profile != "" {
		return Answer{}, err
	}
	prof := res.Statement
	findings := analyzeGuarded(stmt, nil)
	c := ai.Context{Server: prof.Server, Question: req.Question, SQL: stmt, Findings: findings, Profile: prof}
	qs := codeQueries(findings, nil)
	qs = append(qs, citeQuery{Key: "profile", Query: "statement profile stages performance_schema", K: 2})
	for _, code := range ai.ProfileCodes(prof) {
		qs = append(qs, citeQuery{Key: code, Code: code, Query: splitCamel(code), K: 1})
	}
	var cites map[string][]int
	var rnotes []string
	c.Citations, cites, rnotes = w.retrieve(ctx, req.AssistOptions, prof.Server, qs)
	ans := Answer{Profile: res.Profile, Notes: rnotes}
	w.assistRun(ctx, req.AssistOptions, ai.TaskExplainQuery, c, cites, redactorFor(p), &ans)
	return ans, nil
}

// TryRequest tries a proposal: a rewrite is explained next to the
// original (nothing executed); index DDL is applied through the safety
// gate (only with Apply and the gate's approval), then the original is
// explained again.
type TryRequest struct {
	Conn ConnRequest
	// SQL is the original statement; Proposal the rewrite or index DDL.
	SQL      string
	Proposal string
	// Apply lets index DDL run (through the gate, with Approve).
	Apply   bool
	Approve func(Plan) (Approval, error)
	Source  string
	// By names the proposer for the audit log ("openai/gpt-4o", or a
	// finding code).
	By string
}

// TryResult is a tried proposal: the plans before and after and how they
// differ.
type TryResult struct {
	Kind   string          `json:"kind"`
	Before dba.PlanReport  `json:"before"`
	After  *dba.PlanReport `json:"after,omitempty"`
	Diff   *dba.PlanDiff   `json:"diff,omitempty"`
	// Applied is the gate's outcome for index DDL.
	Applied *Outcome `json:"applied,omitempty"`
	Notes   []string `json:"notes,omitempty"`
}

// TryProposal shows a proposal's estimated impact with EXPLAIN before and
// after and a plan diff.
func (w *Workbench) TryProposal(ctx context.Context, req TryRequest) (TryResult, error) {
	orig, err := oneStatement(req.SQL)
	if err != nil {
		return TryResult{}, fmt.Errorf("original: %w", err)
	}
	prop, err := oneStatement(req.Proposal)
	if err != nil {
		return TryResult{}, fmt.Errorf("proposal: %w", err)
	}
	pr := proposalOf(prop, "ai", nil, "")
	res := TryResult{Kind: pr.Kind}
	if !pr.Tryable() {
		return res, fmt.Errorf("%w: only rewrites (a SELECT) and index DDL can be tried; this proposal is %s: send it through the safety gate with mydba exec if you want it", dba.ErrInvalid, pr.Kind)
	}
	source := sourceOr(req.Source)
	explain := func(sql string) (dba.PlanReport, error) {
		return w.Explain(ctx, ExplainRequest{Conn: req.Conn, SQL: sql, Source: source})
	}
	if res.Before, err = explain(orig); err != nil {
		return res, fmt.Errorf("explain the original: %w", err)
	}
	if pr.Kind == "rewrite" {
		after, err := explain(prop)
		if err != nil {
			return res, fmt.Errorf("explain the rewrite: %w", err)
		}
		d := DiffPlans(res.Before.Plan, after.Plan)
		res.After, res.Diff = &after, &d
		res.Notes = append(res.Notes, "nothing was executed: both plans are EXPLAIN estimates. Check that the rewrite returns the same rows; mydba compares plans, not results.")
		return res, nil
	}
	if !req.Apply {
		res.Notes = append(res.Notes, "index DDL changes the server: apply it through the safety gate to see the plan after (mydba optimize --try N --apply, or the proposal's button in the web UI)")
		return res, nil
	}
	out, err := w.ApplyProposal(ctx, ApplyRequest{Conn: req.Conn, SQL: prop, Source: source, By: req.By, Approve: req.Approve})
	res.Applied = &out
	if err != nil {
		return res, err
	}
	if out.Status != "executed" {
		res.Notes = append(res.Notes, "the index was not created ("+out.Status+"): no plan after")
		return res, nil
	}
	after, err := explain(orig)
	if err != nil {
		return res, fmt.Errorf("explain after the change: %w", err)
	}
	d := DiffPlans(res.Before.Plan, after.Plan)
	res.After, res.Diff = &after, &d
	return res, nil
}

// ApplyRequest sends a proposal through the safety gate.
type ApplyRequest struct {
	Conn ConnRequest
	SQL  string
	// From is "ai" (default) or the finding code of a rule's fix; By names
	// the provider and model.
	From    string
	By      string
	Source  string
	Approve func(Plan) (Approval, error)
}

// ApplyProposal runs a proposal through the safety gate like any change
// (plan, the approval the environment requires, audit). The statement
// carries a tag comment naming the proposer and the audit log records the
// assistant as the actor, with the OS user who approved it.
func (w *Workbench) ApplyProposal(ctx context.Context, req ApplyRequest) (Outcome, error) {
	stmt, err := oneStatement(req.SQL)
	if err != nil {
		return Outcome{}, err
	}
	from := req.From
	if from == "" {
		from = "ai"
	}
	if !strings.HasPrefix(stmt, "/* mydba:") {
		stmt = attributed(stmt, from, req.By)
	}
	who := "ai assistant"
	if from != "ai" {
		who = "mydba advice " + from
	} else if by := ai.CleanLabel(req.By); by != "" {
		who += " " + by
	}
	if u := actor(); u != "" {
		who += " (approved by " + u + ")"
	}
	return w.change(ctx, req.Conn, safety.Request{Statement: stmt, Source: sourceOr(req.Source), Actor: who}, req.Approve, nil)
}
