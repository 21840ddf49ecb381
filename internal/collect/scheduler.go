package collect

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// Job is a collector with its effective schedule.
type Job struct {
	Collector Collector
	// Interval and Timeout default to the collector's own.
	Interval, Timeout time.Duration
}

// Options configure a Scheduler.
type Options struct {
	Source Source
	Jobs   []Job
	// Sink receives every successful reading, from the collector's own
	// goroutine: readings of different collectors may arrive at once.
	Sink func(dba.Reading)
	// Health, if set, receives a collector's health after every attempt.
	Health func(dba.CollectorHealth)
	// Now is the wall clock readings are stamped with (default time.Now).
	// Intervals and rates use the monotonic clock whatever Now says.
	Now func() time.Time
	// MaxBackoff caps the wait between retries of a failing collector
	// (default 15s, never below its interval).
	MaxBackoff time.Duration
	// UnavailableRetry is the wait before retrying an unavailable source
	// (default 1 minute, never below its interval): a GRANT or turning a
	// source on takes effect without a restart of mydba.
	UnavailableRetry time.Duration
}

// Scheduler runs each collector in its own goroutine, on its own interval,
// under its own timeout. A poll never overlaps the previous one of the
// same collector: a tick that comes while a poll still runs is skipped and
// counted as an overrun, so a slow server gets fewer polls, not a pile of
// them. A failure is recorded in the collector's health and retried with
// a backoff; it never stops the others.
type Scheduler struct {
	o     Options
	start time.Time

	mu     sync.Mutex
	health map[string]*dba.CollectorHealth
}

// New prepares a scheduler; Run starts it.
func New(o Options) *Scheduler {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sink == nil {
		o.Sink = func(dba.Reading) {}
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 15 * time.Second
	}
	if o.UnavailableRetry <= 0 {
		o.UnavailableRetry = time.Minute
	}
	s := &Scheduler{o: o, start: time.Now(), health: map[string]*dba.CollectorHealth{}}
	for i := range s.o.Jobs {
		j := &s.o.Jobs[i]
		if j.Interval <= 0 {
			j.Interval = j.Collector.Interval()
		}
		if j.Timeout <= 0 {
			j.Timeout = j.Collector.Timeout()
		}
		s.health[j.Collector.Name()] = &dba.CollectorHealth{Name: j.Collector.Name(), State: dba.CollectorPending, Interval: j.Interval}
	}
	return s
}

// Mono is the scheduler's monotonic clock: time since New.
func (s *Scheduler) Mono() time.Duration { return time.Since(s.start) }

// Run polls until ctx ends and returns when every collector has stopped.
func (s *Scheduler) Run(ctx context.Context) {
	var wg sync.WaitGroup
	server := s.o.Source.Server()
	for i := range s.o.Jobs {
		j := s.o.Jobs[i]
		if ok, why := j.Collector.Supports(server); !ok {
			s.record(j, func(h *dba.CollectorHealth) {
				h.State, h.Error = dba.CollectorUnsupported, why
			})
			continue
		}
		wg.Go(func() { s.loop(ctx, j) })
	}
	wg.Wait()
}

// Health is every collector's state, by name.
func (s *Scheduler) Health() []dba.CollectorHealth {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]dba.CollectorHealth, 0, len(s.health))
	for _, h := range s.health {
		out = append(out, *h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (s *Scheduler) record(j Job, f func(*dba.CollectorHealth)) dba.CollectorHealth {
	s.mu.Lock()
	h := s.health[j.Collector.Name()]
	f(h)
	snap := *h
	s.mu.Unlock()
	if s.o.Health != nil {
		s.o.Health(snap)
	}
	return snap
}

func (s *Scheduler) loop(ctx context.Context, j Job) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	next := time.Now()
	fails := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		started := time.Now()
		r, err := s.collect(ctx, j)
		took := time.Since(started)
		if ctx.Err() != nil {
			// Stopping: a poll cut short is not the server's failure.
			return
		}
		state := dba.CollectorOK
		switch {
		case err == nil:
			fails = 0
		case errors.Is(err, dba.ErrUnavailable) || errors.Is(err, dba.ErrAuth):
			state = dba.CollectorUnavailable
			fails = 0
		default:
			state = dba.CollectorFailing
			fails++
		}
		at := s.o.Now()
		wait := j.Interval
		switch state {
		case dba.CollectorFailing:
			wait = backoff(j.Interval, fails, max(j.Interval, s.o.MaxBackoff))
		case dba.CollectorUnavailable:
			wait = max(j.Interval, s.o.UnavailableRetry)
		}
		// Ticks are counted from the schedule, not from when a poll
		// ended, so a 1 s collector samples once a second; ticks a slow
		// poll overran are skipped and counted.
		next = next.Add(wait)
		var overrun int64
		if now := time.Now(); next.Before(now) {
			missed := now.Sub(next)/wait + 1
			overrun = int64(missed)
			next = next.Add(missed * wait)
		}
		s.record(j, func(h *dba.CollectorHealth) {
			h.State, h.LastAttempt, h.Took = state, at, took
			h.Runs++
			h.Overruns += overrun
			if err != nil {
				h.Failures++
				h.Error = err.Error()
				return
			}
			h.Error, h.LastSuccess = "", at
		})
		if err == nil {
			r.Collector, r.At, r.Took = j.Collector.Name(), at, took
			r.Mono = started.Sub(s.start) + took/2
			s.o.Sink(r)
		}
		timer.Reset(time.Until(next))
	}
}

// collect runs one poll under the job's timeout; a panic in a collector
// becomes its failure, not the process's end.
func (s *Scheduler) collect(ctx context.Context, j Job) (r dba.Reading, err error) {
	ctx, cancel := context.WithTimeout(ctx, j.Timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("collector %s panicked: %v", j.Collector.Name(), p)
		}
	}()
	r, err = j.Collector.Collect(ctx, s.o.Source)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && !errors.Is(err, dba.ErrTimeout) {
		err = fmt.Errorf("%w: %s did not answer within %s: %w", dba.ErrTimeout, j.Collector.Name(), j.Timeout, err)
	}
	return r, err
}

// backoff doubles the wait with each consecutive failure, from interval up
// to limit.
func backoff(interval time.Duration, fails int, limit time.Duration) time.Duration {
	d := interval
	for i := 1; i < fails && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}
