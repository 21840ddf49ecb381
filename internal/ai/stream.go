package ai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sync"

	"github.com/mydba/mydba/internal/dba"
)

// decoder turns one provider's events into text. Each provider keeps its
// own state (usage, stop reason) in it.
type decoder interface {
	// decode returns the text an event carries, whether it ends the answer,
	// or the provider's mid-stream error.
	decode(ev sseEvent) (text string, done bool, err error)
	// completeAtEOF reports whether a stream that ended without its
	// terminator had nonetheless finished (a stop reason was seen, or the
	// partial last event is the terminator).
	completeAtEOF(partial sseEvent) bool
	usage() *Usage
}

// eventStream is a Stream over an SSE response.
type eventStream struct {
	ctx  context.Context
	c    *httpClient
	resp *http.Response
	wd   *watchdog
	rd   *sseReader
	dec  decoder

	mu        sync.Mutex
	delivered bool
	finished  bool
	err       error
}

func newEventStream(ctx context.Context, c *httpClient, resp *http.Response, wd *watchdog, dec decoder) *eventStream {
	return &eventStream{ctx: ctx, c: c, resp: resp, wd: wd, rd: newSSEReader(resp.Body), dec: dec}
}

// Next returns the next piece of text; the last chunk has Done set; then
// io.EOF. An answer that breaks off returns an error wrapping
// ErrIncomplete: what was delivered before is partial.
func (s *eventStream) Next() (Chunk, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return Chunk{}, s.err
	}
	if s.finished {
		return Chunk{}, io.EOF
	}
	for {
		ev, err := s.rd.Next()
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, errSSETruncated) {
				if s.dec.completeAtEOF(ev) {
					return s.finish()
				}
				return s.fail(&Error{Provider: s.c.name, Message: s.cutMessage("the provider closed the connection before finishing the answer"),
					kinds: []error{ErrIncomplete, ErrUnavailable}}, true)
			}
			return s.fail(s.readError(err))
		}
		text, done, err := s.dec.decode(ev)
		if err != nil {
			var pe *Error
			if errors.As(err, &pe) {
				pe.Provider = s.c.name
				pe.Message = clip(s.c.redact(pe.Message), 300)
				pe.kinds = append(pe.kinds, ErrIncomplete)
				return s.fail(pe, errors.Is(pe, ErrUnavailable) || errors.Is(pe, ErrRateLimited))
			}
			return s.fail(&Error{Provider: s.c.name, Message: s.cutMessage("malformed answer stream: " + s.c.redact(err.Error())),
				kinds: []error{ErrIncomplete, ErrUnavailable}}, true)
		}
		if done {
			if text != "" {
				// A terminator with text: deliver the text, finish next time.
				s.delivered = true
				s.finished = true
				s.release()
				s.c.breaker.Success()
				return Chunk{Text: text}, nil
			}
			return s.finish()
		}
		if text != "" {
			s.delivered = true
			return Chunk{Text: text}, nil
		}
	}
}

func (s *eventStream) cutMessage(msg string) string {
	if s.delivered {
		return msg + "; the text received so far is only part of the answer"
	}
	return msg
}

// readError classifies a failed read: the caller's cancellation, the
// silence timeout, or a lost connection.
func (s *eventStream) readError(err error) (error, bool) {
	if s.ctx.Err() != nil {
		return fmt.Errorf("%s: %w", s.c.name, s.ctx.Err()), false
	}
	if s.wd.timedOut() {
		return &Error{Provider: s.c.name, Message: s.cutMessage(fmt.Sprintf("no data for %s in the middle of the answer", s.c.timeout)),
			kinds: []error{dba.ErrTimeout, ErrIncomplete, ErrUnavailable}}, true
	}
	return &Error{Provider: s.c.name, Message: s.cutMessage("the connection broke in the middle of the answer: " + s.c.redact(rootCause(err))),
		kinds: []error{ErrIncomplete, ErrUnavailable}}, true
}

func (s *eventStream) finish() (Chunk, error) {
	s.finished = true
	s.release()
	s.c.breaker.Success()
	return Chunk{Done: true, Usage: s.dec.usage()}, nil
}

// fail records err for every later Next; provider faults count against
// the breaker, the caller's own cancellation does not.
func (s *eventStream) fail(err error, providerFault bool) (Chunk, error) {
	s.err = err
	s.release()
	if providerFault {
		s.c.breaker.Failure()
		s.c.log.Info("ai: answer failed", "provider", s.c.name, "error", err.Error())
	}
	return Chunk{}, err
}

func (s *eventStream) release() {
	s.resp.Body.Close()
	s.wd.stop()
}

// Close stops reading; the answer so far stays partial.
func (s *eventStream) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.finished && s.err == nil {
		s.err = fmt.Errorf("%s: stream closed", s.c.name)
	}
	s.release()
	return nil
}

// stream posts a request and returns its answer: server-sent events read
// by dec, or, from a server that ignored "stream" and answered with one
// JSON document, that document read by parse (its text and usage; ok
// false when it is not an answer, which what names in the error).
func (c *httpClient) stream(ctx context.Context, target string, header http.Header, body []byte, dec decoder,
	what string, parse func(raw []byte) (text string, u *Usage, ok bool)) (Stream, error) {
	resp, wd, err := c.post(ctx, target, header, body)
	if err != nil {
		return nil, err
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return newEventStream(ctx, c, resp, wd, dec), nil
	}
	defer wd.stop()
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		c.breaker.Failure()
		return nil, &Error{Provider: c.name, Message: "reading the answer: " + c.redact(rootCause(err)), kinds: []error{ErrIncomplete, ErrUnavailable}}
	}
	text, u, ok := parse(raw)
	if !ok {
		c.breaker.Failure()
		return nil, &Error{Provider: c.name, Message: "the answer is not " + what, kinds: []error{ErrUnavailable}}
	}
	c.breaker.Success()
	var w whole
	if text != "" {
		w.chunks = append(w.chunks, Chunk{Text: text})
	}
	w.chunks = append(w.chunks, Chunk{Done: true, Usage: u})
	return &w, nil
}

// whole is a Stream over an answer that came in one piece (a server that
// ignored "stream": true).
type whole struct {
	chunks []Chunk
}

func (w *whole) Next() (Chunk, error) {
	if len(w.chunks) == 0 {
		return Chunk{}, io.EOF
	}
	c := w.chunks[0]
	w.chunks = w.chunks[1:]
	return c, nil
}

func (w *whole) Close() error { w.chunks = nil; return nil }
