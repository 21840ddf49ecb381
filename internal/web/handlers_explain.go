package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/export"
	"github.com/mydba/mydba/internal/web/views"
	"github.com/mydba/mydba/internal/workbench"
)

// Plan uploads (saved plans for EXPLAIN and plan diff) are read whole into
// memory, so the web caps them below the parser's own limit: a real plan
// is a few hundred kilobytes.
const (
	planUploadMax = 4 << 20
	// planUploadBody bounds a whole upload request: two plans, a statement
	// and the multipart framing.
	planUploadBody = 2*planUploadMax + 256<<10
)

// explainForm is the EXPLAIN form as the user filled it in.
type explainForm struct {
	SQL      string
	Analyze  bool
	MaxTime  int // seconds
	NoSchema bool
	// Stage is "run" when the form comes from the ANALYZE dialog, with
	// the approval the user gave.
	Stage    string
	Approval workbench.Approval
}

// maxTimeLimit is the longest statement time a page may ask for: the
// request itself ends after RequestTimeout, and reading the plan and the
// tables' definitions needs a few seconds after the statement.
func (s *Server) maxTimeLimit() int {
	return max(int(s.opts.RequestTimeout/time.Second)-5, 1)
}

// defaultMaxTime is the statement time limit a form starts with.
func (s *Server) defaultMaxTime() int {
	return min(int(workbench.DefaultQueryMaxTime/time.Second), s.maxTimeLimit())
}

// parseMaxTime reads a max_time field (seconds); "" is the default.
func (s *Server) parseMaxTime(v string) (int, error) {
	if strings.TrimSpace(v) == "" {
		return s.defaultMaxTime(), nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 || n > s.maxTimeLimit() {
		return 0, dbaInvalid(fmt.Sprintf("max time must be a whole number of seconds from 1 to %d", s.maxTimeLimit()))
	}
	return n, nil
}

// approvalForm reads the approval a gate dialog collected.
func approvalForm(r *http.Request) workbench.Approval {
	return workbench.Approval{
		Confirmed: r.PostFormValue("confirm") == "1",
		TypedName: r.PostFormValue("typed_name"),
		Reason:    r.PostFormValue("reason"),
		DryRun:    r.PostFormValue("dry_run") == "1",
	}
}

func (s *Server) parseExplainForm(r *http.Request) (explainForm, error) {
	f := explainForm{SQL: r.PostFormValue("sql"), Analyze: r.PostFormValue("analyze") == "1",
		NoSchema: r.PostFormValue("no_schema") == "1", Stage: r.PostFormValue("stage")}
	var err error
	if f.MaxTime, err = s.parseMaxTime(r.PostFormValue("max_time")); err != nil {
		return f, err
	}
	if strings.TrimSpace(f.SQL) == "" {
		return f, dbaInvalid("no statement to explain")
	}
	if f.Stage == "run" {
		f.Approval = approvalForm(r)
	}
	return f, nil
}

func (s *Server) explainPageData(r *http.Request, conn workbench.ConnRequest, sql string) views.ExplainPage {
	e := views.ExplainPage{SQL: sql, MaxTime: s.defaultMaxTime(), MaxTimeMax: s.maxTimeLimit(),
		PlanDiffURL: pathJoin("c", conn.Profile, "plan-diff"), ProfileURL: pathJoin("c", conn.Profile, "profile")}
	if prof, err := s.wb.Profile(r.Context(), conn.Profile); err == nil {
		e.Database = prof.Target.Database
	}
	return e
}

// explainPage shows the EXPLAIN form; with ?sql= it explains the
// statement at once (EXPLAIN never executes it).
func (s *Server) explainPage(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "EXPLAIN", "explain", conn.Profile)
	sql := r.URL.Query().Get("sql")
	e := s.explainPageData(r, conn, sql)
	if strings.TrimSpace(sql) != "" {
		rep, err := s.wb.Explain(r.Context(), workbench.ExplainRequest{Conn: conn, SQL: sql, MaxTime: time.Duration(e.MaxTime) * time.Second, Source: "web"})
		e.Result = planResult(rep, err, conn.Profile, s.opts.Now())
	}
	s.render(w, r, http.StatusOK, views.Explain(p, e))
}

