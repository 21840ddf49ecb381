package workbench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mydba/mydba/internal/adapter/mysql"
	"github.com/mydba/mydba/internal/collect"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/metric"
	"github.com/mydba/mydba/internal/store"
)

// MonitorCollector overrides one collector's schedule.
type MonitorCollector struct {
	Interval, Timeout time.Duration
	Disabled          bool
}

// ObserveFunc receives each new derived sample of a monitored connection:
// the flat map of series (see docs/monitoring.md) and the health of its
// collectors (nil for one that works, its error for one that fails;
// unavailable and unsupported collectors are left out, they are not
// failures). It is also called with no values when global status itself
// cannot be read (connection lost), so collector failures are observed.
// It runs on the monitor's goroutine and must return quickly.
type ObserveFunc func(profile string, at time.Time, values map[string]float64, health map[string]error)

// MonitorOptions configure a Monitor. Zero values are the defaults.
type MonitorOptions struct {
	// Interval is how often global status is sampled: the resolution of
	// the raw history and of live charts. Default 1s.
	Interval time.Duration
	// KeepRaw, KeepMinute and KeepHour are the retention of each tier of
	// history (defaults 1h, 7 days, 90 days); MaxBytes bounds its size
	// (default 512 MiB).
	KeepRaw, KeepMinute, KeepHour time.Duration
	MaxBytes                      int64
	// Collectors override collectors by name (see collect.Builtin).
	Collectors map[string]MonitorCollector
	// Observe is where each derived sample goes besides history and live
	// subscribers: the alert engine's entry point.
	Observe ObserveFunc
	// Removed is called after the monitor stopped a connection because
	// its profile was removed (by this process or another): the alerting
	// side forgets it (AlertsRemoved).
	Removed func(profile string)
	// Now is the wall clock samples are stamped with (default: the
	// workbench's). Rates use the monotonic clock.
	Now func() time.Time
	// FlushEvery is how often samples are written to the store (default
	// 5s); they are held in memory meanwhile, and while the store fails.
	FlushEvery time.Duration
	Log        *slog.Logger

	// store replaces the state store (tests inject failures).
	store monitorStore
}

// monitorStore is what the monitor keeps history in: the state store, or
// in tests one that fails.
type monitorStore interface {
	AddMonitorSamples(ctx context.Context, profile string, samples []dba.MonitorSample) error
	AddMonitorEvents(ctx context.Context, events []dba.MonitorEvent) error
	RollupMonitor(ctx context.Context, profile string, now time.Time, grace time.Duration) (int, error)
	PruneMonitor(ctx context.Context, keep store.MonitorRetention, now time.Time) (int64, error)
	MonitorRows(ctx context.Context, q store.MonitorQuery) ([]store.MonitorRow, error)
	MonitorEvents(ctx context.Context, profile string, from, to time.Time, limit int) ([]dba.MonitorEvent, error)
	MonitorVariables(ctx context.Context, profile string) (string, error)
	SetMonitorVariables(ctx context.Context, profile, encoded string) error
}

// Monitor samples a set of connections in the background: each has its
// own pool (two sessions at most), collectors on their schedules, derived
// series every Interval, history in the state store (raw, one-minute and
// one-hour tiers), annotations, and live subscribers. `mydba serve` keeps
// one; Close stops it.
type Monitor struct {
	w      *Workbench
	o      MonitorOptions
	keep   store.MonitorRetention
	st     monitorStore
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	targets map[string]*monitored
	closed  bool
	// storeErr is the last failure to write history (nil when fine).
	storeErr   error
	storeSince time.Time
	nextSub    int
}

// Limits of the monitor's inputs.
const (
	DefaultMonitorInterval = time.Second
	minMonitorInterval     = 100 * time.Millisecond
	maxMonitorInterval     = time.Minute
	// monitorPoolSize is the sessions a monitored server gives mydba:
	// collectors take turns, so two are plenty.
	monitorPoolSize = 2
)

