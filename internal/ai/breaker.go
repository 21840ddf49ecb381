package ai

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrCircuitOpen is a provider that failed several times in a row and is
// given a rest: calls fail at once (and a fallback provider answers)
// instead of each waiting for timeouts and retries.
var ErrCircuitOpen = errors.New("provider is failing; not called for a while")

// BreakerOptions configure a circuit breaker.
type BreakerOptions struct {
	// Failures in a row that open the circuit (default 3).
	Failures int
	// Cooldown is how long it stays open before one trial call (default 30s).
	Cooldown time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Breaker is a per-provider circuit breaker. Closed, calls pass; after
// Failures consecutive failures it opens and refuses calls for Cooldown;
// then it lets calls through again ("half-open") and the first result
// decides: a success closes it, a failure opens it for another Cooldown.
// Only failures that say something about the provider count (network
// errors, timeouts, 429 and 5xx after retries, broken streams); a request
// the provider rejects as invalid does not.
type Breaker struct {
	opts BreakerOptions

	mu        sync.Mutex
	fails     int
	openUntil time.Time
}

// NewBreaker returns a closed breaker.
func NewBreaker(o BreakerOptions) *Breaker {
	if o.Failures <= 0 {
		o.Failures = 3
	}
	if o.Cooldown <= 0 {
		o.Cooldown = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Breaker{opts: o}
}

// Allow returns nil when a call may go ahead, else an error wrapping
// ErrCircuitOpen that says when the provider will be tried again.
func (b *Breaker) Allow() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openUntil.IsZero() {
		return nil
	}
	now := b.opts.Now()
	if now.Before(b.openUntil) {
		return fmt.Errorf("%w (%d failures in a row; next try in %s)", ErrCircuitOpen, b.fails, b.openUntil.Sub(now).Round(time.Second))
	}
	return nil
}

// Success closes the circuit.
func (b *Breaker) Success() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fails, b.openUntil = 0, time.Time{}
}

// Failure counts one failure and opens the circuit at the threshold (or at
// once when the trial call of a half-open circuit failed).
func (b *Breaker) Failure() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fails++
	if b.fails >= b.opts.Failures {
		b.openUntil = b.opts.Now().Add(b.opts.Cooldown)
	}
}

// State is "closed", "open" or "half-open", for status pages.
func (b *Breaker) State() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.openUntil.IsZero():
		return "closed"
	case b.opts.Now().Before(b.openUntil):
		return "open"
	}
	return "half-open"
}
