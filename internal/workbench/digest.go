package workbench

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/digest"
)

// SlowLogRequest asks for a digest of slow query logs.
type SlowLogRequest struct {
	// Paths are slow-log files, plain or gzip-compressed (recognised by
	// content, not name); "-" reads Stdin.
	Paths []string
	Stdin io.Reader
	// Since and Until keep events in [Since, Until): RFC 3339, a date and
	// time in Location, or a duration back from Now ("24h", "7d").
	Since, Until string
	// Filters are --filter conditions, all of which must match (see
	// digest.Filter).
	Filters []string
	// Top is how many classes to report in full (0: all).
	Top int
	// Workers parse in parallel (default: every CPU).
	Workers int
	// Location is the zone of times written without one: log lines of
	// MariaDB and MySQL before 5.7, and --since/--until. Default time.Local.
	Location *time.Location
	// Now is the clock for relative times (default time.Now).
	Now func() time.Time
	// Progress, if set, is called as input is read with the bytes read
	// and the total size of the files (0 when unknown, as for stdin).
	Progress func(done, total int64)
}

// DigestSlowLogs groups the events of slow query logs by fingerprint
// (`mydba digest`). It reads files only: no connection and no state
// directory are needed, so it is a function, not a Workbench method. Every
// file is checked before any is read, so a typo fails fast; a file that
// holds no slow-log events at all is an error rather than an empty report.
func DigestSlowLogs(ctx context.Context, req SlowLogRequest) (*dba.SlowLogDigest, error) {
	o, err := slowLogDigestOptions(req)
	if err != nil {
		return nil, err
	}
	if len(req.Paths) == 0 {
		return nil, fmt.Errorf("%w: give at least one slow log file (or - for standard input)", dba.ErrInvalid)
	}
	var total int64
	var done atomic.Int64
	progress := func(n int) {
		if req.Progress != nil {
			req.Progress(done.Add(int64(n)), total)
		}
	}
	inputs := make([]digest.Input, 0, len(req.Paths))
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	stdinUsed := false
	for _, p := range req.Paths {
		in, c, err := openSlowLog(p, req.Stdin, &stdinUsed)
		if err != nil {
			return nil, err
		}
		if c != nil {
			closers = append(closers, c)
		}
		total += in.Size
		inputs = append(inputs, in)
	}
	for i := range inputs {
		in := &inputs[i]
		r, compressed, err := decompressSlowLog(in.Name, &slowLogCounter{r: in.R, add: progress})
		if err != nil {
			return nil, err
		}
		in.R, in.Compressed = r, compressed
	}
	d, err := digest.Run(ctx, inputs, o)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("digest: %w", ctx.Err())
		}
		return nil, err
	}
	if d.EventsRead == 0 {
		var read int64
		for _, f := range d.Files {
			read += f.Read
		}
		if read > 0 {
			return nil, fmt.Errorf("%w: no slow query log events in %s (%d bytes read, %d lines skipped): is it a slow query log? (MySQL/MariaDB/Percona slow_query_log_file)",
				dba.ErrInvalid, strings.Join(req.Paths, ", "), read, d.Skipped.Lines)
		}
		d.Notes = append(d.Notes, "no events: the input is empty")
	}
	return d, nil
}

func slowLogDigestOptions(req SlowLogRequest) (digest.Options, error) {
	loc := req.Location
	if loc == nil {
		loc = time.Local
	}
	now := time.Now
	if req.Now != nil {
		now = req.Now
	}
	o := digest.Options{Top: req.Top, Workers: req.Workers, Location: loc}
	if req.Top < 0 {
		return o, fmt.Errorf("%w: --top must be 0 (all) or more", dba.ErrInvalid)
	}
	var err error
	if req.Since != "" {
		if o.Since, err = digest.ParseTime(req.Since, now(), loc); err != nil {
			return o, fmt.Errorf("--since: %w", err)
		}
	}
	if req.Until != "" {
		if o.Until, err = digest.ParseTime(req.Until, now(), loc); err != nil {
			return o, fmt.Errorf("--until: %w", err)
		}
	}
	if !o.Since.IsZero() && !o.Until.IsZero() && !o.Since.Before(o.Until) {
		return o, fmt.Errorf("%w: --since (%s) must be before --until (%s)", dba.ErrInvalid, o.Since.Format(time.RFC3339), o.Until.Format(time.RFC3339))
	}
	for _, f := range req.Filters {
		flt, err := digest.ParseFilter(f)
		if err != nil {
			return o, err
		}
		o.Filters = append(o.Filters, flt)
	}
	return o, nil
}

// openSlowLog opens one input and says clearly what is wrong with it.
func openSlowLog(path string, stdin io.Reader, stdinUsed *bool) (digest.Input, io.Closer, error) {
	if path == "-" {
		if stdin == nil || *stdinUsed {
			return digest.Input{}, nil, fmt.Errorf("%w: - (standard input) can be given once", dba.ErrInvalid)
		}
		*stdinUsed = true
		return digest.Input{Name: "-", R: stdin}, nil, nil
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return digest.Input{}, nil, fmt.Errorf("%w: slow log %s does not exist", dba.ErrNotFound, path)
	case err != nil:
		return digest.Input{}, nil, fmt.Errorf("slow log %s: %w", path, err)
	case st.IsDir():
		return digest.Input{}, nil, fmt.Errorf("%w: %s is a directory; give the slow log file in it (see slow_query_log_file)", dba.ErrInvalid, path)
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrPermission) {
		return digest.Input{}, nil, fmt.Errorf("cannot read slow log %s: permission denied (the server's files are often readable only by mysql: use sudo, or copy the file)", path)
	}
	if err != nil {
		return digest.Input{}, nil, fmt.Errorf("slow log %s: %w", path, err)
	}
	return digest.Input{Name: path, R: f, Size: st.Size()}, f, nil
}

// decompressSlowLog recognises compressed input by its first bytes: gzip is
// read as a stream; other formats get a clear message instead of a
// report full of skipped binary lines.
func decompressSlowLog(name string, r io.Reader) (io.Reader, bool, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(6)
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, false, fmt.Errorf("%w: %s: not a valid gzip file: %w", dba.ErrInvalid, name, err)
		}
		return z, true, nil
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return nil, false, fmt.Errorf("%w: %s is zstd-compressed; only gzip is read directly: zstd -dc %s | mydba digest -", dba.ErrInvalid, name, name)
	case bytes.HasPrefix(head, []byte("BZh")):
		return nil, false, fmt.Errorf("%w: %s is bzip2-compressed; only gzip is read directly: bzip2 -dc %s | mydba digest -", dba.ErrInvalid, name, name)
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return nil, false, fmt.Errorf("%w: %s is xz-compressed; only gzip is read directly: xz -dc %s | mydba digest -", dba.ErrInvalid, name, name)
	}
	return br, false, nil
}

// slowLogCounter reports how much of a file has been read.
type slowLogCounter struct {
	r   io.Reader
	add func(int)
}

func (c *slowLogCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.add(n)
	}
	return n, err
}
