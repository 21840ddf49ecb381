package web

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/workbench"
)

// monitoredServer is a server whose monitor samples the sandbox (as the
// least-privileged user) every 200 ms, with a metrics token.
func monitoredServer(t *testing.T) (*Server, *workbench.Monitor) {
	t.Helper()
	lp := dbtest.LeastPriv(t)
	ctx := context.Background()
	wb, err := workbench.Open(ctx, workbench.Options{StateDir: t.TempDir(), DisableKeyring: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wb.Close() })
	pw := lp.Password
	if _, err := wb.AddProfile(ctx, workbench.ProfileInput{Profile: dba.Profile{Name: "sb", Env: dba.EnvDev, Target: lp.Target}, Password: &pw}); err != nil {
		t.Fatal(err)
	}
	m, err := wb.NewMonitor(workbench.MonitorOptions{Interval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	s, err := New(wb, Options{Token: "tok-123", Monitor: m, MetricsToken: "scrape-456"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.ln.Close() })
	return s, m
}

func waitSample(t *testing.T, m *workbench.Monitor, profile string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, ok := m.State(profile)
		if ok && st.Last != nil {
			if _, has := st.Last.Values["qps"]; has {
				n--
				if n <= 0 {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sample of %s within 20s (state %+v)", profile, st)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestMetricsScrape scrapes /metrics as Prometheus would (bearer token)
// and as the browser does (cookie), and parses it with Prometheus' own
// text parser.
func TestMetricsScrape(t *testing.T) {
	s, m := monitoredServer(t)
	if err := m.Start(context.Background(), "sb"); err != nil {
		t.Fatal(err)
	}
	waitSample(t, m, "sb", 3)
	h := s.Handler()
	host := s.ln.Addr().String()
	get := func(path string, hdr map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "http://"+host+path, nil)
		req.Host = host
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	for name, tt := range map[string]struct {
		path string
		hdr  map[string]string
		code int
	}{
		"no credentials":             {"/metrics", nil, http.StatusUnauthorized},
		"wrong token":                {"/metrics", map[string]string{"Authorization": "Bearer nope"}, http.StatusUnauthorized},
		"session token as bearer":    {"/metrics", map[string]string{"Authorization": "Bearer tok-123"}, http.StatusUnauthorized},
		"metrics token elsewhere":    {"/connections", map[string]string{"Authorization": "Bearer scrape-456"}, http.StatusUnauthorized},
		"metrics token, wrong host":  {"/metrics", map[string]string{"Authorization": "Bearer scrape-456", "Host": "evil.example"}, http.StatusMisdirectedRequest},
		"metrics token":              {"/metrics", map[string]string{"Authorization": "Bearer scrape-456"}, http.StatusOK},
		"session cookie":             {"/metrics", map[string]string{"Cookie": sessionCookie + "=tok-123"}, http.StatusOK},
		"dashboard with the cookie":  {"/c/sb/dashboard", map[string]string{"Cookie": sessionCookie + "=tok-123"}, http.StatusOK},
		"series of an unknown range": {"/c/sb/dashboard/series?range=forever", map[string]string{"Cookie": sessionCookie + "=tok-123"}, http.StatusBadRequest},
		"series from > to":           {"/c/sb/dashboard/series?from=2000&to=1000", map[string]string{"Cookie": sessionCookie + "=tok-123"}, http.StatusBadRequest},
		"series of an unknown name":  {"/c/sb/dashboard/series?range=5m&names=qsp", map[string]string{"Cookie": sessionCookie + "=tok-123"}, http.StatusBadRequest},
		"dashboard of no profile":    {"/c/nope/dashboard", map[string]string{"Cookie": sessionCookie + "=tok-123"}, http.StatusNotFound},
	} {
		t.Run(name, func(t *testing.T) {
			if tt.hdr != nil && tt.hdr["Host"] != "" {
				req := httptest.NewRequest(http.MethodGet, "http://"+host+tt.path, nil)
				req.Host = tt.hdr["Host"]
				req.Header.Set("Authorization", tt.hdr["Authorization"])
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != tt.code {
					t.Errorf("%s: %d, want %d", tt.path, w.Code, tt.code)
				}
				return
			}
			w := get(tt.path, tt.hdr)
			if w.Code != tt.code {
				t.Errorf("%s: %d, want %d: %s", tt.path, w.Code, tt.code, w.Body.String())
			}
		})
	}

	w := get("/metrics", map[string]string{"Authorization": "Bearer scrape-456"})
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(w.Body.String()))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, w.Body.String())
	}
	value := func(name string, labels map[string]string) (float64, bool) {
		f, ok := fams[name]
		if !ok {
			return 0, false
		}
	next:
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue next
				}
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				return m.GetCounter().GetValue(), true
			case dto.MetricType_GAUGE:
				return m.GetGauge().GetValue(), true
			default:
				return m.GetUntyped().GetValue(), true
			}
		}
		return 0, false
	}
	conn := map[string]string{"connection": "sb"}
	checks := []struct {
		name   string
		labels map[string]string
		ok     func(float64) bool
	}{
		{"mysql_up", conn, func(v float64) bool { return v == 1 }},
		{"mysql_global_status_questions", conn, func(v float64) bool { return v > 0 }},
		{"mysql_global_status_uptime", conn, func(v float64) bool { return v > 0 }},
		{"mysql_global_variables_max_connections", conn, func(v float64) bool { return v > 0 }},
		{"mydba_qps", conn, func(v float64) bool { return v >= 0 }},
		{"mydba_connection_usage_pct", conn, func(v float64) bool { return v > 0 && v <= 100 }},
		{"mydba_collector_up", map[string]string{"connection": "sb", "collector": "global_status"}, func(v float64) bool { return v == 1 }},
		{"mydba_collector_runs_total", map[string]string{"connection": "sb", "collector": "global_status"}, func(v float64) bool { return v >= 3 }},
		{"mydba_history_store_ok", conn, func(v float64) bool { return v == 1 }},
	}
	for _, c := range checks {
		v, ok := value(c.name, c.labels)
		if !ok || !c.ok(v) {
			t.Errorf("%s%v = %v (present %v)", c.name, c.labels, v, ok)
		}
	}
	if f := fams["mysql_global_status_questions"]; f != nil && f.GetType() != dto.MetricType_UNTYPED {
		t.Errorf("mysql_global_status_questions is %s, want untyped as mysqld_exporter", f.GetType())
	}
}

