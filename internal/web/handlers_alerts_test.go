package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/alert"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/web/views"
	"github.com/mydba/mydba/internal/workbench"
)

// seedAlerts adds two profiles and alerts: on prod-eu two firing (one a
// collector's), on dev one that fired 3 hours ago and resolved.
func seedAlerts(t *testing.T, wb *workbench.Workbench, now time.Time) {
	t.Helper()
	ctx := context.Background()
	for _, p := range []dba.Profile{
		{Name: "prod-eu", Env: dba.EnvProd, Target: dba.Target{Host: "127.0.0.1", Port: 1, User: "u"}},
		{Name: "dev", Env: dba.EnvDev, Target: dba.Target{Host: "127.0.0.1", Port: 1, User: "u"}},
	} {
		if _, err := wb.AddProfile(ctx, workbench.ProfileInput{Profile: p}); err != nil {
			t.Fatal(err)
		}
	}
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	events := []alert.Event{
		{Profile: "dev", Rule: "deadlocks", Series: "deadlocks_per_s", Severity: alert.SeverityWarning, State: alert.Firing, Op: alert.OpGT,
			At: ago(3 * time.Hour), Since: ago(3 * time.Hour), Value: 0.2, Message: "deadlocks_per_s 0.2 (> 0)"},
		{Profile: "dev", Rule: "deadlocks", Series: "deadlocks_per_s", Severity: alert.SeverityWarning, State: alert.Resolved, Op: alert.OpGT,
			At: ago(3*time.Hour - 7*time.Minute), Since: ago(3 * time.Hour), Value: 0, Message: "deadlocks_per_s 0, resolved after 7m"},
		{Profile: "prod-eu", Rule: "connection_usage", Series: "connection_usage_pct", Severity: alert.SeverityCritical, State: alert.Firing, Op: alert.OpGE,
			Threshold: 85, At: ago(10 * time.Minute), Since: ago(12 * time.Minute), Value: 91.5, Message: "connection_usage_pct 91.5 (>= 85 for 2m)"},
		{Profile: "prod-eu", Rule: "collector_failure", Instance: "innodb_metrics", Series: alert.CollectorFailed, Severity: alert.SeverityWarning,
			State: alert.Firing, Op: alert.OpGE, Threshold: 1, At: ago(time.Minute), Since: ago(2 * time.Minute), Value: 1,
			Detail: "access denied", Message: "collector innodb_metrics failing for 1m: access denied"},
	}
	if err := wb.RecordAlertEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
}

