package parse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// Default sizes for SlowLogChunker.
const (
	// DefaultSlowChunkBytes is large enough that per-chunk overhead
	// (channel sends, one slice per chunk) vanishes, small enough that a
	// few chunks in flight stay a few MB.
	DefaultSlowChunkBytes = 512 << 10
	// DefaultSlowMaxEventBytes bounds one event; MySQL's max_allowed_packet
	// defaults to 64 MB, so real statements fit.
	DefaultSlowMaxEventBytes = 64 << 20
)

// SlowLogChunker cuts a slow-log stream into buffers of whole events, so
// that each can be parsed on its own (in parallel) with the same result as
// one pass over the stream. It cuts only before a "# Time:" or
// "# User@Host:" line that follows a line ending in ";", which is always
// the start of an event (see SlowLogParser). Memory is bounded: a chunk
// grows past the target size only while it holds an event that has not
// ended, and never past the maximum event size.
type SlowLogChunker struct {
	r               io.Reader
	chunk, maxEvent int
	off             int64
	carry           []byte
	eof             bool
	err             error
	forcedCuts      int64
	readerBytes     int64
	stats           SlowLogStats
}

// NewSlowLogChunker reads r in chunks of about chunkBytes; an event longer
// than maxEventBytes is cut (and ForcedCuts counts it). Zero or negative
// sizes take the defaults.
func NewSlowLogChunker(r io.Reader, chunkBytes, maxEventBytes int) *SlowLogChunker {
	if chunkBytes <= 0 {
		chunkBytes = DefaultSlowChunkBytes
	}
	if maxEventBytes <= 0 {
		maxEventBytes = DefaultSlowMaxEventBytes
	}
	maxEventBytes = max(maxEventBytes, chunkBytes)
	return &SlowLogChunker{r: r, chunk: chunkBytes, maxEvent: maxEventBytes}
}

// ForcedCuts counts the places where the chunker had to cut without an
// event start: inside an event longer than the maximum, or inside a long
// stretch of text that holds no event at all (which parses the same).
func (c *SlowLogChunker) ForcedCuts() int64 { return c.forcedCuts }

// BytesRead is how many bytes the chunker has read from its reader.
func (c *SlowLogChunker) BytesRead() int64 { return c.readerBytes }

// Stats counts the lines the chunker dropped itself: a line longer than the
// maximum event size, outside any event, is skipped as it streams by
// rather than buffered.
func (c *SlowLogChunker) Stats() SlowLogStats { return c.stats }

// Next returns the next chunk, stored in buf when its capacity allows, and
// the chunk's offset in the stream. After the last chunk it returns io.EOF;
// a read error is returned after the chunk holding what was read before it.
//
// Where no event ends in a full buffer, the chunker grows it if an event
// may have started in it (up to the maximum event size, past which it cuts
// at a line end and counts a forced cut), and otherwise cuts at the last
// line end: lines outside events parse the same however they are grouped.
func (c *SlowLogChunker) Next(buf []byte) ([]byte, int64, error) {
	buf = append(buf[:0], c.carry...)
	c.carry = c.carry[:0]
	target := c.chunk
	for {
		if c.eof {
			if len(buf) == 0 {
				if c.err != nil {
					err := c.err
					c.err = nil
					return nil, c.off, err
				}
				return nil, c.off, io.EOF
			}
			return c.emit(buf, len(buf))
		}
		if len(buf) < target {
			buf = c.fill(buf, target)
			continue
		}
		if cut := lastSlowCut(buf); cut > 0 {
			return c.emit(buf, cut)
		}
		inEvent := slowMayHoldEventStart(buf)
		if inEvent && target < c.maxEvent {
			target = min(target*2, c.maxEvent)
			continue
		}
		if nl := bytes.LastIndexByte(buf, '\n'); nl >= 0 {
			if inEvent {
				c.forcedCuts++
			}
			return c.emit(buf, nl+1)
		}
		// One line longer than the buffer. Up to 64 KiB it is read
		// whole (a banner or a comment in a test's tiny chunks); past
		// that it can only be garbage or a statement over the size
		// limit: drop it as it streams by.
		if len(buf) < 64<<10 && target < c.maxEvent {
			target = min(target*2, c.maxEvent)
			continue
		}
		buf = c.dropLine(buf)
		target = c.chunk
	}
}

