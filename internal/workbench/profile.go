package workbench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/adapter/mysql"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/safety"
	"github.com/mydba/mydba/internal/sqltext"
)

// profileReadGrace is how much longer than the statement's own limit a
// profile may take: the performance_schema reads after it.
const profileReadGrace = 15 * time.Second

// ProfileRequest is one read statement to run once and profile.
type ProfileRequest struct {
	Conn ConnRequest
	SQL  string
	// MaxTime limits the statement (default DefaultQueryMaxTime).
	MaxTime time.Duration
	// Waits also records and reports wait events (table and file I/O,
	// table locks) inside the statement.
	Waits bool
	// Enable is the user's consent to switch on the performance_schema
	// consumers and instruments the profile needs, through the safety
	// gate, and to restore them afterwards. Without it missing settings
	// are an error that names them.
	Enable bool
	// Approve answers the gate's plans for the changes (see
	// ChangeRequest.Approve). The restores reuse the answer given to the
	// first change: they undo what was approved.
	Approve func(Plan) (Approval, error)
	// Source names the presenter for history and audit.
	Source string
	// NoHistory keeps the statement out of the query history.
	NoHistory bool
}

// InstrumentChange is a performance_schema setting changed for a profile,
// through the safety gate.
type InstrumentChange struct {
	// Purpose is "enable" or "restore".
	Purpose   string `json:"purpose"`
	Statement string `json:"statement"`
	// Status is the gate's: executed, dry run, refused, failed.
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// ProfileResult is a profile and the settings changed to record it.
type ProfileResult struct {
	Profile string `json:"profile"`
	// Statement is nil when nothing was run (a dry run of the changes).
	Statement *dba.StatementProfile `json:"statement"`
	Changes   []InstrumentChange    `json:"instrumentation_changes"`
}

// profiledStatement checks the SQL is exactly one read: a profile runs it
// for real, and writes go through `mydba exec`.
func profiledStatement(sql string) (string, error) {
	stmts := sqltext.Split(sql)
	switch {
	case len(stmts) == 0:
		return "", fmt.Errorf("%w: no SQL statement given", dba.ErrInvalid)
	case len(stmts) > 1:
		return "", fmt.Errorf("%w: %d statements given; a profile runs one statement", dba.ErrInvalid, len(stmts))
	}
	st := stmts[0]
	cl := sqltext.NewClassifier().Classify(st.Text)
	if !cl.IsRead() {
		kind := cl.Kind
		if kind == "" {
			kind = "the statement"
		}
		return "", fmt.Errorf("%w: %s is %s (%s). mydba profile runs the statement for real, on a read-only session, so it profiles reads only; change data with mydba exec. Nothing was sent to the server",
			dba.ErrRefused, kind, classLabel(cl), cl.Reason)
	}
	return st.Text, nil
}

// ProfileStatement runs one read statement on a read-only session, under its time
// limit, and returns the server's account of it: statement counters,
// stage-by-stage timing ready for a waterfall, and waits where recorded.
//
// When performance_schema would not record it, the statement is not run:
// without req.Enable the error names the missing settings; with it, the
// fixable ones are switched on through the safety gate (plan, approval,
// audit), the statement is profiled, and every setting changed is put
// back, also through the gate, whatever happened in between.
func (w *Workbench) ProfileStatement(ctx context.Context, req ProfileRequest) (res ProfileResult, err error) {
	res.Changes = []InstrumentChange{}
	stmt, err := profiledStatement(req.SQL)
	if err != nil {
		return res, err
	}
	maxTime := req.MaxTime
	if maxTime <= 0 {
		maxTime = DefaultQueryMaxTime
	}
	p, params, err := w.resolve(ctx, req.Conn)
	res.Profile = p.Name
	if err != nil {
		return res, err
	}
	params.StatementTimeout = maxTime
	params.CallTimeout = maxTime + killGrace + profileReadGrace
	params.MaxOpen = 2
	db, err := mysql.Open(ctx, params)
	if err != nil {
		return res, err
	}
	defer db.Close()
	o := mysql.ProfileOptions{Waits: req.Waits}
	ready, err := db.ProfilingReadiness(ctx, o)
	if err != nil {
		return res, err
	}
	var restore []string
	if len(ready.Gaps) > 0 {
		nie := &dba.NotInstrumentedError{Gaps: ready.Gaps}
		switch {
		case !nie.Fixable():
			return res, nie
		case !req.Enable:
			return res, fmt.Errorf("%w; mydba can switch them on for this profile and restore them afterwards, through the safety gate, when asked to", nie)
		}
		var approval *Approval
		restore, err = w.enableInstruments(ctx, req, mysql.ProfilingChanges(ready), &approval, &res)
		if err != nil || approval == nil || approval.DryRun {
			return res, errors.Join(err, w.restoreInstruments(ctx, req, restore, approval, &res))
		}
		defer func() {
			if rerr := w.restoreInstruments(ctx, req, restore, approval, &res); rerr != nil {
				err = errors.Join(err, rerr)
			}
		}()
	}
	started := time.Now().UTC()
	prof, perr := db.ProfileStatement(ctx, stmt, o)
	if !req.NoHistory && !errors.As(perr, new(*dba.NotInstrumentedError)) {
		e := dba.HistoryEntry{Profile: p.Name, Database: params.Target.Database, Statement: stmt, Source: req.Source,
			Started: started, Duration: prof.ClientTime, Rows: prof.RowsReceived}
		if perr != nil {
			e.Error = perr.Error()
		}
		if herr := w.recordHistory(ctx, e); herr != nil {
			w.opts.Notice("could not record the statement in the history: " + herr.Error())
		}
	}
	if perr != nil {
		return res, perr
	}
	res.Statement = &prof
	return res, nil
}

// enableInstruments runs each change through the gate, asking for
// approval of each; it stops at the first that does not execute. It
// returns the restore statements of the changes that executed, and the
// approval given to the first, which the restores reuse.
func (w *Workbench) enableInstruments(ctx context.Context, req ProfileRequest, changes []dba.SettingChange, approval **Approval, res *ProfileResult) ([]string, error) {
	var restore []string
	approve := func(p Plan) (Approval, error) {
		a := Approval{}
		if req.Approve != nil {
			var err error
			if a, err = req.Approve(p); err != nil {
				return a, err
			}
		}
		if *approval == nil {
			*approval = &a
		}
		return a, nil
	}
	for _, ch := range changes {
		out, err := w.change(ctx, req.Conn, safety.Request{Statement: ch.Statement, Source: req.Source}, approve, nil)
		res.Changes = append(res.Changes, InstrumentChange{Purpose: "enable", Statement: ch.Statement, Status: out.Status, Error: out.Error})
		if err != nil {
			return restore, fmt.Errorf("enable %s: %w", ch.Why, err)
		}
		if out.Status != "executed" {
			if out.Status == "dry run" {
				continue
			}
			return restore, fmt.Errorf("enable %s: the gate answered %q; the statement was not run", ch.Why, out.Status)
		}
		// Restores run in reverse order of the changes.
		restore = append(append([]string{}, ch.Restore...), restore...)
	}
	return restore, nil
}

// restoreInstruments puts back every setting changed, through the gate,
// with the approval given to the change. It runs even when the caller's
// context is done, and tries every statement; failures are returned with
// the statement to run by hand.
func (w *Workbench) restoreInstruments(ctx context.Context, req ProfileRequest, restore []string, approval *Approval, res *ProfileResult) error {
	if len(restore) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
	defer cancel()
	a := Approval{}
	if approval != nil {
		a = Approval{Confirmed: approval.Confirmed, TypedName: approval.TypedName, Reason: approval.Reason}
	}
	if a.Reason != "" && !strings.Contains(a.Reason, "restore") {
		a.Reason += " (restore after mydba profile)"
	}
	var errs []error
	for _, stmt := range restore {
		out, err := w.change(ctx, req.Conn, safety.Request{Statement: stmt, Source: req.Source}, func(Plan) (Approval, error) { return a, nil }, nil)
		res.Changes = append(res.Changes, InstrumentChange{Purpose: "restore", Statement: stmt, Status: out.Status, Error: out.Error})
		if err == nil && out.Status != "executed" {
			err = fmt.Errorf("the gate answered %q", out.Status)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("restore performance_schema setting failed (%w); run it yourself: mydba exec %q", err, stmt))
		}
	}
	return errors.Join(errs...)
}
