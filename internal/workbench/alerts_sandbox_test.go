package workbench

import (
	"context"
	"database/sql"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/alert"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

// alertSample turns one Status and one ProcessList reading into the series
// the monitor gives the alert engine. The real monitor computes the same
// values from its own collectors; here they come from the existing use
// cases so the engine sees real server output.
func alertSample(ctx context.Context, w *Workbench, req ConnRequest) (map[string]float64, map[string]error) {
	vals, health := map[string]float64{}, map[string]error{}
	st, err := w.Status(ctx, req, StatusRequest{Interval: 100 * time.Millisecond})
	health["status"] = err
	if err == nil {
		if p := st.Connections.UsedPercent; p != nil {
			vals["connection_usage_pct"] = *p
		}
		vals["threads_running"] = float64(st.Connections.Running)
	}
	pv, err := w.ProcessList(ctx, req, ProcessQuery{})
	health["processlist"] = err
	if err == nil {
		longest, waits := 0.0, 0.0
		for _, s := range pv.Sessions {
			if s.Trx == nil {
				continue
			}
			longest = max(longest, s.Trx.Age.Seconds())
			if s.Trx.Waiting() {
				waits++
			}
		}
		vals["longest_trx_seconds"], vals["lock_waits"] = longest, waits
	}
	return vals, health
}

// alertServer is a private server with max_connections=20, a user and a
// table for the tests to load it.
type alertServer struct {
	port int
	dsn  string  // mysql:// URL for mydba
	load *sql.DB // the test's own connections
}

func startAlertServer(t *testing.T) alertServer {
	t.Helper()
	inst := dbtest.StartInstance(t, dbtest.InstanceOptions{ExtraConfig: []string{"max_connections=20"}})
	inst.SQL(t, `CREATE USER 't_alerts'@'%' IDENTIFIED BY 't-alerts-pw'; GRANT ALL ON *.* TO 't_alerts'@'%';
CREATE DATABASE t_alerts_db; CREATE TABLE t_alerts_db.t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB; INSERT INTO t_alerts_db.t VALUES (1, 0);`)
	port := strconv.Itoa(inst.Port)
	load, err := sql.Open("mysql", "t_alerts:t-alerts-pw@tcp(127.0.0.1:"+port+")/t_alerts_db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { load.Close() })
	return alertServer{port: inst.Port, dsn: "mysql://t_alerts:t-alerts-pw@127.0.0.1:" + port + "/", load: load}
}

// induce makes the three conditions: a transaction holds row 1, another
// waits for it, and idle connections fill the server to 16 of 20 plus
// mydba's own. The returned function ends them all.
func (a alertServer) induce(t *testing.T, ctx context.Context) (end func()) {
	t.Helper()
	holder, err := a.load.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, holder, "SET SESSION innodb_lock_wait_timeout = 120", "BEGIN", "UPDATE t SET v = v + 1 WHERE id = 1")
	waiter, err := a.load.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, waiter, "SET SESSION innodb_lock_wait_timeout = 120", "BEGIN")
	waitErr := make(chan error, 1)
	go func() {
		_, err := waiter.ExecContext(ctx, "UPDATE t SET v = 2 WHERE id = 1")
		waitErr <- err
	}()
	var idle []*sql.Conn
	for range 14 {
		c, err := a.load.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.PingContext(ctx); err != nil {
			t.Fatal(err)
		}
		idle = append(idle, c)
	}
	var once sync.Once
	end = func() {
		once.Do(func() {
			mustExec(t, holder, "COMMIT")
			if err := <-waitErr; err != nil {
				t.Errorf("waiting update: %v", err)
			}
			mustExec(t, waiter, "COMMIT")
			for _, c := range append(idle, holder, waiter) {
				c.Close()
			}
			a.load.SetMaxIdleConns(0)
		})
	}
	t.Cleanup(end)
	return end
}

