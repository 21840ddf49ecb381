package workbench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/alert"
	"github.com/mydba/mydba/internal/dba"
)

// receiver is an httptest webhook that answers with the given statuses in
// turn (then 200) and records what it got.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	got      []WebhookPayload
	heads    []http.Header
	hits     int
	block    chan struct{} // when set, requests wait on it
	srv      *httptest.Server
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.block != nil {
			select {
			case <-r.block:
			case <-req.Context().Done():
				return
			}
		}
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.hits++
		status := http.StatusOK
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		if status == http.StatusOK {
			var p WebhookPayload
			if err := json.Unmarshal(body, &p); err != nil {
				t.Errorf("webhook body: %v\n%s", err, body)
			}
			r.got = append(r.got, p)
			r.heads = append(r.heads, req.Header.Clone())
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) payloads() []WebhookPayload {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]WebhookPayload(nil), r.got...)
}

// waitFor polls cond for up to 10s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var alertT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func firing(profile, rule string, m int) alert.Event {
	return alert.Event{Profile: profile, Rule: rule, Series: "connection_usage_pct", Severity: alert.SeverityCritical, State: alert.Firing,
		Op: alert.OpGE, Threshold: 85, At: alertT0.Add(time.Duration(m) * time.Minute), Since: alertT0, Value: 90, Message: "connection_usage_pct 90 (>= 85 for 2m)"}
}

func TestWebhookDelivery(t *testing.T) {
	const secret = "T0001/B0001/s3cr3tTOKEN"
	tests := []struct {
		name      string
		statuses  []int
		retries   int
		delivered int
		failed    int
		hits      int
		lastError string
	}{
		{name: "first try", delivered: 1, hits: 1},
		{name: "retries 5xx and 429 then succeeds", statuses: []int{500, 429, 503}, retries: 3, delivered: 1, hits: 4},
		{name: "gives up after the retries", statuses: []int{502, 502, 502}, retries: 2, failed: 1, hits: 3, lastError: "502 Bad Gateway"},
		{name: "4xx is not retried", statuses: []int{404}, retries: 3, failed: 1, hits: 1, lastError: "404 Not Found: not retried"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, tt.statuses...)
			var logs bytes.Buffer
			url := rc.srv.URL + "/services/" + secret + "?token=" + secret
			w := openWB(t, Options{DisableKeyring: true, Alerts: AlertOptions{Webhook: url, WebhookRetries: tt.retries, WebhookBackoff: time.Millisecond,
				Log: slog.New(slog.NewTextHandler(&logs, nil))}})
			ev := firing("prod", "connection_usage", 2)
			if err := w.RecordAlertEvents(context.Background(), []alert.Event{ev}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "delivery", func() bool { s := w.AlertWebhookStatus(); return s.Delivered+s.Failed > 0 })
			st := w.AlertWebhookStatus()
			rc.mu.Lock()
			hits := rc.hits
			rc.mu.Unlock()
			if st.Delivered != tt.delivered || st.Failed != tt.failed || hits != tt.hits || !strings.Contains(st.LastError, tt.lastError) {
				t.Errorf("status %+v, hits %d", st, hits)
			}
			if st.Target != "http://"+strings.TrimPrefix(rc.srv.URL, "http://")+"/…" {
				t.Errorf("target %q", st.Target)
			}
			if strings.Contains(st.LastError+logs.String()+st.Target, secret) {
				t.Errorf("the webhook secret leaked:\n%s\n%s", st.LastError, logs.String())
			}
			if tt.delivered == 0 {
				return
			}
			got := rc.payloads()
			want := WebhookPayload{Version: 1, Source: "mydba", Events: []alert.Event{ev},
				Text: "mydba [critical] connection_usage firing on prod: connection_usage_pct 90 (>= 85 for 2m)"}
			if diff := cmp.Diff([]WebhookPayload{want}, got); diff != "" {
				t.Errorf("payload (-want +got)\n%s", diff)
			}
			if ct := rc.heads[0].Get("Content-Type"); ct != "application/json" {
				t.Errorf("content type %q", ct)
			}
		})
	}
}