// NewMonitor prepares a monitor; Start adds connections to it.
func (w *Workbench) NewMonitor(o MonitorOptions) (*Monitor, error) {
	if o.Interval == 0 {
		o.Interval = DefaultMonitorInterval
	}
	if o.Interval < minMonitorInterval || o.Interval > maxMonitorInterval {
		return nil, fmt.Errorf("%w: monitor interval %s: want from %s to %s", dba.ErrInvalid, o.Interval, minMonitorInterval, maxMonitorInterval)
	}
	if o.Now == nil {
		o.Now = w.opts.Now
	}
	if o.FlushEvery <= 0 {
		o.FlushEvery = 5 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	reg := collect.NewRegistry(collect.Builtin()...)
	for name := range o.Collectors {
		if _, ok := reg.Get(name); !ok {
			return nil, fmt.Errorf("%w: no collector %q (collectors: %s)", dba.ErrInvalid, name, strings.Join(reg.Names(), ", "))
		}
	}
	m := &Monitor{w: w, o: o, targets: map[string]*monitored{}}
	m.keep = store.MonitorRetention{Raw: o.KeepRaw, Minute: o.KeepMinute, Hour: o.KeepHour, MaxBytes: o.MaxBytes}.WithDefaults()
	m.st = o.store
	if m.st == nil {
		m.st = w.store
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.wg.Go(m.maintain)
	return m, nil
}

// Interval is the sampling interval of global status.
func (m *Monitor) Interval() time.Duration { return m.o.Interval }

// jobs is the effective schedule: the builtin collectors with the
// configured overrides; global status follows Interval and no other runs
// more often than it.
func (m *Monitor) jobs() []collect.Job {
	var out []collect.Job
	for _, c := range collect.Builtin() {
		j := collect.Job{Collector: c}
		if c.Name() == (collect.GlobalStatus{}).Name() {
			j.Interval = m.o.Interval
		} else {
			j.Interval = max(c.Interval(), m.o.Interval)
		}
		if o, ok := m.o.Collectors[c.Name()]; ok {
			if o.Disabled {
				continue
			}
			if o.Interval > 0 {
				j.Interval = o.Interval
			}
			if o.Timeout > 0 {
				j.Timeout = o.Timeout
			}
		}
		out = append(out, j)
	}
	return out
}

// Start monitors a saved connection; starting one already monitored does
// nothing. It returns at once: connecting happens in the background and
// is retried until it works, so a server that is down when monitoring
// starts is picked up when it comes back.
func (m *Monitor) Start(ctx context.Context, profile string) error {
	p, err := m.w.Profile(ctx, profile)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errors.New("monitor: closed")
	}
	if _, ok := m.targets[p.Name]; ok {
		return nil
	}
	t := newMonitored(p.Name, m.o.Now())
	tctx, cancel := context.WithCancel(m.ctx)
	t.cancel = cancel
	m.targets[p.Name] = t
	m.wg.Go(func() {
		defer close(t.done)
		m.run(tctx, t)
	})
	return nil
}

// Stop stops monitoring a connection and writes what it held; history
// stays.
func (m *Monitor) Stop(profile string) {
	m.mu.Lock()
	t, ok := m.targets[profile]
	delete(m.targets, profile)
	m.mu.Unlock()
	if !ok {
		return
	}
	t.cancel()
	<-t.done
	t.closeSubscribers()
	m.flushTarget(t)
}

// Close stops every connection and the background work, and writes what
// is held in memory.
func (m *Monitor) Close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	ts := make([]*monitored, 0, len(m.targets))
	for _, t := range m.targets {
		ts = append(ts, t)
	}
	m.mu.Unlock()
	m.cancel()
	m.wg.Wait()
	for _, t := range ts {
		t.closeSubscribers()
		m.flushTarget(t)
	}
}