// explainRun explains (or analyzes) the form's statement. ANALYZE of a
// write goes through the safety gate: the first request only plans it and
// answers with the approval dialog; the dialog posts again with the
// user's approval (stage=run), and the gate plans afresh and decides.
func (s *Server) explainRun(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "EXPLAIN", "explain", conn.Profile)
	f, err := s.parseExplainForm(r)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	var pending *workbench.Plan
	var approve func(workbench.Plan) (workbench.Approval, error)
	if f.Analyze {
		if f.Stage == "run" {
			a := f.Approval
			approve = func(workbench.Plan) (workbench.Approval, error) { return a, nil }
		} else {
			approve = func(pl workbench.Plan) (workbench.Approval, error) {
				pending = &pl
				return workbench.Approval{}, errPreview
			}
		}
	}
	rep, err := s.wb.Explain(r.Context(), workbench.ExplainRequest{
		Conn: conn, SQL: f.SQL, Analyze: f.Analyze, MaxTime: time.Duration(f.MaxTime) * time.Second,
		Source: "web", Approve: approve, NoSchema: f.NoSchema,
	})
	if pending != nil && errors.Is(err, errPreview) {
		d := analyzeDialog(p, f, *pending)
		if !isFragment(r) {
			e := s.explainPageData(r, conn, f.SQL)
			e.Dialog = &d
			s.render(w, r, http.StatusOK, views.Explain(p, e))
			return
		}
		w.Header().Set("HX-Retarget", "#dialog-slot")
		w.Header().Set("HX-Reswap", "innerHTML")
		s.render(w, r, http.StatusOK, views.GateDialog(p, d))
		return
	}
	res := planResult(rep, err, conn.Profile, s.opts.Now())
	if res.Report == nil && res.Refused == "" && err != nil && !isFragment(r) {
		s.fail(w, r, p, err)
		return
	}
	res.ClearDialog = f.Stage == "run"
	if !isFragment(r) {
		e := s.explainPageData(r, conn, f.SQL)
		e.Analyze, e.MaxTime, e.NoSchema = f.Analyze, f.MaxTime, f.NoSchema
		e.Result = res
		s.render(w, r, http.StatusOK, views.Explain(p, e))
		return
	}
	s.render(w, r, resultStatus(res, err), views.PlanResultView(p, *res))
}

// resultStatus is a result fragment's status: a refusal by the gate is a
// normal answer (shown in place), other errors keep their status.
func resultStatus(res *views.PlanResult, err error) int {
	if err == nil || res.Refused != "" || res.Report != nil {
		return http.StatusOK
	}
	return statusOf(err)
}

// analyzeDialog is the approval dialog for ANALYZE of a write: the gate's
// plan and the fields its decision asks for. It posts the form back with
// stage=run.
func analyzeDialog(p views.Page, f explainForm, plan workbench.Plan) views.GateDialogData {
	hidden := []views.Field{
		{Name: "sql", Value: f.SQL}, {Name: "analyze", Value: "1"}, {Name: "stage", Value: "run"},
		{Name: "max_time", Value: strconv.Itoa(f.MaxTime)},
	}
	if f.NoSchema {
		hidden = append(hidden, views.Field{Name: "no_schema", Value: "1"})
	}
	return views.GateDialogData{
		ID: "analyze-dialog", Title: "ANALYZE executes this statement",
		Intro:   "ANALYZE runs the statement to measure every step, inside a transaction that is always rolled back, and records it in the audit log. Nothing is kept.",
		Plan:    plan,
		PostURL: pathJoin("c", p.Profile, "explain"), Target: "#plan-result",
		Hidden: hidden, RunLabel: "Run ANALYZE and roll back",
	}
}

// planResult turns an explain answer into what the result area shows.
func planResult(rep dba.PlanReport, err error, profile string, now time.Time) *views.PlanResult {
	res := &views.PlanResult{FileName: planFileName(profile, now)}
	switch {
	case errors.Is(err, workbench.ErrRefused):
		res.Refused = err.Error()
		return res
	case err != nil:
		res.Error = err.Error()
		return res
	}
	rep.Raw = ""
	if rep.Plan.Root == nil {
		// A dry run of ANALYZE: nothing ran, there is no plan to show.
		res.Notes = rep.Notes
		return res
	}
	b, jerr := json.Marshal(rep)
	if jerr != nil {
		res.Error = "could not encode the plan: " + jerr.Error()
		return res
	}
	res.Report, res.JSON = &rep, string(b)
	return res
}

