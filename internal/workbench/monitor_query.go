package workbench

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/metric"
	"github.com/mydba/mydba/internal/store"
)

// Limits of a series request.
const (
	DefaultSeriesPoints = 600
	MaxSeriesPoints     = 5000
	MaxSeriesRange      = 400 * 24 * time.Hour
)

// SeriesRequest asks for a time range of a connection's history.
type SeriesRequest struct {
	Profile string
	// From and To bound the range; a zero To is now, a zero From is To
	// minus Range.
	From, To time.Time
	Range    time.Duration
	// MaxPoints caps the points per series (default DefaultSeriesPoints):
	// the finest history that covers the range is read and averaged into
	// buckets so that it fits.
	MaxPoints int
	// Names are the series wanted (nil: every series stored).
	Names []string
}

func (m *Monitor) checkSeries(q *SeriesRequest) error {
	if q.To.IsZero() {
		q.To = m.o.Now()
	}
	if q.From.IsZero() {
		if q.Range <= 0 {
			return fmt.Errorf("%w: give a time range", dba.ErrInvalid)
		}
		q.From = q.To.Add(-q.Range)
	}
	if !q.From.Before(q.To) {
		return fmt.Errorf("%w: the range's start (%s) is not before its end (%s)", dba.ErrInvalid, q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
	}
	if q.To.Sub(q.From) > MaxSeriesRange {
		return fmt.Errorf("%w: a range of %s is longer than %d days", dba.ErrInvalid, q.To.Sub(q.From).Round(time.Hour), int(MaxSeriesRange.Hours()/24))
	}
	switch {
	case q.MaxPoints == 0:
		q.MaxPoints = DefaultSeriesPoints
	case q.MaxPoints < 10 || q.MaxPoints > MaxSeriesPoints:
		return fmt.Errorf("%w: points %d: want 10 to %d", dba.ErrInvalid, q.MaxPoints, MaxSeriesPoints)
	}
	known := metric.SeriesNames()
	for _, n := range q.Names {
		if i := sort.SearchStrings(known, n); i == len(known) || known[i] != n {
			hint := ""
			if s := dba.Suggest(n, known); len(s) > 0 {
				hint = fmt.Sprintf(" (did you mean %q?)", s[0])
			}
			return fmt.Errorf("%w: no series %q%s", dba.ErrInvalid, n, hint)
		}
	}
	return nil
}

// pickTier is the finest tier whose retention covers from.
func (m *Monitor) pickTier(from, now time.Time) int {
	for _, tier := range []int{store.TierRaw, store.TierMinute} {
		// A minute of slack: the range is usually "the last hour".
		if !from.Before(now.Add(-m.keep.Keep(tier) - time.Minute)) {
			return tier
		}
	}
	return store.TierHour
}

func (m *Monitor) tierStep(tier int) time.Duration {
	if tier == store.TierRaw {
		return m.o.Interval
	}
	return store.TierStep(tier)
}

// Series reads a range of a connection's history for charts: the finest
// tier that still covers the range (raw samples for the last hour,
// one-minute rollups for a week, one-hour rollups beyond), its newest part
// completed from the tier below (rollups lag their bucket), the samples
// still held in memory, and the annotations of the range; averaged into at
// most MaxPoints points per series, with a gap (NaN) where no sample was
// taken. It reads the state store only.
func (m *Monitor) Series(ctx context.Context, q SeriesRequest) (dba.SeriesSet, error) {
	if err := m.checkSeries(&q); err != nil {
		return dba.SeriesSet{}, err
	}
	if _, err := m.w.Profile(ctx, q.Profile); err != nil {
		return dba.SeriesSet{}, err
	}
	tier := m.pickTier(q.From, m.o.Now())
	set := dba.SeriesSet{Profile: q.Profile, From: q.From, To: q.To, Tier: store.TierName(tier), Series: map[string]dba.Points{}, Events: []dba.MonitorEvent{}}
	rows, err := m.rows(ctx, q, tier)
	if err != nil {
		// The store cannot be read: what memory holds is still shown.
		set.Notes = append(set.Notes, "the history could not be read ("+err.Error()+"); showing the samples held in memory")
		rows = m.pendingRows(q)
	}
	step := m.tierStep(tier)
	if need := q.To.Sub(q.From) / time.Duration(q.MaxPoints); need > step {
		step *= (need + step - 1) / step
		rows = store.Bucket(rows, step)
	}
	set.Step = step
	names := q.Names
	if names == nil {
		seen := map[string]bool{}
		for _, r := range rows {
			for k := range r.Values {
				if !seen[k] {
					seen[k] = true
					names = append(names, k)
				}
			}
		}
		sort.Strings(names)
	}
	set.Times = make([]float64, 0, len(rows)+8)
	for _, n := range names {
		set.Series[n] = make(dba.Points, 0, len(rows)+8)
	}
	add := func(at time.Time, r *store.MonitorRow) {
		set.Times = append(set.Times, float64(at.UnixMilli())/1000)
		for _, n := range names {
			v := math.NaN()
			if r != nil {
				if a, ok := r.Values[n]; ok {
					v = a.Avg
				}
			}
			set.Series[n] = append(set.Series[n], v)
		}
	}
	for i := range rows {
		// A hole of more than two and a half steps is drawn as a gap,
		// not as a line across it.
		if i > 0 && rows[i].At.Sub(rows[i-1].At) > step*5/2 {
			add(rows[i-1].At.Add(step), nil)
		}
		add(rows[i].At, &rows[i])
	}
	set.Events = m.events(ctx, q, &set.Notes)
	if e := m.StoreError(); e != "" {
		set.Notes = append(set.Notes, e)
	}
	return set, nil
}

// rows reads tier's rows of the range and completes the part the tier
// does not have yet from the tier below, down to the samples in memory.
func (m *Monitor) rows(ctx context.Context, q SeriesRequest, tier int) ([]store.MonitorRow, error) {
	rows, err := m.st.MonitorRows(ctx, store.MonitorQuery{Profile: q.Profile, Tier: tier, From: q.From, To: q.To, Names: q.Names})
	if err != nil {
		return nil, err
	}
	step := m.tierStep(tier)
	from := q.From
	if len(rows) > 0 {
		from = rows[len(rows)-1].At.Add(max(step, time.Millisecond))
	}
	if !from.Before(q.To) {
		return rows, nil
	}
	if tier == store.TierRaw {
		for _, r := range m.pendingRows(SeriesRequest{Profile: q.Profile, From: from, To: q.To, Names: q.Names}) {
			if len(rows) == 0 || r.At.After(rows[len(rows)-1].At) {
				rows = append(rows, r)
			}
		}
		return rows, nil
	}
	sub := q
	sub.From = from
	finer, err := m.rows(ctx, sub, tier-1)
	if err != nil {
		return nil, err
	}
	return append(rows, store.Bucket(finer, step)...), nil
}

// pendingRows are the samples held in memory (not yet written, or kept
// while the store fails) within the range.
func (m *Monitor) pendingRows(q SeriesRequest) []store.MonitorRow {
	t, ok := m.target(q.Profile)
	if !ok {
		return nil
	}
	var want map[string]bool
	if q.Names != nil {
		want = map[string]bool{}
		for _, n := range q.Names {
			want[n] = true
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []store.MonitorRow
	for _, s := range t.pending {
		if s.At.Before(q.From) || s.At.After(q.To) {
			continue
		}
		r := store.MonitorRow{At: s.At, N: 1, Values: make(map[string]store.Agg, len(s.Values))}
		for k, v := range s.Values {
			if want == nil || want[k] {
				r.Values[k] = store.Agg{Avg: v, Min: v, Max: v, N: 1}
			}
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// events are the stored and held annotations of the range.
func (m *Monitor) events(ctx context.Context, q SeriesRequest, notes *[]string) []dba.MonitorEvent {
	out, err := m.st.MonitorEvents(ctx, q.Profile, q.From, q.To, 0)
	if err != nil {
		*notes = append(*notes, "annotations could not be read: "+err.Error())
		out = []dba.MonitorEvent{}
	}
	if t, ok := m.target(q.Profile); ok {
		t.mu.Lock()
		for _, e := range t.pendingEvents {
			if !e.At.Before(q.From) && !e.At.After(q.To) {
				out = append(out, e)
			}
		}
		t.mu.Unlock()
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// ParseSeriesNames splits a comma-separated list of series names.
func ParseSeriesNames(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
