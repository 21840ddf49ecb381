package collect

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
)

// fakeSource is a server of a given flavour.
type fakeSource struct{ server dba.Server }

func (f fakeSource) Server() dba.Server { return f.server }

var mariadb = dba.Server{Flavor: dba.FlavorMariaDB, Version: dba.Version{Major: 10, Minor: 11, Patch: 6}}

// fake is a collector whose behaviour a test scripts.
type fake struct {
	name     string
	interval time.Duration
	timeout  time.Duration
	supports bool
	// collect runs for each poll; n is the poll's number from 1.
	collect func(ctx context.Context, n int64) (dba.Reading, error)

	polls    atomic.Int64
	inFlight atomic.Int64
	maxIn    atomic.Int64
}

func (f *fake) Name() string { return f.name }
func (f *fake) Supports(dba.Server) (bool, string) {
	if !f.supports {
		return false, "not on this server"
	}
	return true, ""
}
func (f *fake) Interval() time.Duration { return f.interval }
func (f *fake) Timeout() time.Duration  { return f.timeout }
func (f *fake) Collect(ctx context.Context, _ Source) (dba.Reading, error) {
	in := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		m := f.maxIn.Load()
		if in <= m || f.maxIn.CompareAndSwap(m, in) {
			break
		}
	}
	return f.collect(ctx, f.polls.Add(1))
}

func ok(context.Context, int64) (dba.Reading, error) {
	return dba.Reading{Values: map[string]float64{"x": 1}}, nil
}

