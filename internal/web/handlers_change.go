package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/web/views"
	"github.com/mydba/mydba/internal/workbench"
)

// errPreview stops a gate call after planning: the approval callback
// returns it so the plan can be shown without anything executed (and
// without an audit record: nothing was attempted yet).
var errPreview = errors.New("preview only")

// changeRequest is a change described by a form: exec (sql), kill (id,
// query), set (name, value, scope) or undo.
type changeRequest struct {
	Kind  string
	SQL   string
	ID    int64
	Query bool
	Name  string
	Value string
}

func parseChange(r *http.Request) (changeRequest, error) {
	c := changeRequest{Kind: r.PostFormValue("kind"), SQL: r.PostFormValue("sql"), Name: r.PostFormValue("name"), Value: r.PostFormValue("value")}
	c.Query = r.PostFormValue("query") == "1"
	switch c.Kind {
	case "exec":
		if strings.TrimSpace(c.SQL) == "" {
			return c, dbaInvalid("no statement")
		}
	case "kill":
		id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
		if err != nil || id <= 0 {
			return c, dbaInvalid("session id must be a positive number")
		}
		c.ID = id
	case "set":
		if c.Name == "" {
			return c, dbaInvalid("no variable name")
		}
	case "undo":
	case "proposal":
		// A change an agent proposed over MCP: the statement comes from
		// the queue, never from the form.
		id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
		if err != nil || id <= 0 {
			return c, dbaInvalid("proposal id must be a positive number")
		}
		c.ID = id
	default:
		return c, dbaInvalid("unknown change kind")
	}
	return c, nil
}

// runChange sends a change through the workbench with approve.
func (s *Server) runChange(r *http.Request, conn workbench.ConnRequest, c changeRequest, approve func(workbench.Plan) (workbench.Approval, error)) (workbench.Outcome, error) {
	ctx := r.Context()
	switch c.Kind {
	case "kill":
		return s.wb.Kill(ctx, workbench.KillRequest{Conn: conn, ID: c.ID, QueryOnly: c.Query, Source: "web", Approve: approve})
	case "set":
		return s.wb.SetVariable(ctx, workbench.SetRequest{Conn: conn, Name: c.Name, Value: c.Value, Scope: "global", Source: "web", Approve: approve})
	case "undo":
		return s.wb.UndoVariable(ctx, conn, "web", approve)
	case "proposal":
		return s.runProposal(r, conn, c.ID, approve)
	}
	return s.wb.Change(ctx, workbench.ChangeRequest{Conn: conn, SQL: c.SQL, Source: "web", Approve: approve})
}

// changePreview plans a change and returns the safety dialog: the plan and
// the approval it needs.
func (s *Server) changePreview(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "Change", "", conn.Profile)
	c, err := parseChange(r)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	var plan workbench.Plan
	_, err = s.runChange(r, conn, c, func(pl workbench.Plan) (workbench.Approval, error) {
		plan = pl
		return workbench.Approval{}, errPreview
	})
	if err != nil && !errors.Is(err, errPreview) {
		s.fail(w, r, p, err)
		return
	}
	s.render(w, r, http.StatusOK, views.ChangeDialog(p, views.ChangeForm{Kind: c.Kind, SQL: c.SQL, ID: c.ID, Query: c.Query, Name: c.Name, Value: c.Value}, plan))
}

// changeRun executes a change with the approval the dialog collected. The
// gate plans again and applies its policy to the new plan: an approval
// never carries over to a different statement or a changed decision.
func (s *Server) changeRun(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "Change", "", conn.Profile)
	c, err := parseChange(r)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	a := workbench.Approval{
		Confirmed: r.PostFormValue("confirm") == "1",
		TypedName: r.PostFormValue("typed_name"),
		Reason:    r.PostFormValue("reason"),
		DryRun:    r.PostFormValue("dry_run") == "1",
		Rollback:  r.PostFormValue("rollback") == "1",
	}
	out, err := s.runChange(r, conn, c, func(workbench.Plan) (workbench.Approval, error) { return a, nil })
	if err != nil && out.Plan.Profile == "" {
		s.fail(w, r, p, err)
		return
	}
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	if out.Status == "executed" {
		w.Header().Set("HX-Trigger", "mydba-changed")
	}
	s.render(w, r, statusForOutcome(out, err), views.ChangeOutcome(p, out, msg))
}

func statusForOutcome(out workbench.Outcome, err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, dba.ErrInvalid):
		// Refused by the gate: a normal answer, shown in the dialog.
		return http.StatusOK
	}
	return statusOf(err)
}
