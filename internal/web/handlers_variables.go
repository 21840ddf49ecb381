package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/web/views"
	"github.com/mydba/mydba/internal/workbench"
)

// parseVariablesForm reads the variables page's tab and search. The
// pattern itself is checked by the Variables use case (dba.VariableLike).
func parseVariablesForm(v url.Values) (views.VariablesForm, workbench.VariablesRequest, error) {
	f := views.VariablesForm{Scope: strings.ToLower(strings.TrimSpace(v.Get("scope"))), Q: v.Get("q"), Changed: v.Get("changed") == "1"}
	q := workbench.VariablesRequest{Pattern: strings.TrimSpace(f.Q), Changed: f.Changed}
	switch f.Scope {
	case "", "global":
		f.Scope, q.Scope = "global", dba.ScopeGlobal
	case "session":
		q.Scope = dba.ScopeSession
	default:
		return f, q, fmt.Errorf("%w: scope %q: want global or session", dba.ErrInvalid, f.Scope)
	}
	return f, q, nil
}

// variables is the variables page and, for searches and refreshes after a
// change, the list fragment.
func (s *Server) variables(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "Variables", "variables", conn.Profile)
	fragment := isFragment(r) && r.Header.Get("HX-Target") == "vars-body"
	f, q, err := parseVariablesForm(r.URL.Query())
	var d views.VariablesData
	if err == nil {
		d, err = s.variablesData(r.Context(), conn, q)
	}
	s.renderFiltered(w, r, p, fragment, err,
		func(msg string) templ.Component { return views.Variables(p, f, d, msg) },
		func() templ.Component { return views.VariablesBody(p, f, d) })
}

// variablesData lists the variables and what undo would put back. A
// search that matches nothing is an answer (with the closest names), not
// a failed request.
func (s *Server) variablesData(ctx context.Context, conn workbench.ConnRequest, q workbench.VariablesRequest) (views.VariablesData, error) {
	var d views.VariablesData
	res, err := s.wb.Variables(ctx, conn, q)
	switch {
	case errors.Is(err, dba.ErrNotFound):
		d.NotFound = strings.TrimPrefix(err.Error(), dba.ErrNotFound.Error()+": ")
	case err != nil:
		return d, err
	}
	d.Result = res
	last, err := s.wb.LastVariableChange(ctx, conn.Profile)
	switch {
	case err == nil:
		d.Undo = &last
	case !errors.Is(err, dba.ErrNotFound):
		return d, err
	}
	return d, nil
}
