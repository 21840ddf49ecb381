package web

import (
	"context"
	"errors"
	"net/http"
	"runtime/debug"

	"github.com/a-h/templ"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/web/views"
	"github.com/mydba/mydba/internal/workbench"
)

func (s *Server) routes() {
	m := s.mux
	m.Handle("GET /static/", s.static())
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/connections", http.StatusSeeOther)
	})
	m.HandleFunc("GET /connections", s.connectionsPage)
	m.HandleFunc("POST /connections", s.addConnection)
	m.HandleFunc("POST /connections/{name}/test", s.testConnection)
	m.HandleFunc("POST /connections/{name}/delete", s.deleteConnection)
	m.HandleFunc("GET /c/{profile}/explorer", s.withProfile(s.explorerSchemas))
	m.HandleFunc("GET /c/{profile}/explorer/{schema}", s.withProfile(s.explorerTables))
	m.HandleFunc("GET /c/{profile}/explorer/{schema}/{table}", s.withProfile(s.explorerTable))
	m.HandleFunc("GET /c/{profile}/explorer/{schema}/{table}/preview", s.withProfile(s.explorerPreview))
	// The safety dialog: every change made from the UI goes through these.
	m.HandleFunc("POST /c/{profile}/change/preview", s.withProfile(s.changePreview))
	m.HandleFunc("POST /c/{profile}/change/run", s.withProfile(s.changeRun))
	// Changes proposed by AI agents over MCP, for a human to decide.
	s.mcpRoutes()
	// The query editor: page, run, result rows, export, completion, history.
	s.queryRoutes()
	// Operations: process list, variables, status, audit log.
	m.HandleFunc("GET /c/{profile}/processes", s.withProfile(s.processes))
	m.HandleFunc("GET /c/{profile}/variables", s.withProfile(s.variables))
	m.HandleFunc("GET /c/{profile}/status", s.withProfile(s.status))
	m.HandleFunc("GET /c/{profile}/audit", s.withProfile(s.auditProfile))
	m.HandleFunc("GET /audit", s.auditAll)
	m.HandleFunc("GET /audit/export", s.auditExport)
	// Alerts raised by the monitor: active and history.
	m.HandleFunc("GET /c/{profile}/alerts", s.withProfile(s.alertsProfile))
	m.HandleFunc("GET /alerts", s.alertsAll)
	// Plans and statements: EXPLAIN (ANALYZE of a write through the gate),
	// plan diff, profile, top queries.
	m.HandleFunc("GET /c/{profile}/explain", s.withProfile(s.explainPage))
	m.HandleFunc("POST /c/{profile}/explain", s.withProfile(s.explainRun))
	m.HandleFunc("POST /c/{profile}/explain/saved", s.withProfile(s.explainSaved))
	m.HandleFunc("GET /c/{profile}/plan-diff", s.withProfile(s.planDiffPage))
	m.HandleFunc("POST /c/{profile}/plan-diff", s.withProfile(s.planDiffLive))
	m.HandleFunc("POST /c/{profile}/plan-diff/files", s.withProfile(s.planDiffFiles))
	m.HandleFunc("POST /c/{profile}/plan-diff/rewrite", s.withProfile(s.planDiffRewrite))
	m.HandleFunc("GET /c/{profile}/profile", s.withProfile(s.profilePage))
	m.HandleFunc("POST /c/{profile}/profile", s.withProfile(s.profileRun))
	m.HandleFunc("GET /c/{profile}/top", s.withProfile(s.topPage))
	m.HandleFunc("POST /c/{profile}/top/snapshot", s.withProfile(s.topSnapshot))
	m.HandleFunc("POST /c/{profile}/top/series", s.withProfile(s.topSeries))
	// Monitoring: the dashboard, its history and live stream, /metrics.
	s.dashboardRoutes()
	// The AI assistant's chat panel (handlers_chat.go).
	s.chatRoutes()
}

// page builds the frame every page shares.
func (s *Server) page(r *http.Request, title, section, profile string) views.Page {
	p := views.Page{Title: title, Section: section, Profile: profile, CSRF: s.csrf, Nonce: nonce(r.Context()), Version: version()}
	p.ActiveAlerts = s.activeAlertCount(r.Context(), profile)
	ps, err := s.wb.Profiles(r.Context())
	if err == nil {
		for _, pr := range ps {
			p.Profiles = append(p.Profiles, views.ProfileItem{Name: pr.Name, Env: string(pr.Env)})
			if pr.Name == profile {
				p.Env = string(pr.Env)
			}
		}
	}
	return p
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, st := range bi.Settings {
			if st.Key == "vcs.revision" && len(st.Value) >= 12 {
				return st.Value[:12]
			}
		}
	}
	return "dev"
}

// profileHandler is a page or fragment that works on one connection.
type profileHandler func(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest)

// withProfile checks the profile exists and bounds concurrent requests on
// it, so many tabs never open more sessions than its pool holds.
func (s *Server) withProfile(h profileHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("profile")
		if _, err := s.wb.Profile(r.Context(), name); err != nil {
			s.fail(w, r, s.page(r, "Not found", "", ""), err)
			return
		}
		release, err := s.slot(r.Context(), name)
		if err != nil {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		defer release()
		h(w, r, workbench.ConnRequest{Profile: name})
	}
}

// withStream is withProfile for a streamed answer (the AI chat), which may
// run for minutes: it holds no request slot, so the connection's other pages
// stay usable meanwhile; the server sessions it opens are still capped by
// the connection's pool.
func (s *Server) withStream(h profileHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("profile")
		if _, err := s.wb.Profile(r.Context(), name); err != nil {
			s.fail(w, r, s.page(r, "Not found", "", ""), err)
			return
		}
		h(w, r, workbench.ConnRequest{Profile: name})
	}
}

// renderFiltered answers a page with a filter form: the body alone for an
// htmx refresh (an error then goes to the error slot), else the whole page,
// with an error shown beside the form that caused it so it can be fixed
// where it was typed.
func (s *Server) renderFiltered(w http.ResponseWriter, r *http.Request, p views.Page, fragment bool, err error,
	page func(errMsg string) templ.Component, body func() templ.Component) {
	switch {
	case err != nil && fragment:
		s.fail(w, r, p, err)
	case err != nil:
		s.render(w, r, statusOf(err), page(err.Error()))
	case fragment:
		s.render(w, r, http.StatusOK, body())
	default:
		s.render(w, r, http.StatusOK, page(""))
	}
}

// render writes a component with the right status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil {
		s.opts.Log.Warn("render", "path", r.URL.Path, "err", err)
	}
}

// isFragment tells htmx requests (which swap a fragment) from full loads.
func isFragment(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// statusOf maps workbench errors to HTTP statuses.
func statusOf(err error) int {
	switch {
	case errors.Is(err, dba.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, dba.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, dba.ErrAuth):
		return http.StatusForbidden
	case errors.Is(err, dba.ErrUnreachable), errors.Is(err, dba.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// fail shows an error: as a fragment for htmx, as a page otherwise. The
// message is the workbench's own, which never carries a password.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, p views.Page, err error) {
	status := statusOf(err)
	if isFragment(r) {
		// htmx does not swap error responses by default; app.js swaps
		// these into the target so the user sees the message.
		s.render(w, r, status, views.ErrorBox(err.Error()))
		return
	}
	s.render(w, r, status, views.ErrorPage(p, status, err.Error()))
}
