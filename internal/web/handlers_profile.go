package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/web/views"
	"github.com/mydba/mydba/internal/workbench"
)

// profilePage shows the profile form. With ?sql= the statement is filled
// in and the page profiles it as soon as it loads (a POST, like every
// run): the user asked for it from the query editor.
func (s *Server) profilePage(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "Profile", "profile", conn.Profile)
	sql := r.URL.Query().Get("sql")
	d := views.ProfilePage{SQL: sql, Waits: r.URL.Query().Get("waits") == "1", MaxTime: s.defaultMaxTime(), MaxTimeMax: s.maxTimeLimit(),
		AutoRun: strings.TrimSpace(sql) != "", ExplainURL: pathJoin("c", conn.Profile, "explain")}
	if prof, err := s.wb.Profile(r.Context(), conn.Profile); err == nil {
		d.Database = prof.Target.Database
	}
	s.render(w, r, http.StatusOK, views.Profile(p, d))
}

// profileRun profiles the form's statement. When performance_schema would
// not record it, the answer names what is off and, when mydba can switch
// it on, offers to: enable=1 with stage=preview plans the first change
// and answers with the gate's dialog; the dialog posts back with
// stage=run and the approval, which every change and restore then gets
// from the gate (each planned afresh).
func (s *Server) profileRun(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "Profile", "profile", conn.Profile)
	sql := r.PostFormValue("sql")
	waits := r.PostFormValue("waits") == "1"
	enable := r.PostFormValue("enable") == "1"
	stage := r.PostFormValue("stage")
	maxTime, err := s.parseMaxTime(r.PostFormValue("max_time"))
	if err == nil && strings.TrimSpace(sql) == "" {
		err = dbaInvalid("no statement to profile")
	}
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	var pending *workbench.Plan
	var approve func(workbench.Plan) (workbench.Approval, error)
	switch {
	case enable && stage == "run":
		a := approvalForm(r)
		approve = func(workbench.Plan) (workbench.Approval, error) { return a, nil }
	case enable:
		approve = func(pl workbench.Plan) (workbench.Approval, error) {
			if pending == nil {
				pending = &pl
			}
			return workbench.Approval{}, errPreview
		}
	}
	res, err := s.wb.ProfileStatement(r.Context(), workbench.ProfileRequest{
		Conn: conn, SQL: sql, MaxTime: time.Duration(maxTime) * time.Second, Waits: waits,
		Enable: enable, Approve: approve, Source: "web",
	})
	hidden := []views.Field{{Name: "sql", Value: sql}, {Name: "max_time", Value: strconv.Itoa(maxTime)}, {Name: "enable", Value: "1"}, {Name: "stage", Value: "run"}}
	if waits {
		hidden = append(hidden, views.Field{Name: "waits", Value: "1"})
	}
	if pending != nil && errors.Is(err, errPreview) {
		w.Header().Set("HX-Retarget", "#dialog-slot")
		w.Header().Set("HX-Reswap", "innerHTML")
		s.render(w, r, http.StatusOK, views.GateDialog(p, views.GateDialogData{
			ID: "enable-dialog", Title: "Switch on performance_schema recording",
			Intro: "mydba will switch on what the profile needs, one change at a time through the safety gate (each planned, checked against this approval and audited), " +
				"profile the statement, and put every setting back as it was, also through the gate. The settings are global while they are on. This is the first change:",
			Plan: *pending, PostURL: pathJoin("c", p.Profile, "profile"), Target: "#profile-result",
			Hidden: hidden, RunLabel: "Switch on, profile and restore",
		}))
		return
	}
	// The offer to switch instruments on posts the form again (it adds
	// enable and stage itself).
	v := views.ProfileView{Result: res, ClearDialog: stage == "run", Waits: waits, Hidden: []views.Field{hidden[0], hidden[1]}}
	if waits {
		v.Hidden = append(v.Hidden, views.Field{Name: "waits", Value: "1"})
	}
	var nie *dba.NotInstrumentedError
	switch {
	case err == nil:
	case errors.As(err, &nie):
		v.Gaps, v.Fixable = nie.Gaps, nie.Fixable()
		v.Error = err.Error()
	case errors.Is(err, workbench.ErrRefused):
		v.Refused = err.Error()
	default:
		v.Error = err.Error()
	}
	status := http.StatusOK
	if err != nil && res.Statement == nil && len(res.Changes) == 0 && v.Gaps == nil && v.Refused == "" {
		status = statusOf(err)
	}
	w.Header().Set("HX-Retarget", "#profile-result")
	w.Header().Set("HX-Reswap", "innerHTML")
	s.render(w, r, status, views.ProfileResultView(p, v))
}
