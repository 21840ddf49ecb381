package ai

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// step is what the fake provider does for one request.
type step struct {
	status  int
	header  map[string]string
	body    string
	pieces  []int         // write body in pieces of these sizes (cycled), flushing each
	hang    bool          // after the body, block until the client goes away
	cut     bool          // after the body, drop the TCP connection without ending the response
	delay   time.Duration // before the headers
	between time.Duration // between pieces
}

// seen is one request as the fake received it.
type seen struct {
	Method, Path, Query string
	Header              http.Header
	Body                map[string]any
}

// fake is an httptest server that speaks whatever the steps write and
// records every request.
type fake struct {
	t     *testing.T
	srv   *httptest.Server
	mu    sync.Mutex
	steps []step
	got   []seen
}

func newFake(t *testing.T, steps ...step) *fake {
	t.Helper()
	f := &fake{t: t, steps: steps}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	f.mu.Lock()
	n := len(f.got)
	f.got = append(f.got, seen{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	s := f.steps[min(n, len(f.steps)-1)]
	f.mu.Unlock()
	if s.delay > 0 {
		select {
		case <-time.After(s.delay):
		case <-r.Context().Done():
			return
		}
	}
	for k, v := range s.header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "text/event-stream")
	}
	if s.status == 0 {
		s.status = http.StatusOK
	}
	w.WriteHeader(s.status)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	pieces := s.pieces
	if len(pieces) == 0 {
		pieces = []int{len(s.body) + 1}
	}
	b := []byte(s.body)
	for i := 0; len(b) > 0; i++ {
		n := min(pieces[i%len(pieces)], len(b))
		if _, err := w.Write(b[:n]); err != nil {
			return
		}
		_ = rc.Flush()
		b = b[n:]
		if s.between > 0 {
			time.Sleep(s.between)
		}
	}
	switch {
	case s.cut:
		conn, _, err := rc.Hijack()
		if err == nil {
			conn.Close()
		}
	case s.hang:
		<-r.Context().Done()
	}
}

func (f *fake) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.got...)
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "providers", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sleeps records the waits of the retry policy instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// answer is a whole stream read to its end.
type answer struct {
	Text   string
	Chunks int
	Done   bool
	Usage  *Usage
	Err    error
}

func drain(s Stream) answer {
	var a answer
	for {
		c, err := s.Next()
		if errors.Is(err, io.EOF) {
			return a
		}
		if err != nil {
			a.Err = err
			return a
		}
		if c.Text != "" {
			a.Chunks++
			a.Text += c.Text
		}
		if c.Done {
			a.Done = true
			a.Usage = c.Usage
		}
	}
}

func simpleRequest() Request {
	return Request{
		System:   "You explain MySQL evidence.",
		Messages: []Message{{Role: RoleUser, Content: "Why is this slow?"}},
	}
}
