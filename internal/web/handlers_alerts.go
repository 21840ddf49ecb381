package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/web/views"
	"github.com/mydba/mydba/internal/workbench"
)

// alertHistoryLimit caps the history rows the page shows; the CLI
// (`mydba alerts history --limit 0`) lists them all.
const alertHistoryLimit = 500

// alertsAll is the alerts page across every connection.
func (s *Server) alertsAll(w http.ResponseWriter, r *http.Request) {
	s.alerts(w, r, s.page(r, "Alerts", "alerts", ""))
}

// alertsProfile is one connection's alerts, opened from its nav.
func (s *Server) alertsProfile(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	s.alerts(w, r, s.page(r, "Alerts", "alerts", conn.Profile))
}

// parseAlertsForm reads the page's filters: the connection (on /alerts;
// a connection's page is fixed to it) and the history window, 24 hours
// unless the request says otherwise ("" is any time).
func parseAlertsForm(v url.Values, profile string) (views.AlertsForm, error) {
	f := views.AlertsForm{Profile: profile, Since: "24h"}
	if profile == "" {
		f.Profile = strings.TrimSpace(v.Get("profile"))
	}
	if _, ok := v["since"]; ok {
		f.Since = strings.TrimSpace(v.Get("since"))
	}
	_, err := parseSince(f.Since)
	return f, err
}

func (s *Server) alerts(w http.ResponseWriter, r *http.Request, p views.Page) {
	fragment := isFragment(r) && r.Header.Get("HX-Target") == "alerts-body"
	f, err := parseAlertsForm(r.URL.Query(), p.Profile)
	var d views.AlertsData
	if err == nil {
		d, err = s.alertsData(r.Context(), f)
	}
	s.renderFiltered(w, r, p, fragment, err,
		func(msg string) templ.Component { return views.Alerts(p, f, d, msg) },
		func() templ.Component { return views.AlertsBody(p, f, d) })
}

func (s *Server) alertsData(ctx context.Context, f views.AlertsForm) (views.AlertsData, error) {
	d := views.AlertsData{Now: s.opts.Now(), Rules: s.wb.AlertRules(), Webhook: s.wb.AlertWebhookStatus()}
	var err error
	if d.Active, err = s.wb.ActiveAlerts(ctx, f.Profile); err != nil {
		return d, err
	}
	af := dba.AlertFilter{Profile: f.Profile, Limit: alertHistoryLimit + 1}
	if since, _ := parseSince(f.Since); since > 0 {
		af.Since = d.Now.Add(-since)
	}
	if d.History, err = s.wb.AlertHistory(ctx, af); err != nil {
		return d, err
	}
	if len(d.History) > alertHistoryLimit {
		d.History, d.More = d.History[:alertHistoryLimit], true
	}
	return d, nil
}

// activeAlertCount is the header badge's number: the profile's active
// alerts, or every profile's on pages without one. A store error shows
// no badge rather than failing the page.
func (s *Server) activeAlertCount(ctx context.Context, profile string) int {
	n, err := s.wb.ActiveAlertCount(ctx, profile)
	if err != nil {
		s.opts.Log.Warn("count active alerts", "err", err)
		return 0
	}
	return n
}