// planFileName is the base name of exported plans (plan.js adds .svg,
// .png or .json): mydba-plan-<profile>-<time>, the profile name cleaned as
// for query exports.
func planFileName(profile string, now time.Time) string {
	return "mydba-plan-" + strings.TrimSuffix(strings.TrimPrefix(exportFileName(profile, export.JSON, now), "mydba-"), ".json")
}

// explainSaved shows a plan saved earlier (any format mydba reads),
// uploaded as a file: the advisor runs on it, on the statement too when
// given, with no server involved.
func (s *Server) explainSaved(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "EXPLAIN", "explain", conn.Profile)
	files, err := readPlanUploads(w, r, "plan")
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	rep := workbench.ReportSavedPlan(files[0].Plan, r.PostFormValue("sql"))
	res := planResult(rep, nil, conn.Profile, s.opts.Now())
	res.Source = files[0].Name
	if !isFragment(r) {
		e := s.explainPageData(r, conn, r.PostFormValue("sql"))
		e.Result = res
		s.render(w, r, http.StatusOK, views.Explain(p, e))
		return
	}
	s.render(w, r, http.StatusOK, views.PlanResultView(p, *res))
}

// uploadedPlan is a plan read from an uploaded file.
type uploadedPlan struct {
	Name string
	Plan dba.Plan
}

// uploadError names the file a plan could not be read from.
type uploadError struct {
	name string
	err  error
}

func (e *uploadError) Error() string {
	// ReadPlanFile names its input "-" (it reads the upload as stdin).
	return e.name + ": " + strings.TrimPrefix(e.err.Error(), "-: ")
}

func (e *uploadError) Unwrap() error { return e.err }

// readPlanUploads reads the named file fields of a multipart form as
// plans, through the same reader as `mydba plan-diff` and `explain
// --from`, within the upload caps.
func readPlanUploads(w http.ResponseWriter, r *http.Request, fields ...string) ([]uploadedPlan, error) {
	r.Body = http.MaxBytesReader(w, r.Body, planUploadBody)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, dbaInvalid(fmt.Sprintf("the upload is larger than %d MiB; plans are read up to %d MiB each", planUploadBody>>20, planUploadMax>>20))
		}
		return nil, dbaInvalid("send the plans as a multipart form (" + err.Error() + ")")
	}
	out := make([]uploadedPlan, 0, len(fields))
	for _, field := range fields {
		f, hdr, err := r.FormFile(field)
		if err != nil {
			return nil, dbaInvalid("choose a plan file for " + field)
		}
		b, err := readUpload(f, hdr)
		f.Close()
		if err != nil {
			return nil, err
		}
		plan, err := workbench.ReadPlanFile("-", func() ([]byte, error) { return b, nil })
		if err != nil {
			return nil, &uploadError{name: hdr.Filename, err: err}
		}
		out = append(out, uploadedPlan{Name: hdr.Filename, Plan: plan})
	}
	return out, nil
}

func readUpload(f multipart.File, hdr *multipart.FileHeader) ([]byte, error) {
	if hdr.Size > planUploadMax {
		return nil, dbaInvalid(fmt.Sprintf("%s is %d bytes; plans are read up to %d MiB", hdr.Filename, hdr.Size, planUploadMax>>20))
	}
	b, err := io.ReadAll(io.LimitReader(f, planUploadMax+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", hdr.Filename, err)
	}
	if len(b) > planUploadMax {
		return nil, dbaInvalid(fmt.Sprintf("%s is larger than %d MiB", hdr.Filename, planUploadMax>>20))
	}
	return b, nil
}

// planDiffPage shows the plan diff forms: the same statement on this
// connection and another, or two saved plans.
func (s *Server) planDiffPage(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "Plan diff", "explain", conn.Profile)
	s.render(w, r, http.StatusOK, views.PlanDiff(p, s.planDiffData(p, r.URL.Query().Get("sql"), r.URL.Query().Get("against"))))
}

