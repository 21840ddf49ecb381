package numfmt

import (
	"math"
	"testing"
	"time"
)

func TestNumbers(t *testing.T) {
	tests := []struct {
		f       float64
		num, ms string
	}{
		{f: 0, num: "0", ms: "0.000"},
		{f: 49842, num: "49,842", ms: "49,842"},
		{f: 1234567, num: "1,234,567", ms: "1,234,567"},
		{f: -1234, num: "-1,234", ms: "-1234.000"},
		{f: 1.5, num: "1.5", ms: "1.5"},
		{f: 1234.567, num: "1,234.57", ms: "1,235"},
		{f: 0.004, num: "0", ms: "0.004"},
		{f: 99.95, num: "99.95", ms: "100.0"},
		{f: math.Inf(1), num: "+Inf", ms: "+Inf"},
	}
	for _, tt := range tests {
		if got := Num(tt.f); got != tt.num {
			t.Errorf("Num(%v) = %q, want %q", tt.f, got, tt.num)
		}
		if got := Ms(tt.f); got != tt.ms {
			t.Errorf("Ms(%v) = %q, want %q", tt.f, got, tt.ms)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1000000: "-1,000,000", math.MinInt64: "-9,223,372,036,854,775,808"} {
		if got := Group(n); got != want {
			t.Errorf("Group(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                       "0.0µs",
		50 * time.Microsecond:   "50.0µs",
		100 * time.Millisecond:  "100.000ms",
		300 * time.Millisecond:  "300.000ms",
		-time.Millisecond:       "-1000.0µs",
		1500 * time.Millisecond: "1.500s",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %s, want %s", d, got, want)
		}
	}
}
