package digest

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/parse"
	"github.com/mydba/mydba/internal/sqltext"
)

// Defaults for Options.
const (
	// DefaultMaxClasses bounds memory on logs with endless distinct
	// fingerprints (a class costs about 1-3 KB plus its sample).
	DefaultMaxClasses = 50_000
	// DefaultMaxSampleBytes bounds each class's kept statement.
	DefaultMaxSampleBytes = 64 << 10
	// maxValues is how many distinct databases, users and hosts a class
	// counts one by one.
	maxValues = 16
)

// Options select and shape a digest. The zero value aggregates everything.
type Options struct {
	// Since and Until keep events with Since <= time < Until (zero: open).
	// Events without any time (none of their own and none before them)
	// are kept, as pt-query-digest keeps them.
	Since, Until time.Time
	// Filters must all match (see Filter).
	Filters []Filter
	// Top limits the classes reported in full (0: all).
	Top int
	// MaxClasses and MaxSampleBytes bound memory (defaults above).
	MaxClasses     int
	MaxSampleBytes int
	// Workers parse in parallel (default GOMAXPROCS).
	Workers int
	// ChunkBytes and MaxEventBytes size the chunks (parse defaults).
	ChunkBytes, MaxEventBytes int
	// Location is the zone of "# Time:" lines without one (default UTC).
	Location *time.Location
}

// Aggregator groups events into classes, in log order. Run feeds it from
// parallel workers; tests and small inputs can call Add directly.
type Aggregator struct {
	o       Options
	classes map[string]*class
	global  stats
	over    int64
	read    int64
	inh     parse.SlowInherit
	files   []dba.SlowLogFile
	notes   []string
	fp      []byte
}

// NewAggregator prepares an aggregation.
func NewAggregator(o Options) *Aggregator {
	if o.MaxClasses <= 0 {
		o.MaxClasses = DefaultMaxClasses
	}
	if o.MaxSampleBytes <= 0 {
		o.MaxSampleBytes = DefaultMaxSampleBytes
	}
	return &Aggregator{o: o, classes: map[string]*class{}}
}

// StartFile begins a new input: databases and times are not inherited
// across files.
func (a *Aggregator) StartFile(name string, size int64, compressed bool) {
	a.files = append(a.files, dba.SlowLogFile{Name: name, Bytes: size, Compressed: compressed})
	a.inh.Reset()
}

// AddParseStats adds what the parser skipped in the current file.
func (a *Aggregator) AddParseStats(st parse.SlowLogStats) {
	f := a.file()
	f.Skipped.Lines += st.SkippedLines
	f.Skipped.Bytes += st.SkippedBytes
	f.Skipped.Incomplete += st.Incomplete
}

