package web

import (
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/export"
)

// The query page keeps the rows of its last run in server memory and the
// result grid pages through them as JSON chunks. Re-running the query for
// each page instead would cost the server the whole query again per
// scroll, could show rows that changed in between, and pages by OFFSET
// are neither stable nor cheap. So results are kept, bounded three ways:
// each result set by the row limit the user picks (at most
// queryMaxRowsLimit) and by queryMaxBytes; all kept runs together by a
// memory budget (least recently used runs go first); and a run nobody has
// read for queryKeptIdle is dropped. A page that runs again drops its
// previous run at once.
const (
	// queryDefaultRows is the row limit of a run unless the user raises it.
	queryDefaultRows = 10_000
	// queryMaxRowsLimit is the highest row limit the page offers.
	queryMaxRowsLimit = 1_000_000
	// queryMaxBytes caps each result set's values.
	queryMaxBytes = 256 << 20
	// queryBudget bounds the memory all kept runs take, as accounted by
	// keptSize; queryMaxRuns their number (about one per open query tab).
	queryBudget  = 768 << 20
	queryMaxRuns = 16
	// queryKeptIdle drops a run not read for this long.
	queryKeptIdle = 30 * time.Minute
	// queryCellMax cuts cells in row chunks; the whole value is one
	// request away (up to queryCellFull).
	queryCellMax  = 2 << 10
	queryCellFull = 1 << 20
	// queryChunkMax is the most rows one chunk request returns.
	queryChunkMax = 2000
)

// queryResults holds recent runs' rows for the result grid.
type queryResults struct {
	mu      sync.Mutex
	budget  int64
	maxRuns int
	idle    time.Duration
	now     func() time.Time
	runs    map[string]*keptRun
	used    int64
}

func newQueryResults(budget int64, maxRuns int, idle time.Duration, now func() time.Time) *queryResults {
	return &queryResults{budget: budget, maxRuns: maxRuns, idle: idle, now: now, runs: map[string]*keptRun{}}
}

// setKey names a result set: the statement's 1-based index in the script
// and the set's 0-based index in the statement.
type setKey struct{ stmt, set int }

type keptRun struct {
	profile string
	sets    map[setKey]keptSet
	size    int64
	last    time.Time
}

// keptSet is one result set's columns and rows.
type keptSet struct {
	cols []dba.Column
	rows [][][]byte
}

// keptSize is what a result set's rows take in memory: the values, each
// row's slice of value headers and the row's own header.
func keptSize(rs dba.ResultSet) int64 {
	const header = 24 // a slice header on 64-bit platforms
	n := int64(len(rs.Rows)) * header
	for _, row := range rs.Rows {
		n += int64(len(row)) * header
		for _, v := range row {
			n += int64(len(v))
		}
	}
	return n
}

// errNotKept is a run the workbench no longer holds.
var errNotKept = fmt.Errorf("%w: this result is no longer kept in memory (the workbench keeps the last %d runs, up to %d MiB, for %s); run the query again",
	dba.ErrNotFound, queryMaxRuns, queryBudget>>20, queryKeptIdle)

// put keeps a run's rows and returns its id and the result sets whose rows
// were not kept because the run alone is larger than the budget. prev, a
// run the same page made before, is dropped first.
func (q *queryResults) put(profile, prev string, stmts []dba.StatementResult) (string, map[setKey]bool) {
	run := &keptRun{profile: profile, sets: map[setKey]keptSet{}, last: q.now()}
	dropped := map[setKey]bool{}
	for _, st := range stmts {
		for i, rs := range st.ResultSets {
			k := setKey{st.Index, i}
			size := keptSize(rs)
			if run.size+size > q.budget {
				dropped[k] = true
				continue
			}
			run.size += size
			run.sets[k] = keptSet{cols: rs.Columns, rows: rs.Rows}
		}
	}
	id := randomToken()
	q.mu.Lock()
	defer q.mu.Unlock()
	if r, ok := q.runs[prev]; ok && r.profile == profile {
		q.drop(prev)
	}
	q.sweep()
	for len(q.runs) > 0 && (q.used+run.size > q.budget || len(q.runs) >= q.maxRuns) {
		q.drop(q.oldest())
	}
	q.runs[id] = run
	q.used += run.size
	return id, dropped
}