// fastRules are the defaults tightened through the same specs
// config.toml gives, so the tests take seconds rather than minutes.
func fastRules(t *testing.T) []alert.Rule {
	t.Helper()
	s := func(v string) *string { return &v }
	f := func(v float64) *float64 { return &v }
	rules, err := alert.Rules([]alert.Spec{
		{Name: "connection_usage", Threshold: f(80), For: s("1s"), Clear: s("50")},
		{Name: "long_transaction", Threshold: f(3)},
		{Name: "lock_waits", Threshold: f(1), For: s("1s"), Clear: s("1")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

var inducedRules = []string{"connection_usage", "lock_waits", "long_transaction"}

// TestAlertsFireAndClearOnRealServer induces conditions on a private
// server with max_connections=20 — many idle connections, a transaction
// holding a row lock and another waiting for it — feeds the engine real
// samples, and checks the rules fire, are stored, reach the webhook, and
// resolve once the conditions end.
func TestAlertsFireAndClearOnRealServer(t *testing.T) {
	srv := startAlertServer(t)
	req := ConnRequest{DSN: srv.dsn, Timeout: 5 * time.Second}
	rc := newReceiver(t)
	w := openWB(t, Options{DisableKeyring: true, Alerts: AlertOptions{Rules: fastRules(t), Webhook: rc.srv.URL + "/hook"}})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	eng, err := w.NewAlertEngine(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fired, resolved := map[string]alert.Event{}, map[string]alert.Event{}
	observe := func() {
		t.Helper()
		vals, health := alertSample(ctx, w, req)
		evs := eng.Observe("inst", time.Now(), vals, health)
		for _, ev := range evs {
			t.Logf("%s %s: %s", ev.State, ev.Rule, ev.Message)
			if ev.State == alert.Firing {
				fired[ev.Rule] = ev
			} else {
				resolved[ev.Rule] = ev
			}
		}
		if err := w.RecordAlertEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
	}
	until := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("no %s within 60s; fired %v resolved %v", what, keys(fired), keys(resolved))
			}
			observe()
			time.Sleep(100 * time.Millisecond)
		}
	}

	// A quiet server: nothing fires.
	for range 3 {
		observe()
	}
	if len(fired) != 0 {
		t.Fatalf("fired on an idle server: %v", keys(fired))
	}

	end := srv.induce(t, ctx)
	until("firing of every induced rule", func() bool {
		return fired["connection_usage"].Rule != "" && fired["long_transaction"].Rule != "" && fired["lock_waits"].Rule != ""
	})
	if ev := fired["connection_usage"]; ev.Value < 80 || ev.At.Sub(ev.Since) < time.Second {
		t.Errorf("connection_usage fired %+v", ev)
	}
	if ev := fired["long_transaction"]; ev.Value <= 3 {
		t.Errorf("long_transaction fired %+v", ev)
	}
	active, err := w.ActiveAlerts(ctx, "inst")
	if err != nil || len(active) != 3 {
		t.Fatalf("stored active alerts %+v %v", active, err)
	}

	end()
	until("resolution of every induced rule", func() bool {
		return resolved["connection_usage"].Rule != "" && resolved["long_transaction"].Rule != "" && resolved["lock_waits"].Rule != ""
	})
	if ev := resolved["connection_usage"]; ev.Value >= 50 {
		t.Errorf("connection_usage resolved at %v, above its clear threshold", ev.Value)
	}
	if n, err := w.ActiveAlertCount(ctx, "inst"); err != nil || n != 0 {
		t.Errorf("active after the conditions ended: %d %v", n, err)
	}
	hist, err := w.AlertHistory(ctx, dba.AlertFilter{Profile: "inst"})
	if err != nil || len(hist) != 3 {
		t.Fatalf("history %+v %v", hist, err)
	}
	for _, h := range hist {
		if h.ResolvedAt == nil || h.ResolvedAt.Before(h.FiredAt) {
			t.Errorf("history row %+v", h)
		}
	}
	// Every event reached the webhook: three firing, three resolved.
	waitFor(t, "webhook deliveries", func() bool {
		n := 0
		for _, p := range rc.payloads() {
			n += len(p.Events)
		}
		return n == 6
	})
}

// TestAlertsThroughMonitor is the same story end to end through the real
// monitor: its collectors sample the private server, its Observe hook is
// AlertObserver (as `mydba serve` wires it), and the alerts appear in and
// leave the store by themselves.
func TestAlertsThroughMonitor(t *testing.T) {
	srv := startAlertServer(t)
	rc := newReceiver(t)
	w := openWB(t, Options{DisableKeyring: true, Alerts: AlertOptions{Rules: fastRules(t), Webhook: rc.srv.URL}})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pw := "t-alerts-pw"
	if _, err := w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: "t-alerts", Env: dba.EnvDev,
		Target: dba.Target{Host: "127.0.0.1", Port: srv.port, User: "t_alerts"}}, Password: &pw}); err != nil {
		t.Fatal(err)
	}
	observe, _, err := w.AlertObserver(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := w.NewMonitor(MonitorOptions{Interval: 200 * time.Millisecond, Observe: observe,
		Collectors: map[string]MonitorCollector{"processlist": {Interval: 500 * time.Millisecond}}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Start(ctx, "t-alerts"); err != nil {
		t.Fatal(err)
	}
	activeRules := func() []string {
		t.Helper()
		as, err := w.ActiveAlerts(ctx, "t-alerts")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range as {
			out = append(out, a.Rule)
		}
		sort.Strings(out)
		return out
	}
	poll := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				st, _ := m.State("t-alerts")
				t.Fatalf("no %s within 60s: active %v, monitor %+v", what, activeRules(), st)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// Quiet: samples flow (process-list series included), nothing fires.
	poll("samples", func() bool {
		st, ok := m.State("t-alerts")
		if !ok || st.Last == nil {
			return false
		}
		_, conn := st.Last.Values["connection_usage_pct"]
		_, trx := st.Last.Values["longest_trx_seconds"]
		return conn && trx
	})
	time.Sleep(1500 * time.Millisecond)
	if got := activeRules(); len(got) != 0 {
		t.Fatalf("fired on an idle server: %v", got)
	}

	end := srv.induce(t, ctx)
	poll("firing of every induced rule", func() bool { return cmp.Equal(activeRules(), inducedRules) })
	end()
	poll("resolution", func() bool { return len(activeRules()) == 0 })
	hist, err := w.AlertHistory(ctx, dba.AlertFilter{Profile: "t-alerts"})
	if err != nil || len(hist) != 3 {
		t.Fatalf("history %+v %v", hist, err)
	}
	for _, h := range hist {
		if h.ResolvedAt == nil || h.ResolvedValue == nil {
			t.Errorf("not resolved: %+v", h)
		}
	}
	waitFor(t, "webhook deliveries", func() bool {
		n := 0
		for _, p := range rc.payloads() {
			n += len(p.Events)
		}
		return n == 6
	})
}

func mustExec(t *testing.T, c *sql.Conn, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := c.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func keys(m map[string]alert.Event) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestMonitorForgetsRemovedConnection removes a monitored connection from
// another mydba process (a second workbench on the same state dir) and
// then from this one: each time the monitor stops sampling it, the alert
// engine forgets it and none of its alerts stays active (at once when this
// process removes it), while the other connection's alerts are untouched.
func TestMonitorForgetsRemovedConnection(t *testing.T) {
	d := dbtest.LeastPriv(t)
	dir := t.TempDir()
	w := openWB(t, Options{StateDir: dir, DisableKeyring: true})
	ctx := context.Background()
	for _, name := range []string{"gone", "kept"} {
		if _, err := w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: name, Env: dba.EnvDev, Target: d.Target}, Password: ptr(d.Password)}); err != nil {
			t.Fatal(err)
		}
	}
	observe, eng, err := w.AlertObserver(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var removed []string
	forget := w.AlertsRemoved(eng, nil)
	m, err := w.NewMonitor(MonitorOptions{Interval: 250 * time.Millisecond, FlushEvery: 300 * time.Millisecond, Observe: observe,
		Removed: func(p string) {
			mu.Lock()
			removed = append(removed, p)
			mu.Unlock()
			forget(p)
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, name := range []string{"gone", "kept"} {
		if err := m.Start(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	waitMonitor(t, "both connections sampled", 20*time.Second, func() bool {
		a, _ := m.State("gone")
		b, _ := m.State("kept")
		return a.Up() && b.Up()
	})
	fire := func(profile string) {
		t.Helper()
		now := time.Now()
		// A collector that does not exist: no observation ever resolves it.
		ev := alert.Event{Profile: profile, Rule: "collector_failure", Instance: "no_such_collector", Series: alert.CollectorFailed,
			Severity: alert.SeverityWarning, State: alert.Firing, Op: alert.OpGE, Threshold: 1, At: now, Since: now, Value: 1, Message: "test"}
		if err := w.RecordAlertEvents(ctx, []alert.Event{ev}); err != nil {
			t.Fatal(err)
		}
		eng.Seed([]alert.Alert{{Profile: profile, Rule: ev.Rule, Instance: ev.Instance, Series: ev.Series, Severity: ev.Severity, Op: ev.Op,
			Threshold: 1, FiredAt: now, Value: 1}})
	}
	active := func(profile string) int {
		t.Helper()
		n, err := w.ActiveAlertCount(ctx, profile)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	fire("gone")
	fire("kept")

	// Another process deletes the profile from the state file (as one that
	// does not close alerts would): the alert stays active until this
	// monitor notices.
	other, err := Open(ctx, Options{StateDir: dir, DisableKeyring: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.store.DeleteProfile(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	other.Close()
	calls := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), removed...)
	}
	// Removed is called once the connection's monitoring has stopped.
	waitMonitor(t, "the monitor to stop the removed connection", 10*time.Second, func() bool {
		return len(calls()) > 0
	})
	if diff := cmp.Diff([]string{"gone"}, calls()); diff != "" {
		t.Errorf("Removed calls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"kept"}, m.Profiles()); diff != "" {
		t.Errorf("monitored (-want +got):\n%s", diff)
	}
	if n := active("gone"); n != 0 || len(eng.Active("gone")) != 0 {
		t.Errorf("after the monitor stopped: %d stored, %d in the engine", n, len(eng.Active("gone")))
	}
	if n := active("kept"); n != 1 || len(eng.Active("kept")) != 1 {
		t.Errorf("the other connection's alert: %d stored, %d in the engine, want 1 and 1", n, len(eng.Active("kept")))
	}
	hist, err := w.AlertHistory(ctx, dba.AlertFilter{Profile: "gone"})
	if err != nil || len(hist) != 1 || hist[0].ResolvedMessage != "closed: connection gone was removed" {
		t.Errorf("history of the removed connection: %+v, %v", hist, err)
	}

	// Removed in this process: closed at once, stopped on the next flush.
	if err := w.RemoveProfile(ctx, "kept"); err != nil {
		t.Fatal(err)
	}
	if n := active("kept"); n != 0 {
		t.Errorf("%d alerts still active after removal in this process", n)
	}
	waitMonitor(t, "the monitor to stop the second connection", 10*time.Second, func() bool {
		return len(calls()) == 2
	})
	if diff := cmp.Diff([]string{"gone", "kept"}, calls()); diff != "" || len(m.Profiles()) != 0 {
		t.Errorf("Removed calls (-want +got):\n%s, still monitored %v", diff, m.Profiles())
	}
}