// EndFile closes the current file: how much text it held and how many
// events the chunker had to cut, and notes for what went wrong in it.
func (a *Aggregator) EndFile(readBytes, forcedCuts int64) {
	f := a.file()
	f.Read = readBytes
	f.Skipped.ForcedCuts = forcedCuts
	name := f.Name
	if f.Events == 0 && f.Read > 0 {
		a.Note("%s: no slow-log events in %d bytes: is it a slow query log?", name, f.Read)
	}
	if f.Skipped.Lines > 0 {
		a.Note("%s: skipped %s (%d bytes) outside any event: binary garbage or text that is not a slow log", name, plural(f.Skipped.Lines, "line"), f.Skipped.Bytes)
	}
	if f.Skipped.Incomplete > 0 {
		a.Note("%s: %s with headers but no statement (truncated file, garbage or a server restart)", name, plural(f.Skipped.Incomplete, "event"))
	}
	if forcedCuts > 0 {
		a.Note("%s: %s longer than the event size limit cut", name, plural(forcedCuts, "statement"))
	}
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func (a *Aggregator) file() *dba.SlowLogFile {
	if len(a.files) == 0 {
		a.StartFile("", 0, false)
	}
	return &a.files[len(a.files)-1]
}

// Note adds a warning to the report.
func (a *Aggregator) Note(format string, args ...any) {
	a.notes = append(a.notes, fmt.Sprintf(format, args...))
}

// Add aggregates one event (in log order). fp is its fingerprint, or nil to
// compute it here.
func (a *Aggregator) Add(e *parse.SlowEvent, fp []byte) {
	a.inh.Apply(e)
	a.read++
	a.file().Events++
	if !e.Time.IsZero() {
		if !a.o.Since.IsZero() && e.Time.Before(a.o.Since) {
			return
		}
		if !a.o.Until.IsZero() && !e.Time.Before(a.o.Until) {
			return
		}
	}
	if fp == nil {
		a.fp = sqltext.AppendFingerprint(a.fp[:0], bytesString(e.Query))
		fp = a.fp
	}
	for i := range a.o.Filters {
		if !a.o.Filters[i].match(e, fp) {
			return
		}
	}
	a.global.add(e)
	c := a.classes[string(fp)]
	if c == nil {
		if len(a.classes) >= a.o.MaxClasses {
			a.over++
			return
		}
		c = &class{fp: string(fp)}
		a.classes[c.fp] = c
	}
	c.add(e, a.o.MaxSampleBytes, a.fileName())
}

func (a *Aggregator) fileName() string {
	if len(a.files) == 0 {
		return ""
	}
	return a.files[len(a.files)-1].Name
}

// class is the events of one fingerprint.
type class struct {
	fp                string
	s                 stats
	dbs, users, hosts values
	sample            sample
}

func (c *class) add(e *parse.SlowEvent, maxSample int, file string) {
	c.s.add(e)
	c.dbs.add(e.DB)
	c.users.add(e.User)
	c.hosts.add(e.Host)
	qt, _ := e.Value(parse.SlowQueryTime)
	if c.s.count == 1 || qt > c.sample.queryTime {
		c.sample.set(e, qt, maxSample, file)
	}
}

// stats are the metrics of a set of events. Attribute statistics live in
// a slice holding only the attributes seen, indexed through slot, so a
// class costs what its log format logs.
type stats struct {
	count       int64
	slot        [parse.NumSlowAttrs]int8
	attrs       []attrStat
	qtSumSq     float64
	qtHist      hist
	first, last time.Time
}

type attrStat struct {
	attr          parse.SlowAttr
	n             int64
	sum, min, max float64
}

func (s *stats) add(e *parse.SlowEvent) {
	s.count++
	for m := e.AttrMask(); m != 0; m &= m - 1 {
		a := parse.SlowAttr(bits.TrailingZeros64(m))
		v, _ := e.Value(a)
		i := int(s.slot[a]) - 1
		if i < 0 {
			s.attrs = append(s.attrs, attrStat{attr: a, min: v, max: v})
			i = len(s.attrs) - 1
			s.slot[a] = int8(i + 1)
		}
		st := &s.attrs[i]
		st.n++
		// Saturate instead of wrapping: MariaDB sometimes logs an
		// underflowed Bytes_sent of 2^64 - n.
		st.sum = math.Min(st.sum+v, math.MaxFloat64)
		st.min = math.Min(st.min, v)
		st.max = math.Max(st.max, v)
	}
	if qt, ok := e.Value(parse.SlowQueryTime); ok {
		s.qtSumSq += qt * qt
		s.qtHist.add(qt)
	}
	if t := e.Time; !t.IsZero() {
		if s.first.IsZero() || t.Before(s.first) {
			s.first = t
		}
		if t.After(s.last) {
			s.last = t
		}
	}
}

func (s *stats) get(a parse.SlowAttr) (attrStat, bool) {
	i := int(s.slot[a]) - 1
	if i < 0 {
		return attrStat{}, false
	}
	return s.attrs[i], true
}

// values counts events per database, user or host.
type values struct {
	v     []dba.SlowLogValue
	other int64
}

func (vs *values) add(b []byte) {
	if len(b) == 0 {
		return
	}
	for i := range vs.v {
		if vs.v[i].Value == string(b) {
			vs.v[i].Count++
			return
		}
	}
	if len(vs.v) < maxValues {
		vs.v = append(vs.v, dba.SlowLogValue{Value: string(b), Count: 1})
		return
	}
	vs.other++
}

func (vs *values) sorted() []dba.SlowLogValue {
	out := slices.Clone(vs.v)
	slices.SortStableFunc(out, func(x, y dba.SlowLogValue) int { return cmp.Compare(y.Count, x.Count) })
	return out
}

// sample is a copy of one event.
type sample struct {
	query, db, user, host []byte
	explain               string
	truncated             bool
	t                     time.Time
	threadID              uint64
	queryTime, lockTime   float64
	rowsSent, rowsExam    float64
	hasSent, hasExam      bool
	file                  string
	offset                int64
}

func (s *sample) set(e *parse.SlowEvent, qt float64, maxBytes int, file string) {
	q := e.Query
	s.truncated = len(q) > maxBytes
	if s.truncated {
		q = q[:maxBytes]
	}
	s.query = append(s.query[:0], q...)
	s.db = append(s.db[:0], e.DB...)
	s.user = append(s.user[:0], e.User...)
	s.host = append(s.host[:0], e.Host...)
	s.explain = ""
	if len(e.Explain) > 0 && len(e.Explain) <= maxBytes {
		s.explain = e.ExplainText()
	}
	s.t = e.Time
	s.threadID = e.ThreadID
	s.queryTime = qt
	s.lockTime, _ = e.Value(parse.SlowLockTime)
	s.rowsSent, s.hasSent = e.Value(parse.SlowRowsSent)
	s.rowsExam, s.hasExam = e.Value(parse.SlowRowsExamined)
	s.file = file
	s.offset = e.Offset
}

// Report builds the digest: classes ranked by total query time (then
// count, then fingerprint, so equal inputs give equal reports).
func (a *Aggregator) Report() *dba.SlowLogDigest {
	d := &dba.SlowLogDigest{
		Files:      slices.Clone(a.files),
		EventsRead: a.read,
		Events:     a.global.count,
		ClassCount: len(a.classes),
		Top:        a.o.Top,
		Totals:     a.global.metrics(),
		Overflow:   dba.SlowLogOverflow{Limit: a.o.MaxClasses, Events: a.over},
		Notes:      slices.Clone(a.notes),
	}
	if d.Files == nil {
		d.Files = []dba.SlowLogFile{}
	}
	for _, f := range a.files {
		d.Skipped.Lines += f.Skipped.Lines
		d.Skipped.Bytes += f.Skipped.Bytes
		d.Skipped.Incomplete += f.Skipped.Incomplete
		d.Skipped.ForcedCuts += f.Skipped.ForcedCuts
	}
	if !a.o.Since.IsZero() {
		t := a.o.Since
		d.Since = &t
	}
	if !a.o.Until.IsZero() {
		t := a.o.Until
		d.Until = &t
	}
	for _, f := range a.o.Filters {
		d.Filters = append(d.Filters, f.String())
	}
	d.FirstSeen, d.LastSeen = timePtr(a.global.first), timePtr(a.global.last)
	if a.over > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("class limit of %d reached: %d events of later new fingerprints are in the totals but in no class", a.o.MaxClasses, a.over))
	}

	ranked := make([]*class, 0, len(a.classes))
	for _, c := range a.classes {
		ranked = append(ranked, c)
	}
	qtSum := func(c *class) float64 { s, _ := c.s.get(parse.SlowQueryTime); return s.sum }
	slices.SortFunc(ranked, func(x, y *class) int {
		if c := cmp.Compare(qtSum(y), qtSum(x)); c != 0 {
			return c
		}
		if c := cmp.Compare(y.s.count, x.s.count); c != 0 {
			return c
		}
		return cmp.Compare(x.fp, y.fp)
	})
	if a.o.Top > 0 && len(ranked) > a.o.Top {
		ranked = ranked[:a.o.Top]
	}
	total, _ := a.global.get(parse.SlowQueryTime)
	d.Classes = make([]dba.SlowLogClass, 0, len(ranked))
	for i, c := range ranked {
		d.Classes = append(d.Classes, c.report(i+1, total.sum))
	}
	return d
}

