package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/alert"
	"github.com/mydba/mydba/internal/dba"
)

func alertEvent(profile, rule, instance string, state alert.State, at, since time.Time, value float64) alert.Event {
	return alert.Event{Profile: profile, Rule: rule, Instance: instance, Series: "connection_usage_pct", Severity: alert.SeverityCritical,
		State: state, Op: alert.OpGE, Threshold: 85, At: at, Since: since, Value: value, Message: string(state) + " " + rule}
}

// TestAlerts stores firing and resolved events, lists active alerts and
// history, keeps one open row per alert across restarts, and prunes only
// closed alerts.
func TestAlerts(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := now
	s := openClocked(t, &clock)
	at := func(m int) time.Time { return now.Add(time.Duration(m) * time.Minute) }

	w, err := s.RecordAlertEvents(ctx, []alert.Event{
		alertEvent("prod", "connection_usage", "", alert.Firing, at(2), at(0), 91.5),
		alertEvent("dev", "connection_usage", "", alert.Firing, at(3), at(1), 88),
		{Profile: "prod", Rule: "collector_failure", Instance: "innodb_metrics", Series: alert.CollectorFailed, Severity: alert.SeverityWarning,
			State: alert.Firing, Op: alert.OpGE, Threshold: 1, At: at(4), Since: at(3), Value: 1, Detail: "access denied", Message: "collector failing"},
	}, Retention{})
	if err != nil || w != (AlertWrite{Opened: 3}) {
		t.Fatalf("first write %+v %v", w, err)
	}
	// mydba restarted: the engine fires again for an alert still open.
	w, err = s.RecordAlertEvents(ctx, []alert.Event{alertEvent("prod", "connection_usage", "", alert.Firing, at(10), at(9), 95)}, Retention{})
	if err != nil || w != (AlertWrite{Kept: 1}) {
		t.Fatalf("refire %+v %v", w, err)
	}
	active, err := s.ActiveAlerts(ctx, "prod")
	if err != nil {
		t.Fatal(err)
	}
	want := []dba.AlertRecord{
		{ID: 1, Profile: "prod", Rule: "connection_usage", Series: "connection_usage_pct", Severity: "critical", Op: ">=", Threshold: 85,
			Since: at(0), FiredAt: at(2), FiredValue: 91.5, Message: "firing connection_usage"},
		{ID: 3, Profile: "prod", Rule: "collector_failure", Instance: "innodb_metrics", Series: "collector_failed", Severity: "warning", Op: ">=", Threshold: 1,
			Since: at(3), FiredAt: at(4), FiredValue: 1, Message: "collector failing", Detail: "access denied"},
	}
	if diff := cmp.Diff(want, active); diff != "" {
		t.Fatalf("active (-want +got)\n%s", diff)
	}
	if n, err := s.CountActiveAlerts(ctx, ""); err != nil || n != 3 {
		t.Errorf("count all = %d %v", n, err)
	}

	w, err = s.RecordAlertEvents(ctx, []alert.Event{
		alertEvent("prod", "connection_usage", "", alert.Resolved, at(20), at(2), 40),
		alertEvent("prod", "threads_running", "", alert.Resolved, at(20), at(2), 1),
	}, Retention{})
	if err != nil || w != (AlertWrite{Resolved: 1, Unmatched: 1}) {
		t.Fatalf("resolve %+v %v", w, err)
	}
	if ok, err := s.CloseAlert(ctx, 3, at(21), "rule removed"); err != nil || !ok {
		t.Fatalf("close %v %v", ok, err)
	}
	if ok, _ := s.CloseAlert(ctx, 3, at(22), "again"); ok {
		t.Error("closed a closed alert")
	}
	// A new episode of the same alert is a new row.
	if _, err := s.RecordAlertEvents(ctx, []alert.Event{alertEvent("prod", "connection_usage", "", alert.Firing, at(30), at(28), 99)}, Retention{}); err != nil {
		t.Fatal(err)
	}
	hist, err := s.AlertHistory(ctx, dba.AlertFilter{Profile: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, a := range hist {
		ids = append(ids, a.ID)
	}
	if diff := cmp.Diff([]int64{4, 3, 1}, ids); diff != "" {
		t.Fatalf("history ids (-want +got)\n%s", diff)
	}
	r := hist[2]
	if r.ResolvedAt == nil || !r.ResolvedAt.Equal(at(20)) || r.ResolvedValue == nil || *r.ResolvedValue != 40 || r.ResolvedMessage != "resolved connection_usage" || r.Active() {
		t.Errorf("resolved row %+v", r)
	}
	if d := r.Duration(at(100)); d != 18*time.Minute {
		t.Errorf("duration %v", d)
	}
	if hist[1].ResolvedMessage != "rule removed" || hist[1].ResolvedValue != nil {
		t.Errorf("closed row %+v", hist[1])
	}
	// Since keeps alerts that were active at or after it.
	since, err := s.AlertHistory(ctx, dba.AlertFilter{Since: at(20)})
	if err != nil || len(since) != 4 {
		t.Errorf("since 20: %d %v", len(since), err)
	}
	since, err = s.AlertHistory(ctx, dba.AlertFilter{Since: at(21).Add(time.Second), Limit: 10})
	if err != nil || len(since) != 2 || since[0].ID != 4 || since[1].ID != 2 {
		t.Errorf("since 21m1s: %+v %v", since, err)
	}

	// Retention drops old closed alerts, never active ones.
	clock = at(60 * 24 * 10)
	if _, err := s.RecordAlertEvents(ctx, []alert.Event{alertEvent("dev", "deadlocks", "", alert.Firing, clock, clock, 1)}, Retention{MaxAge: 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	all, err := s.AlertHistory(ctx, dba.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	ids = nil
	for _, a := range all {
		ids = append(ids, a.ID)
	}
	if diff := cmp.Diff([]int64{5, 4, 2}, ids); diff != "" {
		t.Errorf("after pruning (-want +got)\n%s", diff)
	}
	if _, err := s.RecordAlertEvents(ctx, []alert.Event{{State: "odd"}}, Retention{}); err == nil {
		t.Error("an event without a state was stored")
	}
}

// BenchmarkCountActiveAlerts is the header badge's cost on every page,
// over a history of 10000 closed alerts and a few active ones.
func BenchmarkCountActiveAlerts(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: filepath.Join(b.TempDir(), "a.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var evs []alert.Event
	for i := range 10000 {
		at := t0.Add(time.Duration(i) * time.Minute)
		rule := fmt.Sprintf("rule_%d", i%10)
		evs = append(evs, alertEvent("prod", rule, "", alert.Firing, at, at, 90), alertEvent("prod", rule, "", alert.Resolved, at.Add(30*time.Second), at, 10))
	}
	evs = append(evs, alertEvent("prod", "connection_usage", "", alert.Firing, t0, t0, 90), alertEvent("dev", "connection_usage", "", alert.Firing, t0, t0, 90))
	if _, err := s.RecordAlertEvents(ctx, evs, Retention{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if n, err := s.CountActiveAlerts(ctx, "prod"); err != nil || n != 1 {
			b.Fatal(n, err)
		}
	}
}