// runFor runs a scheduler for d and returns its readings by collector and
// the final health.
func runFor(t *testing.T, d time.Duration, jobs ...Job) (map[string][]dba.Reading, map[string]dba.CollectorHealth) {
	t.Helper()
	var mu sync.Mutex
	got := map[string][]dba.Reading{}
	s := New(Options{
		Source: fakeSource{mariadb}, Jobs: jobs, MaxBackoff: 40 * time.Millisecond, UnavailableRetry: 200 * time.Millisecond,
		Sink: func(r dba.Reading) {
			mu.Lock()
			got[r.Collector] = append(got[r.Collector], r)
			mu.Unlock()
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	select {
	case <-done:
	case <-time.After(d + 5*time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	health := map[string]dba.CollectorHealth{}
	for _, h := range s.Health() {
		health[h.Name] = h
	}
	return got, health
}

// TestSchedulerIsolation: a failing, a panicking and a slow collector run
// beside a healthy one, which keeps its rhythm; each records its own
// health; no collector ever runs two polls at once.
func TestSchedulerIsolation(t *testing.T) {
	healthy := &fake{name: "healthy", interval: 20 * time.Millisecond, timeout: time.Second, supports: true, collect: ok}
	failing := &fake{name: "failing", interval: 20 * time.Millisecond, timeout: time.Second, supports: true,
		collect: func(context.Context, int64) (dba.Reading, error) { return dba.Reading{}, errors.New("server said no") }}
	panicky := &fake{name: "panicky", interval: 20 * time.Millisecond, timeout: time.Second, supports: true,
		collect: func(context.Context, int64) (dba.Reading, error) { panic("boom") }}
	slow := &fake{name: "slow", interval: 20 * time.Millisecond, timeout: time.Second, supports: true,
		collect: func(ctx context.Context, _ int64) (dba.Reading, error) {
			select {
			case <-time.After(90 * time.Millisecond):
			case <-ctx.Done():
			}
			return dba.Reading{}, nil
		}}
	got, health := runFor(t, 600*time.Millisecond,
		Job{Collector: healthy}, Job{Collector: failing}, Job{Collector: panicky}, Job{Collector: slow})

	if n := len(got["healthy"]); n < 10 {
		t.Errorf("healthy collector polled %d times in 600ms at 20ms", n)
	}
	if h := health["healthy"]; h.State != dba.CollectorOK || h.Failures != 0 || h.LastSuccess.IsZero() {
		t.Errorf("healthy: %+v", h)
	}
	if h := health["failing"]; h.State != dba.CollectorFailing || h.Error != "server said no" || h.Failures == 0 || len(got["failing"]) != 0 {
		t.Errorf("failing: %+v", h)
	}
	// Backoff: far fewer polls than the 30 ticks of its interval.
	if n := failing.polls.Load(); n > 20 {
		t.Errorf("failing collector was retried %d times: no backoff", n)
	}
	if h := health["panicky"]; h.State != dba.CollectorFailing || h.Error != "collector panicky panicked: boom" {
		t.Errorf("panicky: %+v", h)
	}
	h := health["slow"]
	if h.State != dba.CollectorOK || h.Overruns == 0 {
		t.Errorf("slow: %+v (want overruns)", h)
	}
	if n := slow.polls.Load(); n > 8 {
		t.Errorf("slow collector polled %d times: polls piled up", n)
	}
	for _, f := range []*fake{healthy, failing, panicky, slow} {
		if m := f.maxIn.Load(); m > 1 {
			t.Errorf("%s ran %d polls at once", f.name, m)
		}
	}
}

// TestSchedulerStates covers the other states: unsupported (never runs),
// unavailable (retried rarely), timed out (a failure naming the timeout),
// and a failure that recovers.
func TestSchedulerStates(t *testing.T) {
	unsupported := &fake{name: "unsupported", interval: 10 * time.Millisecond, timeout: time.Second, supports: false, collect: ok}
	unavailable := &fake{name: "unavailable", interval: 10 * time.Millisecond, timeout: time.Second, supports: true,
		collect: func(context.Context, int64) (dba.Reading, error) {
			return dba.Reading{}, fmt.Errorf("%w: performance_schema is OFF", dba.ErrUnavailable)
		}}
	denied := &fake{name: "denied", interval: 10 * time.Millisecond, timeout: time.Second, supports: true,
		collect: func(context.Context, int64) (dba.Reading, error) {
			return dba.Reading{}, fmt.Errorf("read: %w: no PROCESS", dba.ErrAuth)
		}}
	hangs := &fake{name: "hangs", interval: 10 * time.Millisecond, timeout: 30 * time.Millisecond, supports: true,
		collect: func(ctx context.Context, _ int64) (dba.Reading, error) {
			<-ctx.Done()
			return dba.Reading{}, ctx.Err()
		}}
	recovers := &fake{name: "recovers", interval: 10 * time.Millisecond, timeout: time.Second, supports: true,
		collect: func(ctx context.Context, n int64) (dba.Reading, error) {
			if n <= 3 {
				return dba.Reading{}, errors.New("connection refused")
			}
			return ok(ctx, n)
		}}
	got, health := runFor(t, 500*time.Millisecond, Job{Collector: unsupported}, Job{Collector: unavailable}, Job{Collector: denied},
		Job{Collector: hangs}, Job{Collector: recovers})
	if h := health["unsupported"]; h.State != dba.CollectorUnsupported || h.Error != "not on this server" || unsupported.polls.Load() != 0 {
		t.Errorf("unsupported: %+v, %d polls", h, unsupported.polls.Load())
	}
	for _, name := range []string{"unavailable", "denied"} {
		h := health[name]
		if h.State != dba.CollectorUnavailable || h.Err() == nil || !errors.Is(h.Err(), dba.ErrUnavailable) {
			t.Errorf("%s: %+v", name, h)
		}
	}
	// Retried every 200ms, not every 10ms.
	if n := unavailable.polls.Load(); n < 2 || n > 4 {
		t.Errorf("unavailable polled %d times in 500ms with a 200ms retry", n)
	}
	if h := health["hangs"]; h.State != dba.CollectorFailing || h.Err() == nil || h.Took < 25*time.Millisecond {
		t.Errorf("hangs: %+v", h)
	}
	if h := health["hangs"]; h.Error == "" || !strings.Contains(h.Error, "did not answer within 30ms") {
		t.Errorf("hangs error %q", h.Error)
	}
	if h := health["recovers"]; h.State != dba.CollectorOK || h.Failures != 3 || len(got["recovers"]) == 0 {
		t.Errorf("recovers: %+v", h)
	}
}

// TestSchedulerStampsReadings: readings carry the collector's name, the
// injected wall clock and a monotonic time that only moves forward, even
// when the wall clock jumps back.
func TestSchedulerStampsReadings(t *testing.T) {
	var calls atomic.Int64
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time {
		n := calls.Add(1)
		if n%2 == 0 {
			return base.Add(-time.Hour) // the clock jumps back and forth
		}
		return base
	}
	c := &fake{name: "c", interval: 10 * time.Millisecond, timeout: time.Second, supports: true, collect: ok}
	var mu sync.Mutex
	var rs []dba.Reading
	s := New(Options{Source: fakeSource{mariadb}, Jobs: []Job{{Collector: c}}, Now: now, Sink: func(r dba.Reading) {
		mu.Lock()
		rs = append(rs, r)
		mu.Unlock()
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	s.Run(ctx)
	if len(rs) < 5 {
		t.Fatalf("%d readings", len(rs))
	}
	for i, r := range rs {
		if r.Collector != "c" || (!r.At.Equal(base) && !r.At.Equal(base.Add(-time.Hour))) {
			t.Errorf("reading %d: %q at %v", i, r.Collector, r.At)
		}
		if i > 0 && r.Mono <= rs[i-1].Mono {
			t.Errorf("reading %d: monotonic time went from %v to %v", i, rs[i-1].Mono, r.Mono)
		}
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		interval time.Duration
		fails    int
		limit    time.Duration
		want     time.Duration
	}{
		{time.Second, 1, 15 * time.Second, time.Second},
		{time.Second, 2, 15 * time.Second, 2 * time.Second},
		{time.Second, 4, 15 * time.Second, 8 * time.Second},
		{time.Second, 5, 15 * time.Second, 15 * time.Second},
		{time.Second, 50, 15 * time.Second, 15 * time.Second},
		{time.Minute, 3, time.Minute, time.Minute},
	}
	for _, tt := range tests {
		if got := backoff(tt.interval, tt.fails, tt.limit); got != tt.want {
			t.Errorf("backoff(%v, %d, %v) = %v, want %v", tt.interval, tt.fails, tt.limit, got, tt.want)
		}
	}
}

func TestRegistry(t *testing.T) {
	r := NewRegistry(Builtin()...)
	want := []string{"global_status", "global_variables", "innodb_metrics", "processlist", "replication", "digests"}
	if diff := cmp.Diff(want, r.Names()); diff != "" {
		t.Errorf("builtin collectors (-want +got):\n%s", diff)
	}
	for _, c := range r.All() {
		if c.Interval() <= 0 || c.Timeout() <= 0 {
			t.Errorf("%s: interval %v timeout %v", c.Name(), c.Interval(), c.Timeout())
		}
		if ok, _ := c.Supports(mariadb); !ok {
			t.Errorf("%s does not support MariaDB 10.11", c.Name())
		}
		if ok, why := c.Supports(dba.Server{}); ok || why == "" {
			t.Errorf("%s supports an undetected server", c.Name())
		}
		// A source without the capability makes the collector
		// unavailable, not a panic.
		if _, err := c.Collect(context.Background(), fakeSource{mariadb}); !errors.Is(err, dba.ErrUnavailable) {
			t.Errorf("%s on a bare source: %v", c.Name(), err)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("a duplicate registration did not panic")
		}
	}()
	r.Register(GlobalStatus{})
}

func TestVariableChanges(t *testing.T) {
	prev := map[string]string{"max_connections": "151", "gtid_current_pos": "0-1-10", "Read_Only": "OFF", "plugin_x": "1"}
	tests := []struct {
		name string
		prev map[string]string
		cur  map[string]string
		want []VariableChange
	}{
		{"no earlier reading", nil, prev, nil},
		{"nothing changed but GTID positions", prev, map[string]string{"max_connections": "151", "gtid_current_pos": "0-1-99", "read_only": "OFF", "plugin_x": "1"}, nil},
		{"changed, appeared, vanished", prev, map[string]string{"max_connections": "300", "read_only": "ON", "plugin_y": "2", "gtid_current_pos": "0-1-10"}, []VariableChange{
			{Name: "max_connections", Old: "151", New: "300"},
			{Name: "plugin_x", Old: "1"},
			{Name: "plugin_y", New: "2"},
			{Name: "read_only", Old: "OFF", New: "ON"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, VariableChanges(tt.prev, tt.cur)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// fakeDigests is a digest snapshotter for the Digests collector.
type fakeDigests struct {
	fakeSource
	pfs bool
}

func (f fakeDigests) PerformanceSchemaOn(context.Context) (bool, error) { return f.pfs, nil }
func (f fakeDigests) SnapshotDigests(context.Context) (dba.DigestSnapshotInfo, error) {
	return dba.DigestSnapshotInfo{Digests: 120, Stored: 7}, nil
}

func TestDigestsCollector(t *testing.T) {
	r, err := Digests{}.Collect(context.Background(), fakeDigests{fakeSource{mariadb}, true})
	if err != nil || r.Values["digests"] != 120 || r.Values["digests_stored"] != 7 {
		t.Errorf("pfs on: %+v %v", r, err)
	}
	_, err = Digests{}.Collect(context.Background(), fakeDigests{fakeSource{mariadb}, false})
	if !errors.Is(err, dba.ErrUnavailable) || !strings.Contains(err.Error(), "performance_schema is OFF") {
		t.Errorf("pfs off: %v", err)
	}
}
