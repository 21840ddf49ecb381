package ai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Fallback tries providers in order. A provider that fails before it
// delivered any text — refused, rate-limited, unreachable, circuit open,
// or a stream that broke before its first chunk — hands the request to the
// next one. Once text has been delivered there is no switching: the user
// would get two answers spliced together. The caller's own cancellation
// never falls through.
type Fallback struct {
	providers []Provider
}

var _ Provider = (*Fallback)(nil)

// NewFallback returns a provider over ps in order of preference. With one
// provider it returns that provider unchanged.
func NewFallback(ps ...Provider) (Provider, error) {
	switch len(ps) {
	case 0:
		return nil, ErrNoProvider
	case 1:
		return ps[0], nil
	}
	return &Fallback{providers: ps}, nil
}

// Name is the first provider's name; Answerer on the stream names the one
// that actually answered.
func (f *Fallback) Name() string { return f.providers[0].Name() }

// Model is the first provider's model.
func (f *Fallback) Model() string { return f.providers[0].Model() }

// Providers lists the chain in order.
func (f *Fallback) Providers() []Provider { return append([]Provider(nil), f.providers...) }

// Answerer is implemented by streams that know which provider answered
// (the fallback chain's). Audit records use it.
type Answerer interface {
	Answerer() string
}

// Stream starts the request with the first provider that takes it.
func (f *Fallback) Stream(ctx context.Context, r Request) (Stream, error) {
	s := &fallbackStream{ctx: ctx, req: r, providers: f.providers}
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, nil
}

type fallbackStream struct {
	ctx       context.Context
	req       Request
	providers []Provider
	next      int
	cur       Stream
	curName   string
	delivered bool
	errs      []error
	err       error // the chain's final failure, returned by every later Next
	mu        sync.Mutex
}

// start opens a stream on the next provider that accepts the request.
func (s *fallbackStream) start() error {
	for s.next < len(s.providers) {
		p := s.providers[s.next]
		s.next++
		st, err := p.Stream(s.ctx, s.req)
		if err == nil {
			s.cur, s.curName = st, p.Name()
			return nil
		}
		if s.ctx.Err() != nil {
			return err
		}
		s.errs = append(s.errs, err)
	}
	return s.allFailed()
}

func (s *fallbackStream) allFailed() error {
	msgs := make([]string, len(s.errs))
	for i, e := range s.errs {
		msgs[i] = e.Error()
	}
	return &chainError{msg: "every AI provider failed: " + strings.Join(msgs, "; "), errs: s.errs}
}

// chainError keeps each provider's error reachable for errors.Is.
type chainError struct {
	msg  string
	errs []error
}

func (e *chainError) Error() string   { return e.msg }
func (e *chainError) Unwrap() []error { return e.errs }

func (s *fallbackStream) Next() (Chunk, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.err != nil {
			return Chunk{}, s.err
		}
		if s.cur == nil {
			return Chunk{}, io.EOF
		}
		c, err := s.cur.Next()
		if err == nil {
			if c.Text != "" {
				s.delivered = true
			}
			return c, nil
		}
		if errors.Is(err, io.EOF) || s.delivered || s.ctx.Err() != nil {
			return c, err
		}
		// Broke before the first chunk: the next provider may still answer.
		s.cur.Close()
		s.cur = nil
		s.errs = append(s.errs, err)
		if err := s.start(); err != nil {
			s.err = err
			return Chunk{}, err
		}
	}
}

func (s *fallbackStream) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil {
		return s.cur.Close()
	}
	return nil
}

// Answerer names the provider whose text the stream delivers.
func (s *fallbackStream) Answerer() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.curName
}

// String describes the chain for status output.
func (f *Fallback) String() string {
	names := make([]string, len(f.providers))
	for i, p := range f.providers {
		names[i] = fmt.Sprintf("%s (%s)", p.Name(), p.Model())
	}
	return strings.Join(names, " → ")
}