func (s *Server) planDiffData(p views.Page, sql, against string) views.PlanDiffPage {
	d := views.PlanDiffPage{SQL: sql, Against: against, MaxTime: s.defaultMaxTime(), MaxTimeMax: s.maxTimeLimit()}
	for _, it := range p.Profiles {
		if it.Name != p.Profile {
			d.Others = append(d.Others, it)
		}
	}
	return d
}

// planDiffLive explains the statement on this connection (before) and on
// the chosen one (after), EXPLAIN only, and compares the plans.
func (s *Server) planDiffLive(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "Plan diff", "explain", conn.Profile)
	sql, against := r.PostFormValue("sql"), r.PostFormValue("against")
	maxTime, err := s.parseMaxTime(r.PostFormValue("max_time"))
	switch {
	case err != nil:
	case strings.TrimSpace(sql) == "":
		err = dbaInvalid("no statement to compare")
	case against == "":
		err = dbaInvalid("choose the connection to compare with")
	}
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	mt := time.Duration(maxTime) * time.Second
	before, after, d, err := s.wb.ExplainBoth(r.Context(),
		workbench.ExplainRequest{Conn: conn, SQL: sql, MaxTime: mt, Source: "web", NoSchema: true},
		workbench.ExplainRequest{Conn: workbench.ConnRequest{Profile: against}, SQL: sql, MaxTime: mt, Source: "web", NoSchema: true})
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	s.renderPlanDiff(w, r, p, views.PlanDiffResult{Diff: d, Before: before.Plan, After: after.Plan}, sql, against)
}

// planDiffFiles compares two uploaded plans.
func (s *Server) planDiffFiles(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "Plan diff", "explain", conn.Profile)
	files, err := readPlanUploads(w, r, "before", "after")
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	d := workbench.DiffPlans(files[0].Plan, files[1].Plan)
	d.Before.Source, d.After.Source = files[0].Name, files[1].Name
	s.renderPlanDiff(w, r, p, views.PlanDiffResult{Diff: d, Before: files[0].Plan, After: files[1].Plan}, "", "")
}

// planDiffRewrite compares the plan of a statement with the plan of a
// rewrite the assistant proposed, on this connection: both are EXPLAINed,
// nothing is executed (the web side of mydba optimize --try).
func (s *Server) planDiffRewrite(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "Plan diff", "explain", conn.Profile)
	sql, rewrite := r.PostFormValue("sql"), r.PostFormValue("rewrite")
	if strings.TrimSpace(sql) == "" || strings.TrimSpace(rewrite) == "" {
		s.fail(w, r, p, dbaInvalid("give the statement and its rewrite to compare"))
		return
	}
	res, err := s.wb.TryProposal(r.Context(), workbench.TryRequest{Conn: conn, SQL: sql, Proposal: rewrite, Source: "web"})
	if err == nil && res.Diff == nil {
		// Index DDL: its plan after needs the index, created through the
		// safety gate (the proposal's Review button).
		err = dbaInvalid("only a rewrite can be compared without changing the server; apply index DDL through the safety gate, then EXPLAIN again")
	}
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	d := *res.Diff
	d.Before.Source, d.After.Source = "statement", "rewrite"
	s.renderPlanDiff(w, r, p, views.PlanDiffResult{Diff: d, Before: res.Before.Plan, After: res.After.Plan, Notes: res.Notes}, sql, "")
}

func (s *Server) renderPlanDiff(w http.ResponseWriter, r *http.Request, p views.Page, res views.PlanDiffResult, sql, against string) {
	b, err := json.Marshal(res.Diff)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	res.JSON, res.FileName = string(b), strings.Replace(planFileName(p.Profile, s.opts.Now()), "mydba-plan-", "mydba-plan-diff-", 1)
	if !isFragment(r) {
		d := s.planDiffData(p, sql, against)
		d.Result = &res
		s.render(w, r, http.StatusOK, views.PlanDiff(p, d))
		return
	}
	s.render(w, r, http.StatusOK, views.PlanDiffBody(res))
}