// dropLine discards the line buf starts with, reading on to its end, and
// returns what follows it.
func (c *SlowLogChunker) dropLine(buf []byte) []byte {
	dropped := int64(0)
	for {
		if nl := bytes.IndexByte(buf, '\n'); nl >= 0 {
			dropped += int64(nl + 1)
			buf = buf[:copy(buf, buf[nl+1:])]
			break
		}
		dropped += int64(len(buf))
		if c.eof {
			buf = buf[:0]
			break
		}
		buf = c.fill(buf[:0], c.chunk)
	}
	c.off += dropped
	c.stats.SkippedLines++
	c.stats.SkippedBytes += dropped
	return buf
}

// fill reads until buf holds target bytes or the stream ends.
func (c *SlowLogChunker) fill(buf []byte, target int) []byte {
	buf = slices.Grow(buf, target-len(buf))
	for len(buf) < target {
		n, err := c.r.Read(buf[len(buf):target])
		buf = buf[:len(buf)+n]
		c.readerBytes += int64(n)
		if err != nil {
			c.eof = true
			if !errors.Is(err, io.EOF) {
				c.err = fmt.Errorf("read at byte %d: %w", c.readerBytes, err)
			}
			return buf
		}
	}
	return buf
}

func (c *SlowLogChunker) emit(buf []byte, cut int) ([]byte, int64, error) {
	c.carry = append(c.carry, buf[cut:]...)
	off := c.off
	c.off += int64(cut)
	return buf[:cut], off, nil
}

// lastSlowCut is the offset of the last event start in buf that follows a
// line ending in ";" (0 if none).
func lastSlowCut(buf []byte) int {
	end := len(buf)
	for {
		j := bytes.LastIndex(buf[:end], []byte("\n# "))
		if j <= 0 {
			return 0
		}
		end = j
		semi := buf[j-1] == ';' || (j >= 2 && buf[j-1] == '\r' && buf[j-2] == ';')
		if !semi {
			continue
		}
		// The whole line must be in the buffer to be checked.
		nl := bytes.IndexByte(buf[j+1:], '\n')
		if nl < 0 {
			continue
		}
		if slowEventStart(bytes.TrimRight(buf[j+1:j+1+nl], "\r")) {
			return j + 1
		}
	}
}

// slowMayHoldEventStart reports whether buf may hold the start of an event:
// a line that begins like one, even if it is not complete yet.
func slowMayHoldEventStart(buf []byte) bool {
	for _, p := range []string{"# Time:", "# User@Host:"} {
		n := min(len(buf), len(p))
		if string(buf[:n]) == p[:n] {
			return true
		}
	}
	return bytes.Contains(buf, []byte("\n# Time:")) || bytes.Contains(buf, []byte("\n# User@Host:"))
}

// SlowInherit fills in what logs write only when it changes: MySQL writes
// "use db;" when the database differs from the previous event's, and
// MariaDB and MySQL before 5.7 write "# Time:" once per second. Apply it to
// events in log order; it keeps its own copy of the database name.
type SlowInherit struct {
	db []byte
	t  time.Time
}

// Apply sets e's database and time from the events before it when e names
// none, and remembers e's for the events after it.
func (h *SlowInherit) Apply(e *SlowEvent) {
	if e.DBLogged {
		h.db = append(h.db[:0], e.DB...)
	} else if len(h.db) > 0 {
		e.DB = h.db
	}
	if !e.Time.IsZero() {
		h.t = e.Time
	} else {
		e.Time = h.t
	}
}

// Reset forgets everything (a new file starts).
func (h *SlowInherit) Reset() { *h = SlowInherit{db: h.db[:0]} }

// ReadSlowLog parses a whole stream in one goroutine, with inherited
// databases and times applied, and calls fn for each event (whose slices
// are valid until fn returns). Times without a zone are in loc (nil: UTC).
func ReadSlowLog(r io.Reader, loc *time.Location, fn func(*SlowEvent)) (SlowLogStats, error) {
	ch := NewSlowLogChunker(r, 0, 0)
	p := SlowLogParser{Location: loc}
	var inh SlowInherit
	var buf []byte
	cb := func(e *SlowEvent) {
		inh.Apply(e)
		fn(e)
	}
	for {
		chunk, off, err := ch.Next(buf)
		if err != nil {
			p.Stats.Add(ch.Stats())
			if errors.Is(err, io.EOF) {
				return p.Stats, nil
			}
			return p.Stats, err
		}
		p.Parse(chunk, off, cb)
		buf = chunk
	}
}
