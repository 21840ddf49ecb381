package ai

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Server-sent events, as both OpenAI-compatible servers and Anthropic
// stream their answers (https://html.spec.whatwg.org/multipage/server-sent-events.html).
// The reader is written from the specification rather than for one
// provider, because the OpenAI-compatible servers (Ollama, vLLM, LM Studio,
// proxies) differ in line endings, comments and keep-alives.

// maxSSELine bounds one line of the stream. A provider's chunk is a few
// hundred bytes; a megabyte line is a broken or hostile server, and
// reading on would let it grow memory without bound.
const maxSSELine = 1 << 20

// sseEvent is one dispatched event: the data lines joined with "\n".
type sseEvent struct {
	Event string `json:"event,omitempty"`
	Data  string `json:"data"`
	ID    string `json:"id,omitempty"`
}

// errSSETruncated is an event that was still being received when the
// stream ended: its data is partial and must not be used.
var errSSETruncated = errors.New("stream ended inside an event")

// sseReader splits a byte stream into events.
type sseReader struct {
	sc     *bufio.Scanner
	lastID string
}

func newSSEReader(r io.Reader) *sseReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxSSELine)
	sc.Split(scanSSELines)
	return &sseReader{sc: sc}
}

// Next returns the next event. It returns io.EOF when the stream ends
// between events, errSSETruncated (with what was read of the event) when
// it ends inside one, and the underlying read error otherwise.
func (r *sseReader) Next() (sseEvent, error) {
	var (
		ev      sseEvent
		data    strings.Builder
		hasData bool
		pending bool // a field line was read since the last dispatch
	)
	for r.sc.Scan() {
		line := r.sc.Text()
		if line == "" {
			if !hasData {
				// An event without data is not dispatched (the spec),
				// but its id still counts.
				ev, pending = sseEvent{}, false
				continue
			}
			ev.Data = data.String()
			ev.ID = r.lastID
			return ev, nil
		}
		if line[0] == ':' {
			continue // comment: keep-alives such as ": ping"
		}
		pending = true
		field, value, found := strings.Cut(line, ":")
		if found {
			value = strings.TrimPrefix(value, " ")
		}
		switch field {
		case "event":
			ev.Event = value
		case "data":
			if hasData {
				data.WriteByte('\n')
			}
			data.WriteString(value)
			hasData = true
		case "id":
			if !strings.ContainsRune(value, 0) {
				r.lastID = value
			}
		}
		// "retry" and unknown fields are ignored, as the spec says.
	}
	if err := r.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return sseEvent{}, fmt.Errorf("malformed event stream: a line is longer than %d bytes", maxSSELine)
		}
		return sseEvent{}, err
	}
	if pending {
		// The partial event goes back with the error: a caller may accept
		// a terminator whose final blank line was lost ("data: [DONE]").
		ev.Data = data.String()
		ev.ID = r.lastID
		return ev, errSSETruncated
	}
	return sseEvent{}, io.EOF
}

// scanSSELines is a bufio.SplitFunc for the three line endings the spec
// allows: CRLF, LF and a lone CR. A CR at the end of the buffer waits for
// the next byte, so a CRLF split across two reads is still one ending.
func scanSSELines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if atEOF && len(data) == 0 {
		return 0, nil, nil
	}
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		if data[i] == '\n' {
			return i + 1, data[:i], nil
		}
		if i+1 < len(data) {
			if data[i+1] == '\n' {
				return i + 2, data[:i], nil
			}
			return i + 1, data[:i], nil
		}
		if atEOF {
			return i + 1, data[:i], nil
		}
		return 0, nil, nil
	}
	if atEOF {
		// The last line had no ending. The caller reports the event it
		// belonged to as truncated.
		return len(data), data, nil
	}
	return 0, nil, nil
}
