package dba

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"
)

// ErrUnavailable is a source the server or the user's privileges do not
// offer (performance_schema off, no PROCESS privilege): not a failure of
// the server, and retrying soon will not help.
var ErrUnavailable = errors.New("not available")

// Reading is what one collector read from a server at one time: numbers by
// name (cumulative counters as the server reports them, and gauges), and
// text facts that are not numbers (a variable's value, a thread state).
type Reading struct {
	Collector string    `json:"collector"`
	At        time.Time `json:"at"`
	// Mono is the time of the reading on the process's monotonic clock,
	// as an offset from the monitor's start: rates divide by its
	// differences, so a wall-clock jump never bends them.
	Mono time.Duration `json:"-"`
	// Took is how long the collection took.
	Took time.Duration `json:"took_ns"`
	// Statements is how many statements the collection sent to the
	// server (they count in Questions; the monitor subtracts its own).
	Statements int                `json:"statements"`
	Values     map[string]float64 `json:"values"`
	Text       map[string]string  `json:"text,omitempty"`
}

// Collector states.
const (
	// CollectorOK: the last collection succeeded.
	CollectorOK = "ok"
	// CollectorFailing: the last collection failed; it is retried.
	CollectorFailing = "failing"
	// CollectorUnavailable: the source is off or not readable with the
	// user's privileges; it is retried rarely.
	CollectorUnavailable = "unavailable"
	// CollectorUnsupported: the server's flavour or version has no such
	// source; it never runs.
	CollectorUnsupported = "unsupported"
	// CollectorPending: not run yet.
	CollectorPending = "pending"
)

// CollectorHealth is one collector's state on one server.
type CollectorHealth struct {
	Name     string        `json:"name"`
	State    string        `json:"state"`
	Interval time.Duration `json:"interval_ns"`
	// Error is the last failure's message ("" when OK).
	Error       string    `json:"error,omitempty"`
	LastSuccess time.Time `json:"last_success"`
	LastAttempt time.Time `json:"last_attempt"`
	// Took is how long the last attempt took.
	Took time.Duration `json:"took_ns"`
	// Runs, Failures and Overruns count since monitoring started; an
	// overrun is a tick skipped because the previous poll still ran.
	Runs     int64 `json:"runs"`
	Failures int64 `json:"failures"`
	Overruns int64 `json:"overruns"`
}

// Err is the last failure as an error, nil when the collector is fine,
// pending or unsupported (an unsupported source is not a failure).
func (h CollectorHealth) Err() error {
	switch h.State {
	case CollectorFailing:
		return errors.New(h.Error)
	case CollectorUnavailable:
		return errors.Join(ErrUnavailable, errors.New(h.Error))
	}
	return nil
}

// Monitor event kinds: the annotations drawn on charts.
const (
	EventRestart     = "restart"
	EventVariable    = "variable"
	EventClockJump   = "clock"
	EventGap         = "gap"
	EventStarted     = "started"
	EventStoreFailed = "store"
)

// MonitorEvent is something that happened on a monitored server, shown as
// an annotation on the dashboard's charts.
type MonitorEvent struct {
	ID      int64     `json:"id,omitempty"`
	Profile string    `json:"profile"`
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	Title   string    `json:"title"`
	Detail  string    `json:"detail,omitempty"`
}

// MonitorSample is one row of a monitored server's history: the derived
// series (rates, ratios, gauges) by name at one time. Series the server
// or the interval did not give are absent, never zero.
type MonitorSample struct {
	At     time.Time          `json:"at"`
	Values map[string]float64 `json:"values"`
}

// Points are a series' values on a SeriesSet's time axis; NaN is a gap
// (no sample there, or the value was withheld) and encodes as JSON null.
type Points []float64

// MarshalJSON writes NaN and infinities as null, which uPlot draws as a
// gap.
func (p Points) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+len(p)*8)
	b = append(b, '[')
	for i, v := range p {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b = append(b, "null"...)
			continue
		}
		b = strconv.AppendFloat(b, v, 'g', 6, 64)
	}
	return append(b, ']'), nil
}

// UnmarshalJSON reads null as NaN.
func (p *Points) UnmarshalJSON(b []byte) error {
	var raw []*float64
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(Points, len(raw))
	for i, v := range raw {
		out[i] = math.NaN()
		if v != nil {
			out[i] = *v
		}
	}
	*p = out
	return nil
}

// SeriesSet is a time range of a monitored server's history, ready to
// chart: one time axis and, per series, a value at each time.
type SeriesSet struct {
	Profile string    `json:"profile"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	// Step is the time each point stands for: the sampling interval for
	// raw samples, else the rollup (1m, 1h) or a multiple of it when the
	// range held more points than asked for.
	Step time.Duration `json:"step_ns"`
	// Tier is the history the points come from: "raw", "1m" or "1h".
	Tier string `json:"tier"`
	// Times are Unix seconds (uPlot's time axis).
	Times  []float64         `json:"times"`
	Series map[string]Points `json:"series"`
	Events []MonitorEvent    `json:"events"`
	// Notes say what limits the answer (samples held in memory only while
	// the store fails, a range older than the history kept).
	Notes []string `json:"notes,omitempty"`
}