// Profiles lists the monitored connections, sorted.
func (m *Monitor) Profiles() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.targets))
	for n := range m.targets {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (m *Monitor) target(profile string) (*monitored, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.targets[profile]
	return t, ok
}

// monitorSource is what the collectors read: the adapter's read-only pool,
// plus digest snapshots into the state store.
type monitorSource struct {
	*mysql.DB
	snapshot func(ctx context.Context) (dba.DigestSnapshotInfo, error)
}

func (s monitorSource) SnapshotDigests(ctx context.Context) (dba.DigestSnapshotInfo, error) {
	return s.snapshot(ctx)
}

var (
	_ collect.StatusReader        = monitorSource{}
	_ collect.VariablesReader     = monitorSource{}
	_ collect.InnoDBMetricsReader = monitorSource{}
	_ collect.SessionsReader      = monitorSource{}
	_ collect.ReplicationReader   = monitorSource{}
	_ collect.DigestSnapshotter   = monitorSource{}
)

// connect opens the target's own small pool.
func (m *Monitor) connect(ctx context.Context, t *monitored) (*mysql.DB, dba.Profile, error) {
	p, params, err := m.w.resolve(ctx, ConnRequest{Profile: t.profile})
	if err != nil {
		return nil, p, err
	}
	params.ConnectTimeout = 5 * time.Second
	params.CallTimeout = 30 * time.Second
	params.MaxOpen = monitorPoolSize
	db, err := mysql.Open(ctx, params)
	return db, p, err
}

// run connects (retrying with a backoff) and polls until ctx ends.
func (m *Monitor) run(ctx context.Context, t *monitored) {
	m.loadVariables(t)
	wait := time.Second
	for {
		db, p, err := m.connect(ctx, t)
		if err == nil {
			m.poll(ctx, t, db, p)
			_ = db.Release()
			return
		}
		if ctx.Err() != nil {
			return
		}
		m.connectFailed(t, err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 15*time.Second)
	}
}

func (m *Monitor) poll(ctx context.Context, t *monitored, db *mysql.DB, p dba.Profile) {
	key := digestProfileKey(p)
	src := monitorSource{DB: db, snapshot: func(ctx context.Context) (dba.DigestSnapshotInfo, error) {
		return m.w.snapshotDigests(ctx, db, key)
	}}
	sched := collect.New(collect.Options{
		Source: src,
		Jobs:   m.jobs(),
		Now:    m.o.Now,
		Sink:   func(r dba.Reading) { m.onReading(t, r) },
		Health: func(h dba.CollectorHealth) { m.onHealth(t, h) },
	})
	t.connected(db.Server(), sched)
	sched.Run(ctx)
}

// connectFailed records a failed connection as the health of a pseudo
// collector "connection" and tells the observer.
func (m *Monitor) connectFailed(t *monitored, err error) {
	at := m.o.Now()
	t.mu.Lock()
	t.connErr, t.connErrAt = err, at
	t.mu.Unlock()
	m.observe(t, at, nil)
	t.publish(m, nil, nil)
}

func (m *Monitor) onHealth(t *monitored, h dba.CollectorHealth) {
	if h.Name == (collect.GlobalStatus{}).Name() && h.State == dba.CollectorFailing {
		// No sample this tick: the observer still hears of the failure.
		m.observe(t, h.LastAttempt, nil)
		t.publish(m, nil, nil)
	}
}

// observe calls the observer with the target's health.
func (m *Monitor) observe(t *monitored, at time.Time, values map[string]float64) {
	if m.o.Observe == nil {
		return
	}
	if values == nil {
		values = map[string]float64{}
	}
	m.o.Observe(t.profile, at, values, t.healthErrors())
}

// monitored is one connection being monitored.
type monitored struct {
	profile string
	started time.Time
	cancel  context.CancelFunc
	done    chan struct{}

	mu        sync.Mutex
	server    dba.Server
	sched     *collect.Scheduler
	connErr   error
	connErrAt time.Time
	// latest is the last reading of each collector.
	latest map[string]dba.Reading
	// prevStatus is the previous global status reading, and ownAt the
	// count of mydba's own statements when it was taken.
	prevStatus       *metric.Sample
	ownTotal, ownAt  float64
	prevInnoDB       *metric.Sample
	innodbSeries     map[string]float64
	innodbMono       time.Duration
	lastWall         time.Time
	lastMono         time.Duration
	vars             map[string]string
	varsLoaded       bool
	last             *dba.MonitorSample
	lastReset        string
	pending          []dba.MonitorSample
	pendingEvents    []dba.MonitorEvent
	droppedWhileDown int64
	subs             map[int]chan MonitorUpdate
}

func newMonitored(profile string, now time.Time) *monitored {
	return &monitored{profile: profile, started: now, done: make(chan struct{}), latest: map[string]dba.Reading{}, subs: map[int]chan MonitorUpdate{}}
}

func (t *monitored) connected(s dba.Server, sched *collect.Scheduler) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.server, t.sched, t.connErr = s, sched, nil
}