func (c *class) report(rank int, totalTime float64) dba.SlowLogClass {
	m := c.s.metrics()
	out := dba.SlowLogClass{
		Rank:           rank,
		ID:             sqltext.ID(c.fp),
		Fingerprint:    c.fp,
		SlowLogMetrics: m,
		FirstSeen:      timePtr(c.s.first),
		LastSeen:       timePtr(c.s.last),
		Databases:      c.dbs.sorted(),
		DatabasesOther: c.dbs.other,
		Users:          c.users.sorted(),
		UsersOther:     c.users.other,
		Hosts:          c.hosts.sorted(),
		HostsOther:     c.hosts.other,
	}
	if totalTime > 0 {
		out.ResponseShare = m.QueryTime.Sum / totalTime
	}
	if n := float64(c.s.count); n > 0 && m.QueryTime.Avg > 0 {
		variance := max(c.s.qtSumSq/n-m.QueryTime.Avg*m.QueryTime.Avg, 0)
		out.VarianceToMean = variance / m.QueryTime.Avg
	}
	s := &c.sample
	out.Sample = dba.SlowLogSample{
		Query:     string(s.query),
		Truncated: s.truncated,
		Time:      timePtr(s.t),
		DB:        string(s.db),
		User:      string(s.user),
		Host:      string(s.host),
		ThreadID:  s.threadID,
		QueryTime: s.queryTime,
		LockTime:  s.lockTime,
		File:      s.file,
		Offset:    s.offset,
		Explain:   s.explain,
	}
	if s.hasSent {
		v := s.rowsSent
		out.Sample.RowsSent = &v
	}
	if s.hasExam {
		v := s.rowsExam
		out.Sample.RowsExamined = &v
	}
	return out
}

func (s *stats) metrics() dba.SlowLogMetrics {
	m := dba.SlowLogMetrics{Count: s.count}
	for _, st := range s.attrs {
		v := dba.SlowLogStat{Events: st.n, Sum: st.sum, Min: st.min, Max: st.max}
		if st.n > 0 {
			v.Avg = st.sum / float64(st.n)
		}
		switch st.attr {
		case parse.SlowQueryTime:
			p := s.qtHist.p95(st.n, st.min, st.max)
			v.P95 = &p
			m.QueryTime = v
		case parse.SlowLockTime:
			m.LockTime = v
		case parse.SlowRowsSent:
			m.RowsSent = &v
		case parse.SlowRowsExamined:
			m.RowsExamined = &v
		case parse.SlowRowsAffected:
			m.RowsAffected = &v
		case parse.SlowBytesSent:
			m.BytesSent = &v
		default:
			if m.Attributes == nil {
				m.Attributes = map[string]dba.SlowLogStat{}
			}
			m.Attributes[st.attr.String()] = v
		}
	}
	return m
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