// forget drops a run a page made before, when its new run kept nothing.
func (q *queryResults) forget(profile, id string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if r, ok := q.runs[id]; ok && r.profile == profile {
		q.drop(id)
	}
}

// get returns a kept result set of a run made on profile.
func (q *queryResults) get(profile, id string, k setKey) (keptSet, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sweep()
	r, ok := q.runs[id]
	if !ok || r.profile != profile {
		return keptSet{}, errNotKept
	}
	s, ok := r.sets[k]
	if !ok {
		return keptSet{}, fmt.Errorf("%w: statement %d has no result set %d kept", dba.ErrNotFound, k.stmt, k.set+1)
	}
	r.last = q.now()
	return s, nil
}

// usage reports the kept runs and their accounted bytes.
func (q *queryResults) usage() (runs int, bytes int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.runs), q.used
}

func (q *queryResults) drop(id string) {
	if r, ok := q.runs[id]; ok {
		q.used -= r.size
		delete(q.runs, id)
	}
}

func (q *queryResults) oldest() string {
	var id string
	var at time.Time
	for k, r := range q.runs {
		if id == "" || r.last.Before(at) {
			id, at = k, r.last
		}
	}
	return id
}

func (q *queryResults) sweep() {
	now := q.now()
	for id, r := range q.runs {
		if now.Sub(r.last) > q.idle {
			q.drop(id)
		}
	}
}

// appendRowsJSON writes rows as a JSON array of arrays for the grid: NULL
// is null, every other value a string as the workbench shows it (binary
// as 0x-hex, BIT as its number, the rest as the server sent it). A value
// longer than cellMax bytes is cut on a character boundary and sent as
// {"v": the start, "n": its full size in bytes}, so one huge cell never
// makes a chunk huge; the grid fetches it whole on demand.
func appendRowsJSON(dst []byte, cols []dba.Column, rows [][][]byte, cellMax int) []byte {
	kinds := make([]dba.ValueKind, len(cols))
	for i, c := range cols {
		kinds[i] = c.Kind()
	}
	var text []byte
	dst = append(dst, '[')
	for i, row := range rows {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '[')
		for j, v := range row {
			if j > 0 {
				dst = append(dst, ',')
			}
			if v == nil {
				dst = append(dst, "null"...)
				continue
			}
			k := dba.KindText
			if j < len(kinds) {
				k = kinds[j]
			}
			text = export.AppendText(text[:0], k, v)
			if len(text) <= cellMax {
				dst = dba.AppendJSONString(dst, text)
				continue
			}
			dst = append(dst, `{"v":`...)
			dst = dba.AppendJSONString(dst, cutUTF8(text, cellMax))
			dst = append(dst, `,"n":`...)
			dst = fmt.Appendf(dst, "%d}", len(text))
		}
		dst = append(dst, ']')
	}
	return append(dst, ']')
}

// cutUTF8 is at most n bytes of s, not splitting a character (invalid
// bytes count as one character each).
func cutUTF8(s []byte, n int) []byte {
	if len(s) <= n {
		return s
	}
	for i := n; i >= 0 && i > n-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i]
		}
	}
	return s[:n]
}

// gridColumn is a column as the grid shows it.
type gridColumn struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
	// Numeric columns are right-aligned.
	Numeric bool `json:"numeric,omitempty"`
}

func gridColumns(cols []dba.Column) []gridColumn {
	out := make([]gridColumn, len(cols))
	for i, c := range cols {
		out[i] = gridColumn{Name: c.Name, Type: columnType(c), Nullable: c.Nullable}
		switch c.Kind() {
		case dba.KindInteger, dba.KindBigInteger, dba.KindDecimal, dba.KindFloat, dba.KindBit:
			out[i].Numeric = true
		}
	}
	return out
}

// columnType is the type shown in a grid header: DECIMAL(10,2),
// DATETIME(6), VARCHAR.
func columnType(c dba.Column) string {
	switch {
	case c.Type == "DECIMAL" && c.Precision > 0:
		return fmt.Sprintf("DECIMAL(%d,%d)", c.Precision, c.Scale)
	case c.Kind() == dba.KindTemporal && c.Scale > 0:
		return fmt.Sprintf("%s(%d)", c.Type, c.Scale)
	}
	return c.Type
}
