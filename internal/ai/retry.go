package ai

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy says how often and how long a provider call is retried when
// the provider answers 429 or 5xx, or the connection fails, before the
// first byte of an answer. Once text has been delivered nothing is
// retried: the caller would see the answer twice.
type RetryPolicy struct {
	// Attempts is the total number of tries (default 3; 1 disables retries).
	Attempts int
	// BaseDelay is the first back-off (default 500ms); it doubles per try.
	BaseDelay time.Duration
	// MaxDelay caps one wait (default 8s). A Retry-After longer than this
	// is not waited for: the call fails at once with the provider's hint,
	// so a fallback provider can answer instead of the user waiting.
	MaxDelay time.Duration
	// Jitter returns a fraction in [0,1) used to spread the waits of many
	// clients (default math/rand/v2). Tests fix it.
	Jitter func() float64
	// Sleep waits d or until ctx ends (default a timer). Tests record it.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Attempts <= 0 {
		p.Attempts = 3
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 500 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 8 * time.Second
	}
	if p.Jitter == nil {
		p.Jitter = rand.Float64
	}
	if p.Sleep == nil {
		p.Sleep = sleepCtx
	}
	return p
}

// backoff is the wait before try number attempt+1 (attempt counts from 1):
// exponential, capped, with "equal jitter" — half fixed, half random — so
// a retry never comes immediately yet many clients do not retry in step.
func (p RetryPolicy) backoff(attempt int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < attempt && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	half := d / 2
	return half + time.Duration(p.Jitter()*float64(d-half))
}

// retryable reports whether an HTTP status is worth another try: rate
// limits, server errors and Anthropic's 529 "overloaded". 501 (not
// implemented) will not change on a retry.
func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusRequestTimeout ||
		(status >= 500 && status != http.StatusNotImplemented)
}

// retryAfter reads the provider's wait hint: retry-after-ms (OpenAI,
// Azure) in milliseconds, else Retry-After in seconds or as an HTTP date.
// It returns 0 when there is no usable hint.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1e9 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 || s > 1e6 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
