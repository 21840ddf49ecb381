package metric

import (
	"fmt"
	"math"

	"github.com/mydba/mydba/internal/dba"
)

// Pair is two readings of the same server's cumulative counters, Prev
// taken before Cur.
type Pair struct {
	Prev, Cur dba.StatusSample
}

// Seconds is the wall time between the two readings.
func (p Pair) Seconds() float64 { return p.Cur.At.Sub(p.Prev.At).Seconds() }

// uptimeSlack is how far the server's Uptime may drift from the client's
// clock over one interval before the samples are judged to come from
// different server runs: Uptime has a one-second resolution and each sample
// takes a round trip.
const uptimeSlack = 2.0

// Reset says why the counters of p cannot be differenced, or "" when they
// can: time did not move forward, the server restarted, the status counters
// were flushed, or a different server answered the second sample (as after
// a failover behind one address).
//
// Restarts and flushes are read from Uptime and Uptime_since_flush_status,
// which advance with the clock: one that went down, or advanced much less
// than the clock did, was reset in between (a restart early in a long
// interval leaves Uptime higher than before, but not by the interval).
// Uptime advancing much more than the clock means another server run.
func (p Pair) Reset() string {
	secs := p.Seconds()
	if secs <= 0 {
		return fmt.Sprintf("the second sample is not later than the first (%.3fs apart)", secs)
	}
	behind := func(a, b uint64) bool { return b < a || float64(b-a) < secs*0.9-uptimeSlack }
	up0, ok0 := p.Prev.Uint("Uptime")
	up1, ok1 := p.Cur.Uint("Uptime")
	if ok0 && ok1 {
		if behind(up0, up1) {
			return fmt.Sprintf("the server restarted between the samples (uptime went from %ds to %ds in %.1fs)", up0, up1, secs)
		}
		if moved := float64(up1 - up0); moved > secs*1.1+uptimeSlack {
			return fmt.Sprintf("the samples come from different server runs (uptime moved %.0fs in %.1fs)", moved, secs)
		}
	}
	f0, okf0 := p.Prev.Uint("Uptime_since_flush_status")
	f1, okf1 := p.Cur.Uint("Uptime_since_flush_status")
	if okf0 && okf1 && behind(f0, f1) {
		return fmt.Sprintf("status counters were flushed between the samples (FLUSH STATUS: uptime since flush went from %ds to %ds in %.1fs)", f0, f1, secs)
	}
	return ""
}

// Delta is the sum over names of Cur minus Prev. ok is false when a counter
// is missing or not a number in either sample, or went backwards (a reset
// the caller must report, not a negative delta).
func (p Pair) Delta(names ...string) (uint64, bool) {
	var sum uint64
	for _, n := range names {
		a, ok0 := p.Prev.Uint(n)
		b, ok1 := p.Cur.Uint(n)
		if !ok0 || !ok1 || b < a {
			return 0, false
		}
		if sum+(b-a) < sum {
			return 0, false
		}
		sum += b - a
	}
	return sum, true
}

// Backwards lists the named counters that are lower in Cur than in Prev.
func (p Pair) Backwards(names ...string) []string {
	var out []string
	for _, n := range names {
		a, ok0 := p.Prev.Uint(n)
		b, ok1 := p.Cur.Uint(n)
		if ok0 && ok1 && b < a {
			out = append(out, n)
		}
	}
	return out
}

// Rate is Delta per second of wall time; ok is false when Delta is, or when
// the pair has a Reset.
func (p Pair) Rate(names ...string) (float64, bool) {
	if p.Reset() != "" {
		return 0, false
	}
	d, ok := p.Delta(names...)
	if !ok {
		return 0, false
	}
	return float64(d) / p.Seconds(), true
}

// Gauge reads a current value from the second sample.
func (p Pair) Gauge(name string) (int64, bool) { return p.Cur.Int(name) }

// Percent is 100*part/whole, nil when whole is not positive.
func Percent(part, whole float64) *float64 {
	if whole <= 0 || math.IsNaN(part) || math.IsInf(part, 0) || math.IsInf(whole, 0) {
		return nil
	}
	v := 100 * part / whole
	return &v
}
