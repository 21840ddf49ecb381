package alert

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// obs is one observation: seconds after t0 and the series value (nil:
// absent from the observation).
type obs struct {
	at    int
	value *float64
}

func v(f float64) *float64 { return &f }

// step is what an observation should produce: "" nothing, else the
// state of the one event.
type step struct {
	obs
	want State
}

func run(t *testing.T, e *Engine, series string, steps []step) {
	t.Helper()
	for i, s := range steps {
		vals := map[string]float64{"qps": 1}
		if s.value != nil {
			vals[series] = *s.value
		}
		evs := e.Observe("p", t0.Add(time.Duration(s.at)*time.Second), vals, nil)
		var got State
		if len(evs) > 1 {
			t.Fatalf("step %d (t=%ds): %d events %+v", i, s.at, len(evs), evs)
		}
		if len(evs) == 1 {
			got = evs[0].State
		}
		if got != s.want {
			t.Fatalf("step %d (t=%ds, value %v): event %q, want %q (events %+v)", i, s.at, deref(s.value), got, s.want, evs)
		}
	}
}

func deref(f *float64) any {
	if f == nil {
		return "absent"
	}
	return *f
}

func TestEngineTransitions(t *testing.T) {
	above := Rule{Name: "conn", Series: "connection_usage_pct", Op: OpGE, Threshold: 85, For: 2 * time.Minute, Clear: fp(75), Severity: SeverityCritical, Enabled: true}
	tests := []struct {
		name  string
		rule  Rule
		steps []step
	}{
		{
			name: "fires only after holding for the duration, then clears below the clear threshold",
			rule: above,
			steps: []step{
				{obs{0, v(50)}, ""}, {obs{10, v(90)}, ""}, {obs{70, v(95)}, ""}, {obs{129, v(85)}, ""},
				{obs{130, v(86)}, Firing},
				{obs{140, v(99)}, ""},
				{obs{150, v(80)}, ""}, // between clear and threshold: still firing
				{obs{160, v(75)}, ""}, // >= 75 still holds
				{obs{170, v(74.9)}, Resolved},
				{obs{180, v(74)}, ""},
			},
		},
		{
			name:  "a dip below the threshold restarts the wait",
			rule:  above,
			steps: []step{{obs{0, v(90)}, ""}, {obs{100, v(84)}, ""}, {obs{110, v(90)}, ""}, {obs{200, v(90)}, ""}, {obs{230, v(90)}, Firing}},
		},
		{
			name:  "missing values neither fire, restart nor resolve",
			rule:  above,
			steps: []step{{obs{0, v(90)}, ""}, {obs{60, nil}, ""}, {obs{120, nil}, ""}, {obs{130, v(90)}, Firing}, {obs{140, nil}, ""}, {obs{500, nil}, ""}, {obs{510, v(60)}, Resolved}},
		},
		{
			name:  "a gap longer than MaxGap restarts a pending wait",
			rule:  above,
			steps: []step{{obs{0, v(90)}, ""}, {obs{400, v(90)}, ""}, {obs{500, v(90)}, ""}, {obs{520, v(90)}, Firing}},
		},
		{
			name:  "a clock that goes backwards restarts the wait instead of firing",
			rule:  above,
			steps: []step{{obs{1000, v(90)}, ""}, {obs{0, v(90)}, ""}, {obs{119, v(90)}, ""}, {obs{120, v(90)}, Firing}},
		},
		{
			name:  "for 0 fires at once and, without clear, resolves at the threshold",
			rule:  Rule{Name: "trx", Series: "longest_trx_seconds", Op: OpGT, Threshold: 300, Severity: SeverityWarning, Enabled: true},
			steps: []step{{obs{0, v(300)}, ""}, {obs{1, v(301)}, Firing}, {obs{2, v(1000)}, ""}, {obs{3, v(300)}, Resolved}, {obs{4, v(301)}, Firing}},
		},
		{
			name: "clear-after: resolves only after the clear condition held that long",
			rule: def("deadlocks"),
			steps: []step{
				{obs{0, v(0)}, ""}, {obs{1, v(0.5)}, Firing}, {obs{60, v(0)}, ""}, {obs{200, v(0.2)}, ""}, // a new deadlock restarts the quiet period
				{obs{300, v(0)}, ""}, {obs{599, v(0)}, ""}, {obs{600, v(0)}, Resolved},
			},
		},
		{
			name:  "a gap longer than MaxGap restarts a pending clear",
			rule:  def("deadlocks"),
			steps: []step{{obs{0, v(1)}, Firing}, {obs{10, v(0)}, ""}, {obs{290, v(0)}, ""}, {obs{700, v(0)}, ""}, {obs{999, v(0)}, ""}, {obs{1000, v(0)}, Resolved}},
		},
		{
			name:  "below rules fire on low values and clear above the clear threshold",
			rule:  def("buffer_pool_hit_rate"),
			steps: []step{{obs{0, v(90)}, ""}, {obs{300, v(94)}, Firing}, {obs{310, v(96)}, ""}, {obs{320, v(97)}, Resolved}},
		},
		{
			name:  "disabled rules never fire",
			rule:  func() Rule { r := above; r.Enabled = false; return r }(),
			steps: []step{{obs{0, v(100)}, ""}, {obs{1000, v(100)}, ""}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := NewEngine([]Rule{tt.rule}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			run(t, e, tt.rule.Series, tt.steps)
		})
	}
}

func TestEngineEvents(t *testing.T) {
	e, err := NewEngine([]Rule{def("connection_usage"), def("long_transaction")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	if evs := e.Observe("prod", at(0), map[string]float64{"connection_usage_pct": 90, "longest_trx_seconds": 10}, nil); len(evs) != 0 {
		t.Fatalf("events at once: %+v", evs)
	}
	// The other profile has its own state.
	if evs := e.Observe("dev", at(60), map[string]float64{"connection_usage_pct": 95}, nil); len(evs) != 0 {
		t.Fatalf("dev: %+v", evs)
	}
	got := e.Observe("prod", at(120), map[string]float64{"connection_usage_pct": 92.5, "longest_trx_seconds": 400}, nil)
	want := []Event{
		{Profile: "prod", Rule: "connection_usage", Series: "connection_usage_pct", Severity: SeverityCritical, State: Firing, Op: OpGE, Threshold: 85,
			At: at(120), Since: at(0), Value: 92.5, Message: "connection_usage_pct 92.5 (>= 85 for 2m)"},
		{Profile: "prod", Rule: "long_transaction", Series: "longest_trx_seconds", Severity: SeverityWarning, State: Firing, Op: OpGT, Threshold: 300,
			At: at(120), Since: at(120), Value: 400, Message: "longest_trx_seconds 400 (> 300)"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("firing events (-want +got)\n%s", diff)
	}
	active := e.Active("prod")
	if len(active) != 2 || active[0].Rule != "connection_usage" || active[0].FiredAt != at(120) || active[0].Value != 92.5 {
		t.Errorf("active %+v", active)
	}
	if all := e.Active(""); len(all) != 2 {
		t.Errorf("all active %+v (dev is pending, not firing)", all)
	}
	got = e.Observe("prod", at(300), map[string]float64{"connection_usage_pct": 10, "longest_trx_seconds": 0}, nil)
	want = []Event{
		{Profile: "prod", Rule: "connection_usage", Series: "connection_usage_pct", Severity: SeverityCritical, State: Resolved, Op: OpGE, Threshold: 85,
			At: at(300), Since: at(120), Value: 10, Message: "connection_usage_pct 10, resolved after 3m"},
		{Profile: "prod", Rule: "long_transaction", Series: "longest_trx_seconds", Severity: SeverityWarning, State: Resolved, Op: OpGT, Threshold: 300,
			At: at(300), Since: at(120), Value: 0, Message: "longest_trx_seconds 0, resolved after 3m"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("resolved events (-want +got)\n%s", diff)
	}
	if a := e.Active("prod"); len(a) != 0 {
		t.Errorf("still active: %+v", a)
	}
}

func TestEngineCollectorFailure(t *testing.T) {
	e, err := NewEngine([]Rule{def("collector_failure")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	denied := errors.New("SELECT command denied to user 'mydba'@'%' for table 'INNODB_METRICS'")
	health := map[string]error{"status": nil, "innodb_metrics": denied, "processlist": errors.New("timed out")}
	if evs := e.Observe("p", at(0), nil, health); len(evs) != 0 {
		t.Fatalf("at once: %+v", evs)
	}
	// processlist recovers before a minute; innodb_metrics keeps failing.
	e.Observe("p", at(30), nil, map[string]error{"status": nil, "innodb_metrics": denied, "processlist": nil})
	evs := e.Observe("p", at(60), nil, map[string]error{"status": nil, "innodb_metrics": denied, "processlist": errors.New("timed out")})
	if len(evs) != 1 || evs[0].Instance != "innodb_metrics" || evs[0].State != Firing || evs[0].Detail != denied.Error() ||
		evs[0].Message != "collector innodb_metrics failing for 1m: "+denied.Error() {
		t.Fatalf("events %+v", evs)
	}
	// A collector absent from health (not run this time) changes nothing.
	if evs := e.Observe("p", at(200), nil, map[string]error{"status": nil}); len(evs) != 0 {
		t.Fatalf("absent collector: %+v", evs)
	}
	// processlist has failed at every observation since t=60, 200s ago;
	// innodb_metrics works again.
	evs = e.Observe("p", at(260), nil, map[string]error{"innodb_metrics": nil, "processlist": errors.New("timed out")})
	if len(evs) != 2 {
		t.Fatalf("events %+v", evs)
	}
	if ev := evs[0]; ev.State != Resolved || ev.Instance != "innodb_metrics" || ev.Message != "collector innodb_metrics working again, resolved after 3m20s" {
		t.Errorf("innodb_metrics: %+v", ev)
	}
	if ev := evs[1]; ev.Instance != "processlist" || ev.State != Firing || ev.Since != at(60) || ev.Detail != "timed out" {
		t.Errorf("processlist: %+v", ev)
	}
}

func TestEngineSeedAndForget(t *testing.T) {
	rules := []Rule{def("connection_usage"), def("deadlocks")}
	e, err := NewEngine(rules, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fired := t0.Add(-time.Hour)
	unknown := e.Seed([]Alert{
		{Profile: "p", Rule: "connection_usage", FiredAt: fired, Value: 91},
		{Profile: "p", Rule: "gone_rule", FiredAt: fired},
	})
	if len(unknown) != 1 || unknown[0].Rule != "gone_rule" {
		t.Errorf("unknown %+v", unknown)
	}
	// Still high after the restart: no second firing event.
	if evs := e.Observe("p", t0, map[string]float64{"connection_usage_pct": 90}, nil); len(evs) != 0 {
		t.Fatalf("seeded alert fired again: %+v", evs)
	}
	evs := e.Observe("p", t0.Add(time.Second), map[string]float64{"connection_usage_pct": 20}, nil)
	if len(evs) != 1 || evs[0].State != Resolved || evs[0].Since != fired {
		t.Fatalf("seeded alert did not resolve: %+v", evs)
	}
	e.Observe("p", t0, map[string]float64{"deadlocks_per_s": 1}, nil)
	if len(e.Active("p")) != 1 {
		t.Fatal("deadlock alert not active")
	}
	e.Forget("p")
	if a := e.Active(""); len(a) != 0 {
		t.Errorf("after Forget: %+v", a)
	}
}

// Values that are not numbers never fire and never resolve.
func TestEngineNonFiniteValues(t *testing.T) {
	e, err := NewEngine([]Rule{def("long_transaction")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, val := range []float64{nan(), inf()} {
		if evs := e.Observe("p", t0.Add(time.Duration(i)*time.Second), map[string]float64{"longest_trx_seconds": val}, nil); len(evs) != 0 {
			t.Errorf("%v: %+v", val, evs)
		}
	}
}

func nan() float64 { z := 0.0; return z / z }
func inf() float64 { z := 0.0; return 1 / z }

// The engine is deterministic: the same observations give the same events
// however many rules and profiles interleave.
func TestEngineDeterministic(t *testing.T) {
	play := func() string {
		e, err := NewEngine(DefaultRules(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i := 0; i < 400; i++ {
			at := t0.Add(time.Duration(i) * 10 * time.Second)
			x := float64((i * 37) % 101)
			vals := map[string]float64{"connection_usage_pct": x, "threads_running": x / 2, "buffer_pool_hit_pct": 100 - x/10, "deadlocks_per_s": float64(i % 50 / 49),
				"tmp_disk_ratio": x / 100, "slow_queries_per_s": x / 30, "replication_lag_seconds": x, "longest_trx_seconds": x * 4, "lock_waits": float64(i % 7)}
			health := map[string]error{"a": nil, "b": nil}
			if i%40 > 30 {
				health["b"] = fmt.Errorf("down %d", i)
			}
			for _, p := range []string{"x", "y"} {
				for _, ev := range e.Observe(p, at, vals, health) {
					fmt.Fprintf(&b, "%s %s %s %s %s %v\n", ev.At.Format(time.TimeOnly), ev.Profile, ev.Rule, ev.Instance, ev.State, ev.Value)
				}
			}
		}
		return b.String()
	}
	first := play()
	if first == "" || !strings.Contains(first, "firing") || !strings.Contains(first, "resolved") {
		t.Fatalf("no transitions:\n%s", first)
	}
	for i := 0; i < 3; i++ {
		if again := play(); again != first {
			t.Fatalf("run %d differs", i)
		}
	}
}

// BenchmarkObserve is the alert engine's cost per monitor sample: the
// default rules over a full set of series and six collectors, with the
// values moving around the thresholds so states change.
func BenchmarkObserve(b *testing.B) {
	e, err := NewEngine(DefaultRules(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	health := map[string]error{"global_status": nil, "global_variables": nil, "processlist": nil, "innodb_metrics": nil,
		"replication": nil, "digests": errors.New("performance_schema is off")}
	values := map[string]float64{}
	for _, s := range knownSeries {
		values[s] = 0
	}
	at := t0
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		values["connection_usage_pct"] = float64(70 + i%30)
		values["threads_running"] = float64(i % 40)
		values["longest_trx_seconds"] = float64(i % 400)
		at = at.Add(time.Second)
		e.Observe("bench", at, values, health)
	}
}
