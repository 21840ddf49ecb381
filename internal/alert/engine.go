package alert

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

// State is what an event reports.
type State string

// Event states.
const (
	Firing   State = "firing"
	Resolved State = "resolved"
)

// Event is one transition of an alert: it started firing, or it resolved.
type Event struct {
	Profile string `json:"profile"`
	Rule    string `json:"rule"`
	// Instance tells alerts of one rule apart within a profile: the
	// collector's name for collector_failed, "" otherwise.
	Instance  string   `json:"instance,omitempty"`
	Series    string   `json:"series"`
	Severity  Severity `json:"severity"`
	State     State    `json:"state"`
	Op        Op       `json:"op"`
	Threshold float64  `json:"threshold"`
	// At is the observation that made the transition.
	At time.Time `json:"at"`
	// Since is when the condition was first seen (firing), or when the
	// alert fired (resolved).
	Since time.Time `json:"since"`
	// Value is the series' value at At.
	Value float64 `json:"value"`
	// Detail is the collector's error for collector_failed alerts.
	Detail string `json:"detail,omitempty"`
	// Message is one line for people and webhooks.
	Message string `json:"message"`
}

// Alert is an alert firing now.
type Alert struct {
	Profile   string    `json:"profile"`
	Rule      string    `json:"rule"`
	Instance  string    `json:"instance,omitempty"`
	Series    string    `json:"series"`
	Severity  Severity  `json:"severity"`
	Op        Op        `json:"op"`
	Threshold float64   `json:"threshold"`
	FiredAt   time.Time `json:"fired_at"`
	// Value is the value that made it fire.
	Value   float64 `json:"value"`
	Detail  string  `json:"detail,omitempty"`
	Message string  `json:"message"`
}

// Options tune an Engine.
type Options struct {
	// MaxGap bounds the time between two observations of a series across
	// which a pending condition (held, but not yet for long enough) or a
	// pending clear still counts as continuous; past it the wait starts
	// over. Default 5m.
	MaxGap time.Duration
}

// Engine evaluates rules over observations. It is safe for concurrent use;
// each profile's observations must come in time order for its durations to
// mean anything (a time that goes backwards restarts pending waits rather
// than firing or resolving).
type Engine struct {
	rules  []Rule
	maxGap time.Duration

	mu     sync.Mutex
	states map[stateKey]*state
}

type stateKey struct{ profile, rule, instance string }

type phase int

const (
	idle     phase = iota
	pending        // condition holds, not yet for long enough
	firing         // alert active
	clearing       // alert active, clear condition holds, not yet long enough
)

type state struct {
	phase phase
	// since: when pending began; fired: when it fired; clearSince: when
	// clearing began; seen: the last observation that had a value.
	since, fired, clearSince, seen time.Time
	firedValue                     float64
	detail                         string
}

// NewEngine validates the rules (names must be unique) and returns an
// engine with no alert active. Disabled rules are kept but never
// evaluated.
func NewEngine(rules []Rule, o Options) (*Engine, error) {
	if o.MaxGap <= 0 {
		o.MaxGap = 5 * time.Minute
	}
	seen := map[string]bool{}
	for _, r := range rules {
		if err := r.Validate(); err != nil {
			return nil, err
		}
		if seen[r.Name] {
			return nil, fmt.Errorf("alert rule %q is defined twice", r.Name)
		}
		seen[r.Name] = true
	}
	return &Engine{rules: append([]Rule(nil), rules...), maxGap: o.MaxGap, states: map[stateKey]*state{}}, nil
}

// Rules returns the engine's rules (a copy).
func (e *Engine) Rules() []Rule { return append([]Rule(nil), e.rules...) }

// reading is one value of a rule's series in an observation.
type reading struct {
	instance string
	value    float64
	detail   string
}

// readings extracts what a rule watches from an observation. A series
// absent from values (or NaN, or infinite) gives no reading; so does a
// collector absent from health.
func readings(r Rule, values map[string]float64, health map[string]error) []reading {
	if r.Series == CollectorFailed {
		names := make([]string, 0, len(health))
		for n := range health {
			names = append(names, n)
		}
		sort.Strings(names)
		out := make([]reading, 0, len(names))
		for _, n := range names {
			rd := reading{instance: n}
			if err := health[n]; err != nil {
				rd.value, rd.detail = 1, err.Error()
			}
			out = append(out, rd)
		}
		return out
	}
	v, ok := values[r.Series]
	if !ok || !finite(v) {
		return nil
	}
	return []reading{{value: v}}
}

// Observe evaluates every enabled rule on one observation of a profile
// taken at `at`: values are the derived series by name, health the
// collectors' last errors (nil for a working collector). It returns the
// transitions, in rule order then instance name order.
//
// A series missing from the observation changes nothing: a pending
// condition neither fires nor restarts, a firing alert neither resolves
// nor starts clearing. Missing data is never taken as good or bad news;
// the collector_failure rule reports why data is missing.
func (e *Engine) Observe(profile string, at time.Time, values map[string]float64, health map[string]error) []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var events []Event
	for _, r := range e.rules {
		if !r.Enabled {
			continue
		}
		for _, rd := range readings(r, values, health) {
			k := stateKey{profile, r.Name, rd.instance}
			st := e.states[k]
			if st == nil {
				st = &state{}
				e.states[k] = st
			}
			if ev, ok := e.step(r, k, st, at, rd); ok {
				events = append(events, ev)
			}
			if st.phase == idle {
				delete(e.states, k)
			}
		}
	}
	return events
}