// healthErrors is the health map the observer gets.
func (t *monitored) healthErrors() map[string]error {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string]error{}
	if t.connErr != nil {
		out["connection"] = t.connErr
	}
	if t.sched == nil {
		return out
	}
	for _, h := range t.sched.Health() {
		switch h.State {
		case dba.CollectorOK:
			out[h.Name] = nil
		case dba.CollectorFailing:
			out[h.Name] = h.Err()
		}
	}
	return out
}

// onReading folds a reading into the target's state; a global status
// reading makes a new derived sample.
func (m *Monitor) onReading(t *monitored, r dba.Reading) {
	t.mu.Lock()
	t.latest[r.Collector] = r
	t.ownTotal += float64(r.Statements)
	var events []dba.MonitorEvent
	var sample *dba.MonitorSample
	switch r.Collector {
	case collect.GlobalStatus{}.Name():
		sample, events = m.deriveLocked(t, r)
	case collect.GlobalVariables{}.Name():
		events = m.variablesLocked(t, r)
	case collect.InnoDBMetrics{}.Name():
		cur := metric.Sample{Mono: r.Mono, Values: r.Values}
		if t.prevInnoDB != nil {
			t.innodbSeries, t.innodbMono = metric.InnoDBSeries(*t.prevInnoDB, cur), r.Mono
		}
		t.prevInnoDB = &cur
	}
	t.pendingEvents = append(t.pendingEvents, events...)
	t.mu.Unlock()
	if sample != nil {
		m.observe(t, sample.At, maps.Clone(sample.Values))
	}
	if sample != nil || len(events) > 0 {
		t.publish(m, sample, events)
	}
}

// freshFor is how old another collector's reading may be and still go
// into a sample: three of its intervals, so one late poll leaves no hole.
func (t *monitored) freshFor(name string) time.Duration {
	if t.sched != nil {
		for _, h := range t.sched.Health() {
			if h.Name == name {
				return 3*h.Interval + time.Second
			}
		}
	}
	return 15 * time.Second
}

