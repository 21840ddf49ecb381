package alert

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
)

func sp(s string) *string   { return &s }
func fp(f float64) *float64 { return &f }
func bp(b bool) *bool       { return &b }
func def(name string) Rule  { return mustDefault(name) }
func mustDefault(n string) Rule {
	for _, r := range DefaultRules() {
		if r.Name == n {
			return r
		}
	}
	panic("no default rule " + n)
}

func TestDefaultRulesAreValid(t *testing.T) {
	rules := DefaultRules()
	if len(rules) != 10 {
		t.Errorf("%d default rules, want the 10 the issue lists", len(rules))
	}
	series := map[string]bool{}
	for _, r := range rules {
		if err := r.Validate(); err != nil {
			t.Errorf("%s: %v", r.Name, err)
		}
		if !r.Enabled || r.Description == "" {
			t.Errorf("%s: enabled %v, description %q", r.Name, r.Enabled, r.Description)
		}
		series[r.Series] = true
	}
	// Every series the monitor provides for alerting has a rule, except
	// the plain load rates, which have no universal threshold.
	for _, s := range KnownSeries() {
		if !series[s] && s != "qps" && s != "tps" {
			t.Errorf("no default rule watches %s", s)
		}
	}
	if _, err := NewEngine(rules, Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestParseClear(t *testing.T) {
	tests := []struct {
		in      string
		clear   *float64
		after   time.Duration
		wantErr bool
	}{
		{"", nil, 0, false},
		{"75", fp(75), 0, false},
		{" 0.15 ", fp(0.15), 0, false},
		{"-3", fp(-3), 0, false},
		{"1e3", fp(1000), 0, false},
		{"5m", nil, 5 * time.Minute, false},
		{"0s", nil, 0, false},
		{"75 for 5m", fp(75), 5 * time.Minute, false},
		{"75 FOR 90s", fp(75), 90 * time.Second, false},
		{"NaN", nil, 0, true},
		{"Inf", nil, 0, true},
		{"0x10", nil, 0, true},
		{"1_000", nil, 0, true},
		{"75 after 5m", nil, 0, true},
		{"5m for 75", nil, 0, true},
		{"75 for -1m", nil, 0, true},
		{"48h", nil, 0, true},
		{"soon", nil, 0, true},
		{"75 for", nil, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, after, err := ParseClear(tt.in)
			if tt.wantErr {
				if !errors.Is(err, dba.ErrInvalid) {
					t.Fatalf("err = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.clear, c); diff != "" || after != tt.after {
				t.Errorf("clear (-want +got) %s, after %v want %v", diff, after, tt.after)
			}
		})
	}
}

func TestParseRule(t *testing.T) {
	custom := Rule{Name: "busy", Series: "qps", Op: OpGT, Threshold: 5000, For: 30 * time.Second, Severity: SeverityWarning, Enabled: true}
	tests := []struct {
		name    string
		base    Rule
		spec    Spec
		want    Rule
		wantErr string
	}{
		{
			name: "new rule takes defaults",
			spec: Spec{Name: "busy", Series: sp("qps"), Op: sp("gt"), Threshold: fp(5000), For: sp("30s")},
			want: custom,
		},
		{
			name: "new rule with everything",
			spec: Spec{Name: "lag_page", Series: sp("replication_lag_seconds"), Op: sp(">="), Threshold: fp(600), For: sp("0"),
				Clear: sp("60 for 2m"), Severity: sp("Critical"), Enabled: bp(false)},
			want: Rule{Name: "lag_page", Series: "replication_lag_seconds", Op: OpGE, Threshold: 600, Clear: fp(60), ClearFor: 2 * time.Minute,
				Severity: SeverityCritical},
		},
		{
			name: "override only the threshold keeps the rest",
			base: def("connection_usage"), spec: Spec{Name: "connection_usage", Threshold: fp(90)},
			want: func() Rule { r := def("connection_usage"); r.Threshold = 90; return r }(),
		},
		{
			name: "a threshold below the default clear drops the clear",
			base: def("connection_usage"), spec: Spec{Name: "connection_usage", Threshold: fp(70)},
			want: func() Rule { r := def("connection_usage"); r.Threshold, r.Clear = 70, nil; return r }(),
		},
		{
			name: "disable a default",
			base: def("deadlocks"), spec: Spec{Name: "deadlocks", Enabled: bp(false)},
			want: func() Rule { r := def("deadlocks"); r.Enabled = false; return r }(),
		},
		{
			name: "empty clear removes hysteresis",
			base: def("deadlocks"), spec: Spec{Name: "deadlocks", Clear: sp("")},
			want: func() Rule { r := def("deadlocks"); r.ClearFor = 0; return r }(),
		},
		{
			name: "another series drops the default description",
			base: def("threads_running"), spec: Spec{Name: "threads_running", Series: sp("qps"), Clear: sp("")},
			want: func() Rule { r := def("threads_running"); r.Series, r.Description, r.Clear = "qps", "", nil; return r }(),
		},
		{name: "no name", spec: Spec{Series: sp("qps"), Op: sp(">"), Threshold: fp(1)}, wantErr: "needs a name"},
		{name: "bad name", spec: Spec{Name: "Busy Rule", Series: sp("qps"), Op: sp(">"), Threshold: fp(1)}, wantErr: "rule name"},
		{name: "new rule without condition", spec: Spec{Name: "conection_usage", Threshold: fp(1)}, wantErr: "needs series, op"},
		{name: "unknown series suggests", spec: Spec{Name: "x", Series: sp("connection_usage"), Op: sp(">"), Threshold: fp(1)}, wantErr: `did you mean "connection_usage_pct"`},
		{name: "bad op", spec: Spec{Name: "x", Series: sp("qps"), Op: sp("=>"), Threshold: fp(1)}, wantErr: "comparison"},
		{name: "NaN threshold", spec: Spec{Name: "x", Series: sp("qps"), Op: sp(">"), Threshold: fp(math.NaN())}, wantErr: "finite"},
		{name: "bad for", spec: Spec{Name: "x", Series: sp("qps"), Op: sp(">"), Threshold: fp(1), For: sp("2 minutes")}, wantErr: "for: "},
		{name: "for too long", spec: Spec{Name: "x", Series: sp("qps"), Op: sp(">"), Threshold: fp(1), For: sp("25h")}, wantErr: "from 0s to 24h"},
		{name: "clear on the wrong side (above)", spec: Spec{Name: "x", Series: sp("qps"), Op: sp(">"), Threshold: fp(10), Clear: sp("20")}, wantErr: "above the threshold"},
		{name: "clear on the wrong side (below)", spec: Spec{Name: "x", Series: sp("buffer_pool_hit_pct"), Op: sp("<"), Threshold: fp(95), Clear: sp("90")}, wantErr: "below the threshold"},
		{name: "bad severity", spec: Spec{Name: "x", Series: sp("qps"), Op: sp(">"), Threshold: fp(1), Severity: sp("page")}, wantErr: "severity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRule(tt.base, tt.spec)
			if tt.wantErr != "" {
				if !errors.Is(err, dba.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want ErrInvalid with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("rule (-want +got)\n%s", diff)
			}
		})
	}
}

func TestRules(t *testing.T) {
	rules, err := Rules([]Spec{
		{Name: "slow_queries", Threshold: fp(5), Clear: sp("2")},
		{Name: "qps_high", Series: sp("qps"), Op: sp(">"), Threshold: fp(10000)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != len(DefaultRules())+1 || rules[len(rules)-1].Name != "qps_high" {
		t.Fatalf("rules %+v", rules)
	}
	for _, r := range rules {
		if r.Name == "slow_queries" && (r.Threshold != 5 || *r.Clear != 2 || r.For != 5*time.Minute) {
			t.Errorf("override: %+v", r)
		}
	}
	if _, err := Rules([]Spec{{Name: "deadlocks", Enabled: bp(false)}, {Name: "deadlocks", Enabled: bp(true)}}); !errors.Is(err, dba.ErrInvalid) || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := NewEngine([]Rule{custom(), custom()}, Options{}); err == nil {
		t.Error("NewEngine accepted two rules with one name")
	}
}

func custom() Rule {
	return Rule{Name: "busy", Series: "qps", Op: OpGT, Threshold: 5000, Severity: SeverityWarning, Enabled: true}
}

func TestConditionText(t *testing.T) {
	tests := []struct {
		rule        Rule
		cond, clear string
	}{
		{def("connection_usage"), "connection_usage_pct >= 85 for 2m", "below 75"},
		{def("buffer_pool_hit_rate"), "buffer_pool_hit_pct < 95 for 5m", "above or at 97"},
		{def("deadlocks"), "deadlocks_per_s > 0", "below or at 0 for 5m"},
		{def("tmp_disk_ratio"), "tmp_disk_ratio > 0.25 for 10m", "below or at 0.15"},
	}
	for _, tt := range tests {
		if got := tt.rule.Condition(); got != tt.cond {
			t.Errorf("%s: condition %q, want %q", tt.rule.Name, got, tt.cond)
		}
		if got := tt.rule.ClearCondition(); got != tt.clear {
			t.Errorf("%s: clear %q, want %q", tt.rule.Name, got, tt.clear)
		}
	}
}

func TestFormat(t *testing.T) {
	for in, want := range map[float64]string{85: "85", 0.25: "0.25", -2: "-2", 1.5e6: "1500000", 1e-5: "1e-05", 92.3456: "92.3456", 1e300: "1e+300"} {
		if got := FormatValue(in); got != want {
			t.Errorf("FormatValue(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[time.Duration]string{0: "0s", 2 * time.Minute: "2m", 90 * time.Minute: "1h30m", time.Hour: "1h", 45 * time.Second: "45s", 61 * time.Second: "1m1s"} {
		if got := FormatDuration(in); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseRule: any spec either fails with ErrInvalid or gives a valid
// rule that survives a round trip through Spec.
func FuzzParseRule(f *testing.F) {
	f.Add("busy", "qps", ">", 5000.0, "30s", "4000 for 1m", "warning")
	f.Add("lag", "replication_lag_seconds", "ge", 60.0, "0", "5m", "CRITICAL")
	f.Add("x", "conn", "=>", math.Inf(1), "2 minutes", "75 after", "page")
	f.Add("", "", "", 0.0, "", "", "")
	f.Fuzz(func(t *testing.T, name, series, op string, threshold float64, forS, clear, sev string) {
		r, err := ParseRule(Rule{}, Spec{Name: name, Series: &series, Op: &op, Threshold: &threshold, For: &forS, Clear: &clear, Severity: &sev})
		if err != nil {
			if !errors.Is(err, dba.ErrInvalid) {
				t.Fatalf("error without ErrInvalid: %v", err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("parsed rule invalid: %v", err)
		}
		again, err := ParseRule(Rule{}, r.Spec())
		if err != nil {
			t.Fatalf("round trip of %+v: %v", r, err)
		}
		if diff := cmp.Diff(r, again); diff != "" {
			t.Fatalf("round trip (-first +second)\n%s", diff)
		}
	})
}

// FuzzParseClear never panics and never returns a non-finite threshold or
// a negative duration.
func FuzzParseClear(f *testing.F) {
	for _, s := range []string{"75", "5m", "75 for 5m", "NaN", "1e400", "-0", " for "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, d, err := ParseClear(s)
		if err != nil {
			if !errors.Is(err, dba.ErrInvalid) {
				t.Fatalf("error without ErrInvalid: %v", err)
			}
			return
		}
		if (c != nil && !finite(*c)) || d < 0 || d > maxFor {
			t.Fatalf("ParseClear(%q) = %v, %v", s, c, d)
		}
	})
}
