package digest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/parse"
	"github.com/mydba/mydba/internal/sqltext"
)

// Input is one slow log to read.
type Input struct {
	// Name labels the file in the report.
	Name string
	// R yields the slow-log text (already decompressed).
	R io.Reader
	// Size is the file size on disk, Compressed whether R decompresses.
	Size       int64
	Compressed bool
}

// slot is one chunk on its way through the pipeline: the reader fills buf,
// a worker parses it into events and fingerprints, the aggregator consumes
// it and returns the slot for reuse. A fixed number of slots bounds memory.
type slot struct {
	seq  int
	file int
	buf  []byte
	off  int64
	// Set by the worker: events (their slices point into buf), and each
	// event's fingerprint as arena[fpEnd[i-1]:fpEnd[i]].
	events []parse.SlowEvent
	arena  []byte
	fpEnd  []int
	stats  parse.SlowLogStats
	// end marks the slot that closes a file (no data).
	end        bool
	readBytes  int64
	forcedCuts int64
	err        error
}

// Run digests the inputs in order. Parsing and fingerprinting run on
// Options.Workers goroutines; a reader cuts each stream into chunks of
// whole events and one aggregator consumes the parsed chunks in log order,
// so the result is the same as one sequential pass. At most 2*workers+2
// chunks are in flight, which bounds memory whatever the input size.
func Run(ctx context.Context, inputs []Input, o Options) (*dba.SlowLogDigest, error) {
	agg := NewAggregator(o)
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	chunkBytes := o.ChunkBytes
	if chunkBytes <= 0 {
		chunkBytes = parse.DefaultSlowChunkBytes
	}
	nslots := 2*workers + 2
	free := make(chan *slot, nslots)
	for range nslots {
		free <- &slot{}
	}
	jobs := make(chan *slot, nslots)
	results := make(chan *slot, nslots)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		readAll(ctx, inputs, o, free, jobs, results)
	}()
	var workersWG sync.WaitGroup
	for range workers {
		workersWG.Add(1)
		go func() {
			defer workersWG.Done()
			p := parse.SlowLogParser{Location: o.Location}
			for s := range jobs {
				parseSlot(&p, s)
				results <- s
			}
		}()
	}
	go func() {
		wg.Wait()
		workersWG.Wait()
		close(results)
	}()

	var err error
	pending := map[int]*slot{}
	next, file := 0, -1
	for s := range results {
		if err != nil || ctx.Err() != nil {
			continue // drain so every goroutine can finish
		}
		pending[s.seq] = s
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if r.file != file {
				file = r.file
				in := inputs[file]
				agg.StartFile(in.Name, in.Size, in.Compressed)
			}
			if e := consume(agg, r, inputs[r.file].Name); e != nil {
				err = e
				cancel()
				break
			}
			recycle(r, chunkBytes)
			free <- r
		}
	}
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return agg.Report(), nil
}

// readAll cuts every input into chunks; end-of-file slots go straight to
// the aggregator.
func readAll(ctx context.Context, inputs []Input, o Options, free <-chan *slot, jobs, results chan<- *slot) {
	seq := 0
	take := func() *slot {
		select {
		case s := <-free:
			return s
		case <-ctx.Done():
			return nil
		}
	}
	for fi, in := range inputs {
		ch := parse.NewSlowLogChunker(in.R, o.ChunkBytes, o.MaxEventBytes)
		for {
			s := take()
			if s == nil {
				return
			}
			buf, off, err := ch.Next(s.buf)
			s.seq, s.file = seq, fi
			seq++
			if err != nil {
				s.end, s.readBytes, s.forcedCuts = true, ch.BytesRead(), ch.ForcedCuts()
				if !errors.Is(err, io.EOF) {
					s.err = err
				}
				results <- s
				break
			}
			s.buf, s.off = buf, off
			select {
			case jobs <- s:
			case <-ctx.Done():
				return
			}
		}
	}
}

func parseSlot(p *parse.SlowLogParser, s *slot) {
	p.Stats = parse.SlowLogStats{}
	s.events = s.events[:0]
	s.arena = s.arena[:0]
	s.fpEnd = s.fpEnd[:0]
	p.Parse(s.buf, s.off, func(e *parse.SlowEvent) {
		s.events = append(s.events, *e)
		s.arena = sqltext.AppendFingerprint(s.arena, bytesString(e.Query))
		s.fpEnd = append(s.fpEnd, len(s.arena))
	})
	s.stats = p.Stats
}

// consume aggregates a parsed chunk, or closes a file.
func consume(agg *Aggregator, s *slot, name string) error {
	if s.end {
		agg.EndFile(s.readBytes, s.forcedCuts)
		if s.err == nil {
			return nil
		}
		if errors.Is(s.err, io.ErrUnexpectedEOF) {
			agg.Note("%s: the compressed stream ends early (a truncated or still-written .gz?): digested the %d bytes before the cut", name, s.readBytes)
			return nil
		}
		return fmt.Errorf("%s: %w", name, s.err)
	}
	agg.AddParseStats(s.stats)
	start := 0
	for i := range s.events {
		agg.Add(&s.events[i], s.arena[start:s.fpEnd[i]])
		start = s.fpEnd[i]
	}
	return nil
}

// recycle empties a slot, dropping buffers an outsized event grew, so one
// huge statement does not pin its memory for the rest of the run.
func recycle(s *slot, chunkBytes int) {
	if cap(s.buf) > 4*chunkBytes {
		s.buf = nil
	}
	if cap(s.arena) > 4*chunkBytes {
		s.arena = nil
	}
	if cap(s.events) > 16<<10 {
		s.events = nil
	}
	clear(s.events[:cap(s.events)]) // drop references into old buffers
	*s = slot{buf: s.buf[:0], events: s.events[:0], arena: s.arena[:0], fpEnd: s.fpEnd[:0]}
}
