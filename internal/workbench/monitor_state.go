package workbench

import (
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/collect"
	"github.com/mydba/mydba/internal/dba"
)

// MonitorState is a monitored connection now: the server card of the
// dashboard and what /metrics exports.
type MonitorState struct {
	Profile string    `json:"profile"`
	Since   time.Time `json:"since"`
	// Connected is false until the first connection works; Error says why
	// the last attempt failed.
	Connected bool          `json:"connected"`
	Error     string        `json:"error,omitempty"`
	Server    dba.Server    `json:"server"`
	Interval  time.Duration `json:"interval_ns"`
	// Last is the newest derived sample.
	Last *dba.MonitorSample `json:"last,omitempty"`
	// Reset is why the newest sample has no rates (restart, FLUSH
	// STATUS), if so.
	Reset string `json:"reset,omitempty"`
	// Replication is the last replication reading's facts (role, source,
	// thread states, last error).
	Replication map[string]string `json:"replication,omitempty"`
	// Commands counts sessions by command at the last process-list
	// summary.
	Commands map[string]float64 `json:"commands,omitempty"`
	// Notes are limits worth knowing (missing privileges).
	Notes      []string              `json:"notes,omitempty"`
	Health     []dba.CollectorHealth `json:"health"`
	StoreError string                `json:"store_error,omitempty"`
	// Dropped counts samples lost because the store failed for longer
	// than the raw retention.
	Dropped int64 `json:"dropped,omitempty"`

	// The latest raw readings, for /metrics (not sent to browsers).
	Status    map[string]float64 `json:"-"`
	StatusAt  time.Time          `json:"-"`
	Variables map[string]float64 `json:"-"`
}

// Up reports whether the last global status poll succeeded: mysql_up.
func (s MonitorState) Up() bool {
	for _, h := range s.Health {
		if h.Name == (collect.GlobalStatus{}).Name() {
			return h.State == dba.CollectorOK
		}
	}
	return false
}

// MonitorUpdate is what a live subscriber receives: a new sample and the
// annotations that came with it, and the connection's state.
type MonitorUpdate struct {
	Sample *dba.MonitorSample `json:"sample,omitempty"`
	Events []dba.MonitorEvent `json:"events,omitempty"`
	State  MonitorState       `json:"state"`
}

// State is a monitored connection's state; ok is false when it is not
// monitored.
func (m *Monitor) State(profile string) (MonitorState, bool) {
	t, ok := m.target(profile)
	if !ok {
		return MonitorState{}, false
	}
	return t.state(m, false), true
}

// States are every monitored connection's state with the latest raw
// status and variables, sorted by profile.
func (m *Monitor) States() []MonitorState {
	var out []MonitorState
	for _, p := range m.Profiles() {
		if t, ok := m.target(p); ok {
			out = append(out, t.state(m, true))
		}
	}
	return out
}

func (t *monitored) state(m *Monitor, raw bool) MonitorState {
	storeErr := m.StoreError()
	t.mu.Lock()
	defer t.mu.Unlock()
	s := MonitorState{Profile: t.profile, Since: t.started, Server: t.server, Interval: m.o.Interval,
		Connected: t.sched != nil, Reset: t.lastReset, StoreError: storeErr, Dropped: t.droppedWhileDown, Health: []dba.CollectorHealth{}}
	if t.connErr != nil {
		s.Error = t.connErr.Error()
	}
	if t.last != nil {
		last := dba.MonitorSample{At: t.last.At, Values: maps.Clone(t.last.Values)}
		s.Last = &last
	}
	if t.sched != nil {
		s.Health = t.sched.Health()
	}
	if r, ok := t.latest[collect.Replication{}.Name()]; ok {
		s.Replication = maps.Clone(r.Text)
	}
	if r, ok := t.latest[collect.ProcessList{}.Name()]; ok {
		s.Commands = map[string]float64{}
		for k, v := range r.Values {
			if c, ok := strings.CutPrefix(k, "command:"); ok {
				s.Commands[c] = v
			}
		}
		if n := r.Text["note"]; n != "" {
			s.Notes = append(s.Notes, n)
		}
	}
	for _, h := range s.Health {
		if h.State == dba.CollectorUnavailable || h.State == dba.CollectorUnsupported {
			s.Notes = append(s.Notes, fmt.Sprintf("%s %s: %s", h.Name, h.State, h.Error))
		}
	}
	sort.Strings(s.Notes)
	if raw {
		if r, ok := t.latest[collect.GlobalStatus{}.Name()]; ok {
			s.Status, s.StatusAt = maps.Clone(r.Values), r.At
		}
		if r, ok := t.latest[collect.GlobalVariables{}.Name()]; ok {
			s.Variables = maps.Clone(r.Values)
		}
	}
	return s
}

// Subscribe follows a monitored connection live: each new sample (every
// Interval) and annotation arrives on the channel with the connection's
// state. A subscriber that does not keep up misses updates rather than
// slowing the monitor. The channel closes when the connection stops being
// monitored; cancel unsubscribes.
func (m *Monitor) Subscribe(profile string) (<-chan MonitorUpdate, func(), error) {
	t, ok := m.target(profile)
	if !ok {
		return nil, nil, fmt.Errorf("%w: %q is not monitored", dba.ErrNotFound, profile)
	}
	m.mu.Lock()
	m.nextSub++
	id := m.nextSub
	m.mu.Unlock()
	ch := make(chan MonitorUpdate, 16)
	t.mu.Lock()
	if t.subs == nil {
		t.mu.Unlock()
		close(ch)
		return ch, func() {}, nil
	}
	t.subs[id] = ch
	t.mu.Unlock()
	cancel := func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if c, ok := t.subs[id]; ok {
			delete(t.subs, id)
			close(c)
		}
	}
	return ch, cancel, nil
}

// publish sends an update to every subscriber that has room.
func (t *monitored) publish(m *Monitor, sample *dba.MonitorSample, events []dba.MonitorEvent) {
	t.mu.Lock()
	n := len(t.subs)
	t.mu.Unlock()
	if n == 0 {
		return
	}
	u := MonitorUpdate{Events: events, State: t.state(m, false)}
	if sample != nil {
		s := dba.MonitorSample{At: sample.At, Values: maps.Clone(sample.Values)}
		u.Sample = &s
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, ch := range t.subs {
		select {
		case ch <- u:
		default:
		}
	}
}

// closeSubscribers ends every subscription of a stopped connection.
func (t *monitored) closeSubscribers() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, ch := range t.subs {
		close(ch)
		delete(t.subs, id)
	}
	t.subs = nil
}