// deriveLocked makes the sample of a new global status reading.
func (m *Monitor) deriveLocked(t *monitored, r dba.Reading) (*dba.MonitorSample, []dba.MonitorEvent) {
	var events []dba.MonitorEvent
	event := func(kind, title, detail string) {
		events = append(events, dba.MonitorEvent{Profile: t.profile, At: r.At, Kind: kind, Title: title, Detail: detail})
	}
	cur := metric.Sample{Mono: r.Mono, Values: r.Values}
	in := metric.StatusInputs{Own: t.ownTotal - t.ownAt}
	if v, ok := t.latest[collect.GlobalVariables{}.Name()]; ok {
		in.MaxConnections = v.Values["max_connections"]
	}
	var series map[string]float64
	if t.prevStatus == nil {
		// The first sample has gauges only; rates need two.
		series, _ = metric.StatusSeries(cur, cur, in)
		event(dba.EventStarted, "monitoring started", "")
	} else {
		var reset string
		series, reset = metric.StatusSeries(*t.prevStatus, cur, in)
		gap := r.Mono - t.prevStatus.Mono
		if gap > 3*m.o.Interval+2*time.Second {
			event(dba.EventGap, fmt.Sprintf("no samples for %s", gap.Round(time.Second)), "the server did not answer, or mydba was busy; rates across the gap are averages")
		}
		if reset != "" {
			switch {
			case strings.Contains(reset, "restarted") || strings.Contains(reset, "different server"):
				event(dba.EventRestart, "server restarted", reset)
			default:
				event(dba.EventRestart, "status counters reset", reset)
			}
		}
		t.lastReset = reset
		if wall, mono := r.At.Sub(t.lastWall), r.Mono-t.lastMono; !t.lastWall.IsZero() {
			if jump := wall - mono; jump > max(2*time.Second, mono/10) || -jump > max(2*time.Second, mono/10) {
				event(dba.EventClockJump, fmt.Sprintf("the clock jumped by %s", jump.Round(time.Second)), "sample times follow the wall clock; rates use the monotonic clock and are not affected")
			}
		}
	}
	t.prevStatus, t.ownAt = &cur, t.ownTotal
	t.lastWall, t.lastMono = r.At, r.Mono
	// Readings of the slower collectors, while fresh.
	fresh := func(name string) (dba.Reading, bool) {
		x, ok := t.latest[name]
		return x, ok && r.Mono-x.Mono <= t.freshFor(name)
	}
	if _, ok := series["deadlocks_per_s"]; !ok && t.innodbSeries != nil && r.Mono-t.innodbMono <= t.freshFor(collect.InnoDBMetrics{}.Name()) {
		maps.Copy(series, t.innodbSeries)
	}
	if x, ok := fresh(collect.ProcessList{}.Name()); ok {
		metric.Pick(x.Values, metric.SessionGauges(), series)
	}
	if x, ok := fresh(collect.Replication{}.Name()); ok {
		metric.Pick(x.Values, metric.ReplicationGauges(), series)
	}
	s := dba.MonitorSample{At: r.At, Values: series}
	t.last = &s
	t.pending = append(t.pending, s)
	// While the store fails samples are held, up to the raw retention's
	// worth; older ones are dropped (and counted).
	if limit := int(m.keep.Raw / m.o.Interval); len(t.pending) > limit {
		t.droppedWhileDown += int64(len(t.pending) - limit)
		t.pending = append([]dba.MonitorSample(nil), t.pending[len(t.pending)-limit:]...)
	}
	return &s, events
}

// variablesLocked annotates changed global variables and remembers the
// values (also in the store, so a change made while mydba was stopped is
// still seen).
func (m *Monitor) variablesLocked(t *monitored, r dba.Reading) []dba.MonitorEvent {
	changes := collect.VariableChanges(t.vars, r.Text)
	t.vars = r.Text
	var events []dba.MonitorEvent
	const maxListed = 20
	for i, c := range changes {
		if i == maxListed {
			events = append(events, dba.MonitorEvent{Profile: t.profile, At: r.At, Kind: dba.EventVariable,
				Title: fmt.Sprintf("%d more variables changed", len(changes)-maxListed), Detail: "a server upgrade, or plugins loaded or unloaded"})
			break
		}
		events = append(events, dba.MonitorEvent{Profile: t.profile, At: r.At, Kind: dba.EventVariable,
			Title: "variable changed: " + c.Name, Detail: fmt.Sprintf("%s: %s → %s", c.Name, orNone(c.Old), orNone(c.New))})
	}
	if len(changes) > 0 || !t.varsLoaded {
		t.varsLoaded = true
		if b, err := json.Marshal(r.Text); err == nil {
			ctx, cancel := context.WithTimeout(m.ctx, 5*time.Second)
			if err := m.st.SetMonitorVariables(ctx, t.profile, string(b)); err != nil {
				m.storeFailed(err)
			}
			cancel()
		}
	}
	return events
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// loadVariables reads the variables last seen on the profile.
func (m *Monitor) loadVariables(t *monitored) {
	ctx, cancel := context.WithTimeout(m.ctx, 5*time.Second)
	defer cancel()
	s, err := m.st.MonitorVariables(ctx, t.profile)
	if err != nil || s == "" {
		return
	}
	var vars map[string]string
	if json.Unmarshal([]byte(s), &vars) == nil {
		t.mu.Lock()
		t.vars = vars
		t.mu.Unlock()
	}
}

// maintain writes held samples every FlushEvery, rolls complete buckets
// up every minute and prunes every ten, until the monitor closes.
func (m *Monitor) maintain() {
	flush := time.NewTicker(m.o.FlushEvery)
	defer flush.Stop()
	var lastRollup, lastPrune time.Time
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-flush.C:
		}
		m.mu.Lock()
		ts := make([]*monitored, 0, len(m.targets))
		for _, t := range m.targets {
			ts = append(ts, t)
		}
		m.mu.Unlock()
		for _, t := range ts {
			m.flushTarget(t)
		}
		ts = m.stopRemoved(ts)
		now := m.o.Now()
		if now.Sub(lastRollup) >= time.Minute || now.Before(lastRollup) {
			lastRollup = now
			for _, t := range ts {
				ctx, cancel := context.WithTimeout(m.ctx, 30*time.Second)
				if _, err := m.st.RollupMonitor(ctx, t.profile, now, 15*time.Second); err != nil && m.ctx.Err() == nil {
					m.storeFailed(err)
				}
				cancel()
			}
		}
		if now.Sub(lastPrune) >= 10*time.Minute || now.Before(lastPrune) {
			lastPrune = now
			ctx, cancel := context.WithTimeout(m.ctx, time.Minute)
			if _, err := m.st.PruneMonitor(ctx, m.keep, now); err != nil && m.ctx.Err() == nil {
				m.storeFailed(err)
			}
			cancel()
		}
	}
}

