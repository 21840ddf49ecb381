package workbench

import (
	"context"
	"errors"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/store"
)

// jumpClock is a wall clock a test can move: monotonic time still flows.
type jumpClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *jumpClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *jumpClock) jump(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// switchStore fails every write while failing is set (a read-only or
// full disk), and passes everything else to the real store.
type switchStore struct {
	monitorStore
	mu      sync.Mutex
	failing bool
}

var errDiskFull = errors.New("database or disk is full")

func (s *switchStore) set(f bool) {
	s.mu.Lock()
	s.failing = f
	s.mu.Unlock()
}

func (s *switchStore) fail() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing {
		return errDiskFull
	}
	return nil
}

func (s *switchStore) AddMonitorSamples(ctx context.Context, p string, x []dba.MonitorSample) error {
	if err := s.fail(); err != nil {
		return err
	}
	return s.monitorStore.AddMonitorSamples(ctx, p, x)
}

func (s *switchStore) AddMonitorEvents(ctx context.Context, e []dba.MonitorEvent) error {
	if err := s.fail(); err != nil {
		return err
	}
	return s.monitorStore.AddMonitorEvents(ctx, e)
}

func (s *switchStore) RollupMonitor(ctx context.Context, p string, now time.Time, g time.Duration) (int, error) {
	if err := s.fail(); err != nil {
		return 0, err
	}
	return s.monitorStore.RollupMonitor(ctx, p, now, g)
}

func (s *switchStore) SetMonitorVariables(ctx context.Context, p, v string) error {
	if err := s.fail(); err != nil {
		return err
	}
	return s.monitorStore.SetMonitorVariables(ctx, p, v)
}

// observed records what the monitor hands the alert engine.
type observed struct {
	mu     sync.Mutex
	values []map[string]float64
	health []map[string]error
}

func (o *observed) observe(_ string, _ time.Time, v map[string]float64, h map[string]error) {
	o.mu.Lock()
	o.values = append(o.values, v)
	o.health = append(o.health, h)
	o.mu.Unlock()
}

func (o *observed) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.values)
}

// waitFor polls cond until it holds or the time is up.
func waitMonitor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func eventKinds(t *testing.T, m *Monitor, profile string) map[string]int {
	t.Helper()
	set, err := m.Series(context.Background(), SeriesRequest{Profile: profile, Range: 3 * time.Hour, To: m.o.Now().Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range set.Events {
		out[e.Kind]++
	}
	return out
}

// restartInstance stops a private server with SHUTDOWN and starts it
// again on the same data directory and port; the new process is stopped
// in the test's cleanup.
func restartInstance(t *testing.T, inst *dbtest.Instance) {
	t.Helper()
	inst.SQL(t, "SHUTDOWN")
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(inst.Port))
	waitMonitor(t, "the server to stop", 60*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return false
		}
		_, err = os.Stat(filepath.Join(inst.Dir, "mariadbd.pid"))
		return err != nil
	})
	// Leave a visible hole in the samples.
	time.Sleep(2 * time.Second)
	bin, err := exec.LookPath("mariadbd")
	if err != nil {
		bin = "/usr/sbin/mariadbd"
	}
	args := []string{"--defaults-file=" + filepath.Join(inst.Dir, "my.cnf")}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	waitMonitor(t, "the server to come back", 60*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
}