func TestAlertsPage(t *testing.T) {
	s := newTestServer(t)
	now := time.Now()
	s.opts.Now = func() time.Time { return now }
	seedAlerts(t, s.wb, now)
	h := s.Handler()
	host := s.ln.Addr().String()
	get := func(target string, hdr map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "http://"+host+target, nil)
		req.Host = host
		req.Header.Set("Cookie", sessionCookie+"=tok-123")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	fragment := map[string]string{"HX-Request": "true", "HX-Target": "alerts-body"}
	tests := []struct {
		name    string
		path    string
		hdr     map[string]string
		status  int
		want    []string
		notWant []string
	}{
		{
			name: "every connection", path: "/alerts", status: http.StatusOK,
			want: []string{`id="alerts-active"`, "connection_usage_pct 91.5 (&gt;= 85 for 2m)", "collector_failure (innodb_metrics)",
				`<span class="badge sev-critical">critical</span>`, `id="alert-badge"`, "2 alerts", "<option value=\"prod-eu\"",
				// The rules in force, with their hysteresis.
				"connection_usage_pct &gt;= 85 for 2m", "below 75", `aria-current="page">Alerts`,
				// The window defaults to 24h: dev's alert of 3 hours ago is in.
				"deadlocks_per_s 0, resolved after 7m", "0.2 → 0"},
		},
		{
			name: "one connection", path: "/c/prod-eu/alerts", status: http.StatusOK,
			want: []string{"2 alerts", `href="/c/prod-eu/alerts" aria-current="page"`, "connection_usage"},
			// No connection filter on a connection's own page; dev is not listed.
			notWant: []string{`id="alerts-profile"`, "deadlocks_per_s 0.2"},
		},
		{
			name: "a connection without alerts", path: "/c/dev/alerts", status: http.StatusOK,
			want:    []string{"No alert is firing.", "deadlocks_per_s 0.2 (&gt; 0)"},
			notWant: []string{`id="alert-badge"`, `id="alerts-active"`},
		},
		{
			name: "filter by connection", path: "/alerts?profile=dev&since=", status: http.StatusOK,
			want:    []string{"No alert is firing.", "deadlocks", `<option value="dev" selected`},
			notWant: []string{"connection_usage_pct 91.5"},
		},
		{
			name: "last hour leaves out what resolved before", path: "/alerts?since=1h", status: http.StatusOK,
			want:    []string{"connection_usage_pct 91.5", `<option value="1h" selected`},
			notWant: []string{"deadlocks_per_s 0.2"},
		},
		{
			name: "fragment refresh", path: "/alerts", hdr: fragment, status: http.StatusOK,
			want:    []string{`id="alerts-active"`, `id="alerts-history"`},
			notWant: []string{"<html", "Rules in force"},
		},
		{
			name: "bad window", path: "/alerts?since=yesterday", status: http.StatusBadRequest,
			want: []string{"time window &#34;yesterday&#34;"},
		},
		{
			name: "bad window in a fragment", path: "/alerts?since=-5m", hdr: fragment, status: http.StatusBadRequest,
			want: []string{`class="error"`}, notWant: []string{"<html"},
		},
		{name: "unknown connection", path: "/c/nope/alerts", status: http.StatusNotFound},
		{name: "unknown connection in the filter", path: "/alerts?profile=prod-e", status: http.StatusNotFound, want: []string{"did you mean"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := get(tt.path, tt.hdr)
			body := w.Body.String()
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d\n%s", w.Code, tt.status, body)
			}
			bad := false
			for _, s := range tt.want {
				if !strings.Contains(body, s) {
					t.Errorf("no %q in the page", s)
					bad = true
				}
			}
			for _, s := range tt.notWant {
				if strings.Contains(body, s) {
					t.Errorf("%q should not be in the page", s)
					bad = true
				}
			}
			if bad {
				t.Logf("page:\n%s", body)
			}
		})
	}
	// Messages and details are text, never markup.
	xss := `<img src=x onerror="alert(1)">`
	if err := s.wb.RecordAlertEvents(context.Background(), []alert.Event{{Profile: "dev", Rule: "collector_failure", Instance: "x" + xss,
		Series: alert.CollectorFailed, Severity: alert.SeverityWarning, State: alert.Firing, Op: alert.OpGE, Threshold: 1, At: now, Since: now,
		Value: 1, Detail: xss, Message: "collector failing: " + xss}}); err != nil {
		t.Fatal(err)
	}
	if body := get("/c/dev/alerts", nil).Body.String(); strings.Contains(body, "<img") || !strings.Contains(body, "collector failing: &lt;img") {
		t.Errorf("markup from an alert reached the page:\n%s", body)
	}
	// Other pages carry the badge too: per connection, and across all.
	if body := get("/c/prod-eu/audit", nil).Body.String(); !strings.Contains(body, `id="alert-badge" class="badge alert-badge" href="/c/prod-eu/alerts"`) {
		t.Error("no alert badge on a connection's audit page")
	}
	if body := get("/connections", nil).Body.String(); !strings.Contains(body, `href="/alerts" title="active alerts">3 alerts`) {
		t.Error("no alert badge on the connections page")
	}
}

func TestParseAlertsForm(t *testing.T) {
	tests := []struct {
		name, query, profile string
		want                 views.AlertsForm
		wantErr              bool
	}{
		{name: "defaults", want: views.AlertsForm{Since: "24h"}},
		{name: "any time", query: "since=", want: views.AlertsForm{}},
		{name: "filters", query: "profile=+dev+&since=7d", want: views.AlertsForm{Profile: "dev", Since: "7d"}},
		{name: "a connection's page ignores profile=", query: "profile=dev", profile: "prod", want: views.AlertsForm{Profile: "prod", Since: "24h"}},
		{name: "bad window", query: "since=soon", wantErr: true},
		{name: "negative window", query: "since=-1h", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseAlertsForm(v, tt.profile)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("no error for %q", tt.query)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("form (-want +got)\n%s", diff)
			}
		})
	}
}