// TestDashboardLiveStream reads the SSE stream: content type, the retry
// the browser reconnects after, and updates carrying new samples.
func TestDashboardLiveStream(t *testing.T) {
	s, _ := monitoredServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	base := strings.SplitN(s.URL(), "/?", 2)[0]
	rctx, rcancel := context.WithTimeout(ctx, 30*time.Second)
	defer rcancel()
	req, _ := http.NewRequestWithContext(rctx, http.MethodGet, base+"/c/sb/dashboard/live", nil)
	req.Header.Set("Cookie", sessionCookie+"=tok-123")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "text/event-stream" {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%d %s: %s", resp.StatusCode, ct, b)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var retry bool
	samples := 0
	for samples < 3 && sc.Scan() {
		line := sc.Text()
		if line == "retry: 1000" {
			retry = true
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		var u workbench.MonitorUpdate
		if err := json.Unmarshal([]byte(data), &u); err != nil {
			t.Fatalf("update %q: %v", data, err)
		}
		if u.State.Profile != "sb" {
			t.Errorf("update for %q", u.State.Profile)
		}
		if u.Sample != nil {
			samples++
		}
	}
	if !retry || samples < 3 {
		t.Errorf("retry %v, %d samples; err %v", retry, samples, sc.Err())
	}
	// Without the cookie the stream is refused.
	req2, _ := http.NewRequestWithContext(rctx, http.MethodGet, base+"/c/sb/dashboard/live", nil)
	resp2, err := http.DefaultClient.Do(req2)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusUnauthorized {
		t.Errorf("live stream without the cookie: %d", resp2.StatusCode)
	}
}

func TestSeriesQuery(t *testing.T) {
	tests := []struct {
		q    string
		want string // "" = ok
		rng  time.Duration
	}{
		{"range=15m", "", 15 * time.Minute},
		{"range=90d", "", 90 * 24 * time.Hour},
		{"range=2h", "", 2 * time.Hour},
		{"range=-1h", "give a duration", 0},
		{"range=forever", "give a duration", 0},
		{"from=abc", "Unix seconds", 0},
		{"from=1e12", "Unix seconds", 0},
		{"range=1h&points=x", "number", 0},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			v, _ := urlValues(tt.q)
			got, err := seriesQuery(v, "p")
			if tt.want == "" {
				if err != nil || got.Range != tt.rng {
					t.Errorf("range %s, %v; want %s", got.Range, err, tt.rng)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func urlValues(q string) (url.Values, error) { return url.ParseQuery(q) }