// stopRemoved stops monitoring the connections whose profile is gone
// (removed here or by another mydba process; an open pool would otherwise
// go on sampling it, and its alerts firing, until the monitor closes) and
// returns the others.
func (m *Monitor) stopRemoved(ts []*monitored) []*monitored {
	kept := ts[:0]
	for _, t := range ts {
		ctx, cancel := context.WithTimeout(m.ctx, 5*time.Second)
		_, err := m.w.store.Profile(ctx, t.profile)
		cancel()
		if !errors.Is(err, dba.ErrNotFound) {
			kept = append(kept, t)
			continue
		}
		m.o.Log.Info("monitor: connection removed, monitoring stopped", "profile", t.profile)
		m.Stop(t.profile)
		if m.o.Removed != nil {
			m.o.Removed(t.profile)
		}
	}
	return kept
}

// flushTarget writes a target's held samples and events; on failure they
// stay held (bounded) and the failure is reported in the monitor's state.
func (m *Monitor) flushTarget(t *monitored) {
	t.mu.Lock()
	samples, events := t.pending, t.pendingEvents
	t.pending, t.pendingEvents = nil, nil
	t.mu.Unlock()
	if len(samples) == 0 && len(events) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := m.st.AddMonitorSamples(ctx, t.profile, samples)
	if err == nil {
		err = m.st.AddMonitorEvents(ctx, events)
		if err != nil {
			samples = nil
		}
	}
	if err == nil {
		m.storeOK()
		return
	}
	m.storeFailed(err)
	t.mu.Lock()
	t.pending = append(samples, t.pending...)
	t.pendingEvents = append(events, t.pendingEvents...)
	t.mu.Unlock()
}

func (m *Monitor) storeFailed(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.storeErr == nil {
		m.storeSince = m.o.Now()
		m.o.Log.Warn("monitor: cannot write history; samples are kept in memory", "err", err)
	}
	m.storeErr = err
}

func (m *Monitor) storeOK() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.storeErr = nil
}

// StoreError is the history store's failure, or "" when it works.
func (m *Monitor) StoreError() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.storeErr == nil {
		return ""
	}
	return fmt.Sprintf("history is not being written since %s (samples are kept in memory, up to %s): %v",
		m.storeSince.Format(time.RFC3339), m.keep.Raw, m.storeErr)
}