// step advances one alert's state machine by one reading.
func (e *Engine) step(r Rule, k stateKey, st *state, at time.Time, rd reading) (Event, bool) {
	// A wait is continuous only if observations kept coming, in order.
	broken := !st.seen.IsZero() && (at.Before(st.seen) || at.Sub(st.seen) > e.maxGap)
	st.seen = at
	bad := r.Op.holds(rd.value, r.Threshold)
	stillBad := r.Op.holds(rd.value, r.ClearThreshold())
	switch st.phase {
	case idle:
		if !bad {
			return Event{}, false
		}
		st.phase, st.since = pending, at
		return e.tryFire(r, k, st, at, rd)
	case pending:
		if !bad {
			st.phase = idle
			return Event{}, false
		}
		if broken {
			st.since = at
		}
		return e.tryFire(r, k, st, at, rd)
	case firing:
		if stillBad {
			st.detail = orKeep(rd.detail, st.detail)
			return Event{}, false
		}
		st.phase, st.clearSince = clearing, at
		return e.tryResolve(r, k, st, at, rd)
	case clearing:
		if stillBad {
			st.phase = firing
			st.detail = orKeep(rd.detail, st.detail)
			return Event{}, false
		}
		if broken {
			st.clearSince = at
		}
		return e.tryResolve(r, k, st, at, rd)
	}
	return Event{}, false
}

func orKeep(s, old string) string {
	if s != "" {
		return s
	}
	return old
}

func (e *Engine) tryFire(r Rule, k stateKey, st *state, at time.Time, rd reading) (Event, bool) {
	if at.Sub(st.since) < r.For {
		return Event{}, false
	}
	st.phase, st.fired, st.firedValue, st.detail = firing, at, rd.value, rd.detail
	ev := newEvent(r, k, Firing, at, st.since, rd)
	ev.Message = fireMessage(r, rd, at.Sub(st.since))
	return ev, true
}

func (e *Engine) tryResolve(r Rule, k stateKey, st *state, at time.Time, rd reading) (Event, bool) {
	if at.Sub(st.clearSince) < r.ClearFor {
		return Event{}, false
	}
	fired := st.fired
	st.phase = idle
	ev := newEvent(r, k, Resolved, at, fired, rd)
	ev.Message = resolveMessage(r, rd, at.Sub(fired))
	return ev, true
}

func newEvent(r Rule, k stateKey, s State, at, since time.Time, rd reading) Event {
	return Event{Profile: k.profile, Rule: r.Name, Instance: k.instance, Series: r.Series, Severity: r.Severity, State: s,
		Op: r.Op, Threshold: r.Threshold, At: at, Since: since, Value: rd.value, Detail: rd.detail}
}

func fireMessage(r Rule, rd reading, held time.Duration) string {
	if r.Series == CollectorFailed {
		msg := "collector " + rd.instance + " failing"
		if held > 0 {
			msg += " for " + FormatDuration(held.Round(time.Second))
		}
		if rd.detail != "" {
			msg += ": " + rd.detail
		}
		return msg
	}
	msg := fmt.Sprintf("%s %s (%s %s", r.Series, FormatValue(rd.value), r.Op, FormatValue(r.Threshold))
	if held > 0 {
		msg += " for " + FormatDuration(held.Round(time.Second))
	}
	return msg + ")"
}

func resolveMessage(r Rule, rd reading, lasted time.Duration) string {
	what := r.Series + " " + FormatValue(rd.value)
	if r.Series == CollectorFailed {
		what = "collector " + rd.instance + " working again"
	}
	return fmt.Sprintf("%s, resolved after %s", what, FormatDuration(lasted.Round(time.Second)))
}

// Active lists the alerts firing now for a profile ("" for every
// profile), in profile, rule and instance order.
func (e *Engine) Active(profile string) []Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	byName := map[string]Rule{}
	for _, r := range e.rules {
		byName[r.Name] = r
	}
	out := []Alert{}
	for k, st := range e.states {
		if (profile != "" && k.profile != profile) || (st.phase != firing && st.phase != clearing) {
			continue
		}
		r := byName[k.rule]
		rd := reading{instance: k.instance, value: st.firedValue, detail: st.detail}
		out = append(out, Alert{Profile: k.profile, Rule: k.rule, Instance: k.instance, Series: r.Series, Severity: r.Severity,
			Op: r.Op, Threshold: r.Threshold, FiredAt: st.fired, Value: st.firedValue, Detail: st.detail,
			Message: fireMessage(r, rd, 0)})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Profile != b.Profile {
			return a.Profile < b.Profile
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Instance < b.Instance
	})
	return out
}

// Seed marks alerts as firing, as they were when mydba last stopped (from
// the store), so they resolve when their condition clears rather than
// staying open forever or firing twice. Alerts of rules the engine does
// not have, or has disabled, are returned: the caller closes them.
func (e *Engine) Seed(alerts []Alert) (unknown []Alert) {
	e.mu.Lock()
	defer e.mu.Unlock()
	enabled := map[string]bool{}
	for _, r := range e.rules {
		enabled[r.Name] = r.Enabled
	}
	for _, a := range alerts {
		if !enabled[a.Rule] {
			unknown = append(unknown, a)
			continue
		}
		k := stateKey{a.Profile, a.Rule, a.Instance}
		if st := e.states[k]; st != nil && (st.phase == firing || st.phase == clearing) {
			continue
		}
		// No `seen`: the first observation after a restart is never
		// treated as continuing a wait across the downtime.
		e.states[k] = &state{phase: firing, fired: a.FiredAt, firedValue: a.Value, detail: a.Detail}
	}
	return unknown
}

// Forget drops every state of a profile (monitoring of it stopped). Its
// firing alerts produce no resolved event: the caller decides what a
// stopped monitor means for them.
func (e *Engine) Forget(profile string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for k := range e.states {
		if k.profile == profile {
			delete(e.states, k)
		}
	}
}