// TestMonitorFaults runs the monitor on a private server with
// performance_schema off, as a user without PROCESS, and goes through the
// faults one after the other: a clock jump, the history store failing
// (disk full) and recovering, and a server restart. Monitoring must carry
// on through all of them, with no negative rate anywhere.
func TestMonitorFaults(t *testing.T) {
	inst := dbtest.StartInstance(t, dbtest.InstanceOptions{})
	inst.SQL(t, `CREATE USER 't_monitor'@'%' IDENTIFIED BY 't-monitor-pw'; GRANT SELECT ON mysql.* TO 't_monitor'@'%';`)
	w := openWB(t, Options{DisableKeyring: true})
	ctx := context.Background()
	tgt := dba.Target{Host: "127.0.0.1", Port: inst.Port, User: "t_monitor"}
	if _, err := w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: "inst", Env: dba.EnvDev, Target: tgt}, Password: ptr("t-monitor-pw")}); err != nil {
		t.Fatal(err)
	}
	clock := &jumpClock{}
	st := &switchStore{monitorStore: w.store}
	obs := &observed{}
	m, err := w.NewMonitor(MonitorOptions{Interval: 200 * time.Millisecond, Now: clock.Now, FlushEvery: 300 * time.Millisecond, Observe: obs.observe, store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Start(ctx, "inst"); err != nil {
		t.Fatal(err)
	}
	hasRate := func() bool {
		s, ok := m.State("inst")
		return ok && s.Last != nil && !math.IsNaN(s.Last.Values["qps"]) && s.Last.Values["qps"] >= 0 && len(s.Last.Values) > 5 && s.Last.Values["uptime_seconds"] > 0
	}
	waitMonitor(t, "rates", 20*time.Second, hasRate)

	// performance_schema off and no PROCESS privilege: those collectors
	// say so, the others run.
	waitMonitor(t, "every collector to have run", 20*time.Second, func() bool {
		s, _ := m.State("inst")
		for _, h := range s.Health {
			if h.State == dba.CollectorPending {
				return false
			}
		}
		return true
	})
	s, _ := m.State("inst")
	states := map[string]string{}
	for _, h := range s.Health {
		states[h.Name] = h.State
		if h.State == dba.CollectorUnavailable && h.Error == "" {
			t.Errorf("collector %s is unavailable without saying why", h.Name)
		}
	}
	for name, want := range map[string]string{"global_status": dba.CollectorOK, "global_variables": dba.CollectorOK, "digests": dba.CollectorUnavailable, "innodb_metrics": dba.CollectorUnavailable} {
		if states[name] != want {
			t.Errorf("collector %s: %q, want %q (all: %v)", name, states[name], want, states)
		}
	}
	if !strings.Contains(strings.Join(s.Notes, " "), "performance_schema") {
		t.Errorf("notes do not say performance_schema is off: %q", s.Notes)
	}
	// The observer hears of working collectors only; unavailable ones are
	// not failures.
	obs.mu.Lock()
	lastHealth := obs.health[len(obs.health)-1]
	obs.mu.Unlock()
	if _, ok := lastHealth["digests"]; ok {
		t.Errorf("an unavailable collector reached the alert engine as a failure: %v", lastHealth)
	}
	if err, ok := lastHealth["global_status"]; !ok || err != nil {
		t.Errorf("global_status health %v, %v; want present and nil", err, ok)
	}

	// A clock jump of an hour: annotated; rates use the monotonic clock.
	clock.jump(time.Hour)
	waitMonitor(t, "the clock jump annotation", 10*time.Second, func() bool { return eventKinds(t, m, "inst")[dba.EventClockJump] > 0 })

	// The store fails: a clear error, samples kept in memory and still
	// charted, the live feed goes on.
	st.set(true)
	n := obs.count()
	waitMonitor(t, "the store error", 10*time.Second, func() bool { return m.StoreError() != "" })
	if e := m.StoreError(); !strings.Contains(e, "disk is full") || !strings.Contains(e, "kept in memory") {
		t.Errorf("store error %q does not say what failed and what happens", e)
	}
	waitMonitor(t, "samples while the store fails", 10*time.Second, func() bool { return obs.count() > n+5 })
	set, err := m.Series(ctx, SeriesRequest{Profile: "inst", Range: 10 * time.Second, Names: []string{"qps"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Times) < 5 || len(set.Notes) == 0 {
		t.Errorf("while the store fails: %d points, notes %q; want the held samples and a note", len(set.Times), set.Notes)
	}
	st.set(false)
	waitMonitor(t, "the store to recover", 10*time.Second, func() bool { return m.StoreError() == "" })
	rows, err := w.store.MonitorRows(ctx, store.MonitorQuery{Profile: "inst", Tier: store.TierRaw, From: set.From, To: set.To})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 5 {
		t.Errorf("%d rows written after the store recovered, want the held samples", len(rows))
	}

	// The server restarts: a gap, the restart annotated, no negative
	// rates, collection resumes by itself.
	before := obs.count()
	restartInstance(t, inst)
	waitMonitor(t, "the restart annotation", 60*time.Second, func() bool { return eventKinds(t, m, "inst")[dba.EventRestart] > 0 })
	waitMonitor(t, "rates after the restart", 30*time.Second, func() bool { return obs.count() > before+5 && hasRate() })
	kinds := eventKinds(t, m, "inst")
	if kinds[dba.EventGap] == 0 {
		t.Errorf("no gap annotated across the restart: %v", kinds)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	sawFailure := false
	for i, v := range obs.values {
		for k, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Errorf("sample %d: %s = %v", i, k, x)
			}
			if strings.HasSuffix(k, "_per_s") || k == "qps" || k == "tps" {
				if x < 0 {
					t.Errorf("sample %d: negative rate %s = %v", i, k, x)
				}
			}
		}
		if err := obs.health[i]["global_status"]; err != nil {
			sawFailure = true
		}
		if obs.health[i]["connection"] != nil {
			sawFailure = true
		}
	}
	if !sawFailure {
		t.Error("the alert engine never heard that global_status failed while the server was down")
	}
}

// TestMonitorSandbox monitors the sandbox under a little load: the alert
// series are there, the history reads back through the tiers, live
// subscribers get every sample, and /metrics' raw readings are present.
func TestMonitorSandbox(t *testing.T) {
	d := dbtest.LeastPriv(t)
	admin := dbtest.Admin(t)
	w := openWB(t, Options{DisableKeyring: true})
	ctx := context.Background()
	tgt := d.Target
	if _, err := w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: "sb", Env: dba.EnvDev, Target: tgt}, Password: ptr(d.Password)}); err != nil {
		t.Fatal(err)
	}
	obs := &observed{}
	m, err := w.NewMonitor(MonitorOptions{Interval: 250 * time.Millisecond, FlushEvery: 500 * time.Millisecond, Observe: obs.observe})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Start(ctx, "sb"); err != nil {
		t.Fatal(err)
	}
	ch, cancel, err := m.Subscribe("sb")
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			_, _ = admin.Exec("SELECT COUNT(*) FROM shop.orders WHERE id < 1000")
		}
	})
	defer func() { close(stop); wg.Wait() }()
	got := 0
	deadline := time.After(20 * time.Second)
	for got < 8 {
		select {
		case u := <-ch:
			if u.Sample != nil {
				got++
			}
		case <-deadline:
			t.Fatalf("%d live samples in 20s", got)
		}
	}
	waitMonitor(t, "replication and session gauges", 20*time.Second, func() bool {
		s, _ := m.State("sb")
		_, a := s.Last.Values["longest_trx_seconds"]
		_, b := s.Last.Values["threads_running"]
		return a && b
	})
	s, _ := m.State("sb")
	for _, k := range []string{"qps", "tps", "connection_usage_pct", "threads_running", "buffer_pool_hit_pct", "slow_queries_per_s", "lock_waits", "longest_trx_seconds", "tmp_disk_ratio", "deadlocks_per_s"} {
		if _, ok := s.Last.Values[k]; !ok && k != "buffer_pool_hit_pct" && k != "tmp_disk_ratio" {
			t.Errorf("series %s missing from the newest sample: %v", k, s.Last.Values)
		}
	}
	if s.Last.Values["qps"] <= 0 {
		t.Errorf("qps %v under load", s.Last.Values["qps"])
	}
	states := m.States()
	if len(states) != 1 || len(states[0].Status) < 100 || states[0].Variables["max_connections"] <= 0 || !states[0].Up() {
		t.Errorf("raw readings for /metrics: %d status values, max_connections %v, up %v", len(states[0].Status), states[0].Variables["max_connections"], states[0].Up())
	}
	// Samples are written every 5 s; a loaded machine may need two rounds.
	waitMonitor(t, "samples written", 30*time.Second, func() bool {
		rows, _ := w.store.MonitorRows(ctx, store.MonitorQuery{Profile: "sb", Tier: store.TierRaw, From: time.Now().Add(-time.Minute), To: time.Now()})
		return len(rows) >= 8
	})
	set, err := m.Series(ctx, SeriesRequest{Profile: "sb", Range: 5 * time.Minute, MaxPoints: 50, Names: []string{"qps", "threads_connected"}})
	if err != nil {
		t.Fatal(err)
	}
	if set.Tier != "raw" || len(set.Times) == 0 || len(set.Series["qps"]) != len(set.Times) || len(set.Times) > 60 {
		t.Errorf("series: tier %s, %d times, %d qps points", set.Tier, len(set.Times), len(set.Series["qps"]))
	}
	long, err := m.Series(ctx, SeriesRequest{Profile: "sb", Range: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if long.Tier != "1h" {
		t.Errorf("a 30-day range reads tier %s, want 1h", long.Tier)
	}
	if obs.count() == 0 {
		t.Error("the observer got nothing")
	}
}

func TestSeriesRequestErrors(t *testing.T) {
	w := openWB(t, Options{DisableKeyring: true})
	m, err := w.NewMonitor(MonitorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	now := time.Now()
	tests := []struct {
		name string
		q    SeriesRequest
		want string
	}{
		{"no range", SeriesRequest{Profile: "x"}, "give a time range"},
		{"backwards", SeriesRequest{Profile: "x", From: now, To: now.Add(-time.Hour)}, "is not before"},
		{"too long", SeriesRequest{Profile: "x", Range: 500 * 24 * time.Hour}, "longer than"},
		{"too many points", SeriesRequest{Profile: "x", Range: time.Hour, MaxPoints: 1e6}, "points"},
		{"unknown series", SeriesRequest{Profile: "x", Range: time.Hour, Names: []string{"qsp"}}, `did you mean "qps"`},
		{"unknown profile", SeriesRequest{Profile: "nope", Range: time.Hour}, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.Series(context.Background(), tt.q)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	for _, o := range []MonitorOptions{{Interval: time.Millisecond}, {Interval: time.Hour}, {Collectors: map[string]MonitorCollector{"nope": {}}}} {
		if _, err := w.NewMonitor(o); !errors.Is(err, dba.ErrInvalid) {
			t.Errorf("NewMonitor(%+v): %v, want invalid", o, err)
		}
	}
	if err := m.Start(context.Background(), "nope"); !errors.Is(err, dba.ErrNotFound) {
		t.Errorf("Start of an unknown profile: %v", err)
	}
	if _, _, err := m.Subscribe("nope"); !errors.Is(err, dba.ErrNotFound) {
		t.Errorf("Subscribe of an unmonitored profile: %v", err)
	}
}