// A receiver that never answers must not block the monitor: the queue
// fills, later batches are dropped and counted, and Close returns.
func TestWebhookNeverBlocks(t *testing.T) {
	rc := newReceiver(t)
	rc.block = make(chan struct{})
	defer close(rc.block)
	w, err := Open(context.Background(), Options{StateDir: t.TempDir(), DisableKeyring: true,
		Alerts: AlertOptions{Webhook: rc.srv.URL, WebhookQueue: 2, WebhookTimeout: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := range 10 {
		if err := w.RecordAlertEvents(context.Background(), []alert.Event{firing("p", "r"+string(rune('a'+i)), i)}); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("recording took %v", took)
	}
	waitFor(t, "drops", func() bool { return w.AlertWebhookStatus().Dropped >= 7 })
	done := make(chan struct{})
	go func() { w.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close blocked on a stuck webhook")
	}
	if st := w.AlertWebhookStatus(); st.Dropped+st.Failed != 10 || st.Delivered != 0 {
		t.Errorf("after close: %+v", st)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://hooks.slack.com/services/T0/B0/XYZ":     "https://hooks.slack.com/…",
		"https://user:pw@example.com:8443/":              "https://example.com:8443",
		"http://127.0.0.1:9000?token=abc":                "http://127.0.0.1:9000/…",
		"https://example.com":                            "https://example.com",
		"not a url at all":                               "(webhook URL hidden)",
		"https://example.com/%zz":                        "(webhook URL hidden)",
		"  https://alerts.example.com/hook#frag-secret ": "https://alerts.example.com/…",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// Events go to the webhook even when the state file cannot take them, and
// the error says so.
func TestRecordAlertEventsStoreDown(t *testing.T) {
	rc := newReceiver(t)
	w := openWB(t, Options{DisableKeyring: true, Alerts: AlertOptions{Webhook: rc.srv.URL}})
	w.store.Close()
	err := w.RecordAlertEvents(context.Background(), []alert.Event{firing("p", "connection_usage", 1)})
	if err == nil || !strings.Contains(err.Error(), "1 alert events not stored") {
		t.Fatalf("err = %v", err)
	}
	waitFor(t, "delivery", func() bool { return len(rc.payloads()) == 1 })
}

// NewAlertEngine restores stored active alerts: one still true does not
// fire twice and resolves when it clears; one of a removed rule is closed.
func TestNewAlertEngineRestores(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := openWB(t, Options{StateDir: dir, DisableKeyring: true})
	deadlock := alert.Event{Profile: "p", Rule: "my_rule", Series: "deadlocks_per_s", Severity: alert.SeverityInfo, State: alert.Firing,
		Op: alert.OpGT, Threshold: 0, At: alertT0, Since: alertT0, Value: 1, Message: "custom"}
	if _, err := w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: "p", Env: dba.EnvDev, Target: dba.Target{Host: "127.0.0.1", Port: 1, User: "u"}}}); err != nil {
		t.Fatal(err)
	}
	if err := w.RecordAlertEvents(ctx, []alert.Event{firing("p", "connection_usage", 2), deadlock, firing("gone", "connection_usage", 2)}); err != nil {
		t.Fatal(err)
	}
	w.Close()

	now := alertT0.Add(time.Hour)
	w = openWB(t, Options{StateDir: dir, DisableKeyring: true, Now: func() time.Time { return now }})
	eng, err := w.NewAlertEngine(ctx)
	if err != nil {
		t.Fatal(err)
	}
	active, err := w.ActiveAlerts(ctx, "")
	if err != nil || len(active) != 1 || active[0].Rule != "connection_usage" || active[0].Profile != "p" {
		t.Fatalf("active %+v %v", active, err)
	}
	// The alert of a connection that no longer exists is closed.
	gone, err := w.AlertHistory(ctx, dba.AlertFilter{Profile: "gone"})
	if err != nil || len(gone) != 1 || gone[0].ResolvedAt == nil || gone[0].ResolvedMessage != "closed: connection gone was removed" {
		t.Fatalf("alert of a removed connection %+v %v", gone, err)
	}
	if len(eng.Active("gone")) != 0 {
		t.Error("the engine keeps an alert of a removed connection")
	}
	hist, err := w.AlertHistory(ctx, dba.AlertFilter{Profile: "p"})
	if err != nil || len(hist) != 2 || hist[1].Rule != "my_rule" || hist[1].ResolvedAt == nil || !hist[1].ResolvedAt.Equal(now) ||
		!strings.Contains(hist[1].ResolvedMessage, "removed or disabled") {
		t.Fatalf("history %+v %v", hist, err)
	}
	if evs := eng.Observe("p", now, map[string]float64{"connection_usage_pct": 99}, nil); len(evs) != 0 {
		t.Fatalf("fired twice: %+v", evs)
	}
	evs := eng.Observe("p", now.Add(time.Second), map[string]float64{"connection_usage_pct": 10}, nil)
	if len(evs) != 1 || evs[0].State != alert.Resolved {
		t.Fatalf("events %+v", evs)
	}
	if err := w.RecordAlertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if n, err := w.ActiveAlertCount(ctx, "p"); err != nil || n != 0 {
		t.Errorf("active count %d %v", n, err)
	}
	if _, err := w.AlertHistory(ctx, dba.AlertFilter{Limit: -1}); err == nil {
		t.Error("negative limit accepted")
	}
}

func TestAlertRulesDefaults(t *testing.T) {
	w := openWB(t, Options{DisableKeyring: true})
	if diff := cmp.Diff(alert.DefaultRules(), w.AlertRules()); diff != "" {
		t.Errorf("rules (-want +got)\n%s", diff)
	}
	if st := w.AlertWebhookStatus(); st != (WebhookStatus{}) {
		t.Errorf("no webhook configured, status %+v", st)
	}
}

// AlertObserver is what the monitor calls: it fires after the rule's
// duration, stores the alert, resolves it, and a store that fails is
// logged, never fatal.
func TestAlertObserver(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs bytes.Buffer
	w := openWB(t, Options{DisableKeyring: true})
	observe, eng, err := w.AlertObserver(ctx, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil || eng == nil {
		t.Fatal(err)
	}
	at := func(s int) time.Time { return alertT0.Add(time.Duration(s) * time.Second) }
	health := map[string]error{"global_status": nil}
	for s := 0; s <= 120; s += 30 {
		observe("prod", at(s), map[string]float64{"connection_usage_pct": 90}, health)
	}
	active, err := w.ActiveAlerts(ctx, "prod")
	if err != nil || len(active) != 1 || active[0].Rule != "connection_usage" || !active[0].FiredAt.Equal(at(120)) {
		t.Fatalf("active %+v %v", active, err)
	}
	observe("prod", at(150), map[string]float64{"connection_usage_pct": 10}, health)
	if n, err := w.ActiveAlertCount(ctx, "prod"); err != nil || n != 0 {
		t.Fatalf("active after clearing: %d %v", n, err)
	}
	// Missing series: nothing happens, nothing is logged.
	observe("prod", at(160), map[string]float64{}, health)
	w.store.Close()
	observe("prod", at(170), map[string]float64{}, map[string]error{"global_status": errors.New("access denied")})
	observe("prod", at(240), map[string]float64{}, map[string]error{"global_status": errors.New("access denied")})
	// A failed connection is the pseudo-collector "connection"; the
	// monitor stops naming it once connecting works again, which
	// resolves its alert.
	down := errors.New("connection refused")
	observe("dev", at(0), map[string]float64{}, map[string]error{"connection": down})
	observe("dev", at(61), map[string]float64{}, map[string]error{"connection": down})
	if got := eng.Active("dev"); len(got) != 1 || got[0].Instance != "connection" {
		t.Fatalf("connection failure: %+v", got)
	}
	observe("dev", at(62), map[string]float64{"connection_usage_pct": 5}, map[string]error{"global_status": nil})
	if got := eng.Active("dev"); len(got) != 0 {
		t.Errorf("connection failure not resolved: %+v", got)
	}
	if !strings.Contains(logs.String(), "alert events not stored") {
		t.Errorf("store failure not logged: %q", logs.String())
	}
	if got := eng.Active("prod"); len(got) != 1 || got[0].Instance != "global_status" {
		t.Errorf("engine active %+v", got)
	}
}
