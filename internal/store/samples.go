package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// Monitor history tiers (see migrations/0005_samples.sql).
const (
	TierRaw    = 0
	TierMinute = 1
	TierHour   = 2
)

// TierStep is the time one row of a rollup tier stands for; the raw tier's
// step is the sampling interval, not known here (0).
func TierStep(tier int) time.Duration {
	switch tier {
	case TierMinute:
		return time.Minute
	case TierHour:
		return time.Hour
	}
	return 0
}

// TierName is the tier's label in answers: "raw", "1m", "1h".
func TierName(tier int) string {
	switch tier {
	case TierMinute:
		return "1m"
	case TierHour:
		return "1h"
	}
	return "raw"
}

// MonitorRetention bounds the monitoring history: rows of each tier older
// than its age are pruned, and when the history's rows take more than
// MaxBytes the oldest go first.
type MonitorRetention struct {
	Raw, Minute, Hour time.Duration
	MaxBytes          int64
}

// Defaults of MonitorRetention.
const (
	DefaultRawRetention    = time.Hour
	DefaultMinuteRetention = 7 * 24 * time.Hour
	DefaultHourRetention   = 90 * 24 * time.Hour
	DefaultMonitorMaxBytes = 512 << 20
)

// Keep is the age of a tier's rows.
func (r MonitorRetention) Keep(tier int) time.Duration {
	switch tier {
	case TierMinute:
		return r.Minute
	case TierHour:
		return r.Hour
	}
	return r.Raw
}

// WithDefaults fills zero fields.
func (r MonitorRetention) WithDefaults() MonitorRetention {
	if r.Raw <= 0 {
		r.Raw = DefaultRawRetention
	}
	if r.Minute <= 0 {
		r.Minute = DefaultMinuteRetention
	}
	if r.Hour <= 0 {
		r.Hour = DefaultHourRetention
	}
	if r.MaxBytes <= 0 {
		r.MaxBytes = DefaultMonitorMaxBytes
	}
	return r
}

// Agg is one series in one row: for a raw sample the value itself (N 1,
// Min = Max = Avg); for a rollup the mean, extremes and how many samples
// had the series.
type Agg struct {
	Avg, Min, Max float64
	N             int64
}

// Merge combines two aggregates of disjoint samples.
func (a Agg) Merge(b Agg) Agg {
	if a.N == 0 {
		return b
	}
	if b.N == 0 {
		return a
	}
	n := a.N + b.N
	return Agg{
		Avg: (a.Avg*float64(a.N) + b.Avg*float64(b.N)) / float64(n),
		Min: math.Min(a.Min, b.Min), Max: math.Max(a.Max, b.Max), N: n,
	}
}

// MonitorRow is one row of the history: a sample (raw tier) or a bucket.
type MonitorRow struct {
	At time.Time
	// N is the number of raw samples the row stands for.
	N      int64
	Values map[string]Agg
}

// Encoding of monitor_samples.data. A raw row is the byte 1 followed, per
// series, by the series id (uvarint) and the value (float64, little
// endian). A rollup row is the byte 2 followed, per series, by the id, the
// count (uvarint), the average (float64) and the minimum and maximum
// (float32: extremes need no more digits, and 45 series then fit in one
// SQLite page without an overflow page per row, which keeps a day's chart
// fast). Series absent from a sample are not written: absence is "no
// value", never zero.
const (
	encRaw    = 1
	encRollup = 2
)

func encodeRow(tier int, ids map[string]int64, values map[string]Agg) []byte {
	b := make([]byte, 0, 1+len(values)*28)
	if tier == TierRaw {
		b = append(b, encRaw)
	} else {
		b = append(b, encRollup)
	}
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := values[k]
		if math.IsNaN(v.Avg) || math.IsInf(v.Avg, 0) {
			continue
		}
		b = binary.AppendUvarint(b, uint64(ids[k]))
		if tier == TierRaw {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Avg))
			continue
		}
		b = binary.AppendUvarint(b, uint64(max(v.N, 1)))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Avg))
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(v.Min)))
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(v.Max)))
	}
	return b
}

// decodeRow reads data into values, keeping only series whose id is in
// want (nil: all), named by names.
func decodeRow(data []byte, names map[int64]string, want map[int64]bool, into map[string]Agg) error {
	if len(data) == 0 {
		return errors.New("empty sample")
	}
	kind, b := data[0], data[1:]
	for len(b) > 0 {
		id, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("bad series id")
		}
		b = b[n:]
		var a Agg
		switch kind {
		case encRaw:
			if len(b) < 8 {
				return errors.New("short value")
			}
			v := math.Float64frombits(binary.LittleEndian.Uint64(b))
			a, b = Agg{Avg: v, Min: v, Max: v, N: 1}, b[8:]
		case encRollup:
			cnt, n := binary.Uvarint(b)
			if n <= 0 || len(b[n:]) < 16 {
				return errors.New("short rollup")
			}
			b = b[n:]
			a = Agg{N: int64(cnt),
				Avg: math.Float64frombits(binary.LittleEndian.Uint64(b)),
				Min: float64(math.Float32frombits(binary.LittleEndian.Uint32(b[8:]))),
				Max: float64(math.Float32frombits(binary.LittleEndian.Uint32(b[12:])))}
			b = b[16:]
		default:
			return fmt.Errorf("unknown sample encoding %d", kind)
		}
		if want != nil && !want[int64(id)] {
			continue
		}
		if name, ok := names[int64(id)]; ok {
			into[name] = a
		}
	}
	return nil
}

// seriesIDs numbers names (adding new ones) and returns the whole map.
func seriesIDs(ctx context.Context, tx *sql.Tx, names map[string]bool) (map[string]int64, error) {
	ids, err := loadSeries(ctx, tx)
	if err != nil {
		return nil, err
	}
	for n := range names {
		if _, ok := ids[n]; ok {
			continue
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO monitor_series(name) VALUES (?)", n)
		if err != nil {
			return nil, err
		}
		if ids[n], err = res.LastInsertId(); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func loadSeries(ctx context.Context, q querier) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, name FROM monitor_series")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := map[string]int64{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		ids[name] = id
	}
	return ids, rows.Err()
}

// AddMonitorSamples stores raw samples of a profile in one transaction. A
// sample at a time already stored replaces it.
func (s *Store) AddMonitorSamples(ctx context.Context, profile string, samples []dba.MonitorSample) error {
	if len(samples) == 0 {
		return nil
	}
	rows := make([]MonitorRow, len(samples))
	for i, sm := range samples {
		vals := make(map[string]Agg, len(sm.Values))
		for k, v := range sm.Values {
			vals[k] = Agg{Avg: v, Min: v, Max: v, N: 1}
		}
		rows[i] = MonitorRow{At: sm.At, N: 1, Values: vals}
	}
	return s.putMonitorRows(ctx, profile, TierRaw, rows)
}

func (s *Store) putMonitorRows(ctx context.Context, profile string, tier int, rows []MonitorRow) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.classify("store monitor samples", err)
	}
	defer tx.Rollback()
	names := map[string]bool{}
	for _, r := range rows {
		for k := range r.Values {
			names[k] = true
		}
	}
	ids, err := seriesIDs(ctx, tx, names)
	if err != nil {
		return s.classify("store monitor samples", err)
	}
	ins, err := tx.PrepareContext(ctx, "INSERT OR REPLACE INTO monitor_samples(profile, tier, ts, n, data) VALUES (?,?,?,?,?)")
	if err != nil {
		return s.classify("store monitor samples", err)
	}
	defer ins.Close()
	for _, r := range rows {
		if _, err := ins.ExecContext(ctx, profile, tier, r.At.UnixMilli(), max(r.N, 1), encodeRow(tier, ids, r.Values)); err != nil {
			return s.classify("store monitor samples", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.classify("store monitor samples", err)
	}
	return nil
}

// MonitorQuery selects rows of one profile and tier in [From, To].
type MonitorQuery struct {
	Profile  string
	Tier     int
	From, To time.Time
	// Names are the series wanted; nil means all.
	Names []string
}

// MonitorRows reads the rows of q, oldest first.
func (s *Store) MonitorRows(ctx context.Context, q MonitorQuery) ([]MonitorRow, error) {
	ids, err := loadSeries(ctx, s.db)
	if err != nil {
		return nil, s.classify("read monitor samples", err)
	}
	names := make(map[int64]string, len(ids))
	for n, id := range ids {
		names[id] = n
	}
	var want map[int64]bool
	if q.Names != nil {
		want = map[int64]bool{}
		for _, n := range q.Names {
			if id, ok := ids[n]; ok {
				want[id] = true
			}
		}
	}
	rows, err := s.db.QueryContext(ctx, "SELECT ts, n, data FROM monitor_samples WHERE profile = ? AND tier = ? AND ts BETWEEN ? AND ? ORDER BY ts",
		q.Profile, q.Tier, q.From.UnixMilli(), q.To.UnixMilli())
	if err != nil {
		return nil, s.classify("read monitor samples", err)
	}
	defer rows.Close()
	var out []MonitorRow
	for rows.Next() {
		var ts, n int64
		var data []byte
		if err := rows.Scan(&ts, &n, &data); err != nil {
			return nil, s.classify("read monitor samples", err)
		}
		r := MonitorRow{At: time.UnixMilli(ts), N: n, Values: make(map[string]Agg, max(len(want), 8))}
		if err := decodeRow(data, names, want, r.Values); err != nil {
			return nil, fmt.Errorf("read monitor samples: %s at %d: %w", q.Profile, ts, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.classify("read monitor samples", err)
	}
	return out, nil
}

// MonitorSpan is the oldest and newest time of a profile's rows in a tier;
// ok is false when the tier has none.
func (s *Store) MonitorSpan(ctx context.Context, profile string, tier int) (oldest, newest time.Time, ok bool, err error) {
	var lo, hi sql.NullInt64
	if err := s.db.QueryRowContext(ctx, "SELECT MIN(ts), MAX(ts) FROM monitor_samples WHERE profile = ? AND tier = ?", profile, tier).Scan(&lo, &hi); err != nil {
		return oldest, newest, false, s.classify("read monitor samples", err)
	}
	if !lo.Valid {
		return oldest, newest, false, nil
	}
	return time.UnixMilli(lo.Int64), time.UnixMilli(hi.Int64), true, nil
}

// Bucket groups rows into buckets of step aligned to the Unix epoch,
// merging their aggregates; the result is oldest first and each row's At
// is its bucket's start.
func Bucket(rows []MonitorRow, step time.Duration) []MonitorRow {
	var out []MonitorRow
	for _, r := range rows {
		start := r.At.Truncate(step)
		if len(out) == 0 || !out[len(out)-1].At.Equal(start) {
			out = append(out, MonitorRow{At: start, Values: make(map[string]Agg, len(r.Values))})
		}
		b := &out[len(out)-1]
		b.N += max(r.N, 1)
		for k, v := range r.Values {
			b.Values[k] = b.Values[k].Merge(v)
		}
	}
	return out
}

// maxRollupSpan bounds the source rows one rollup call reads, so catching
// up after a long stop never holds the write lock for long.
const maxRollupSpan = 7 * 24 * time.Hour

// RollupMonitor computes the complete one-minute buckets of a profile's
// raw samples, then the complete one-hour buckets of those, that are not
// rolled up yet. A bucket is complete when its end is grace before now.
// It returns how many rollup rows it wrote.
func (s *Store) RollupMonitor(ctx context.Context, profile string, now time.Time, grace time.Duration) (int, error) {
	written := 0
	for _, tier := range []int{TierMinute, TierHour} {
		step := TierStep(tier)
		end := now.Add(-grace).Truncate(step)
		if tier == TierHour {
			// The last minute buckets of the hour need their own grace.
			end = now.Add(-grace - time.Minute).Truncate(step)
		}
		var start time.Time
		if _, newest, ok, err := s.MonitorSpan(ctx, profile, tier); err != nil {
			return written, err
		} else if ok {
			start = newest.Add(step)
		} else if oldest, _, ok, err := s.MonitorSpan(ctx, profile, tier-1); err != nil {
			return written, err
		} else if ok {
			start = oldest.Truncate(step)
		} else {
			continue
		}
		if !start.Before(end) {
			continue
		}
		if end.Sub(start) > maxRollupSpan {
			end = start.Add(maxRollupSpan).Truncate(step)
		}
		src, err := s.MonitorRows(ctx, MonitorQuery{Profile: profile, Tier: tier - 1, From: start, To: end.Add(-time.Millisecond)})
		if err != nil {
			return written, err
		}
		buckets := Bucket(src, step)
		if len(buckets) == 0 {
			continue
		}
		if err := s.putMonitorRows(ctx, profile, tier, buckets); err != nil {
			return written, err
		}
		written += len(buckets)
	}
	return written, nil
}

// PruneMonitor deletes rows older than each tier's retention and events
// older than the longest one, for every profile; then, if the history's
// rows take more than keep.MaxBytes, the oldest rows until they fit. It
// returns the rows deleted.
func (s *Store) PruneMonitor(ctx context.Context, keep MonitorRetention, now time.Time) (int64, error) {
	keep = keep.WithDefaults()
	var deleted int64
	exec := func(q string, args ...any) error {
		res, err := s.db.ExecContext(ctx, q, args...)
		if err != nil {
			return s.classify("prune monitor history", err)
		}
		n, _ := res.RowsAffected()
		deleted += n
		return nil
	}
	for _, tier := range []int{TierRaw, TierMinute, TierHour} {
		if err := exec("DELETE FROM monitor_samples WHERE tier = ? AND ts < ?", tier, now.Add(-keep.Keep(tier)).UnixMilli()); err != nil {
			return deleted, err
		}
	}
	if err := exec("DELETE FROM monitor_events WHERE ts < ?", now.Add(-max(keep.Hour, keep.Minute, keep.Raw)).UnixMilli()); err != nil {
		return deleted, err
	}
	for range 20 {
		size, err := s.MonitorBytes(ctx)
		if err != nil || size <= keep.MaxBytes {
			return deleted, err
		}
		var rows int64
		if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM monitor_samples").Scan(&rows); err != nil {
			return deleted, s.classify("prune monitor history", err)
		}
		// Delete a share of the rows proportional to the excess, oldest
		// first across tiers and profiles, at least 1%.
		n := max(rows/100, int64(float64(rows)*float64(size-keep.MaxBytes)/float64(size))+1)
		if err := exec(`DELETE FROM monitor_samples WHERE (profile, tier, ts) IN
 (SELECT profile, tier, ts FROM monitor_samples ORDER BY ts LIMIT ?)`, n); err != nil {
			return deleted, err
		}
	}
	return deleted, nil
}

// MonitorBytes estimates the space the monitoring history's rows take:
// their data plus a fixed overhead per row for the key and page
// structure.
func (s *Store) MonitorBytes(ctx context.Context) (int64, error) {
	var data, rows sql.NullInt64
	if err := s.db.QueryRowContext(ctx, "SELECT SUM(length(data)), COUNT(*) FROM monitor_samples").Scan(&data, &rows); err != nil {
		return 0, s.classify("measure monitor history", err)
	}
	return data.Int64 + rows.Int64*48, nil
}

// AddMonitorEvents stores annotations.
func (s *Store) AddMonitorEvents(ctx context.Context, events []dba.MonitorEvent) error {
	if len(events) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.classify("store monitor events", err)
	}
	defer tx.Rollback()
	for _, e := range events {
		if _, err := tx.ExecContext(ctx, "INSERT INTO monitor_events(profile, ts, kind, title, detail) VALUES (?,?,?,?,?)",
			e.Profile, e.At.UnixMilli(), e.Kind, e.Title, e.Detail); err != nil {
			return s.classify("store monitor events", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.classify("store monitor events", err)
	}
	return nil
}

// MonitorEvents lists a profile's annotations in [from, to], oldest first,
// at most limit (0: 1000).
func (s *Store) MonitorEvents(ctx context.Context, profile string, from, to time.Time, limit int) ([]dba.MonitorEvent, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, ts, kind, title, detail FROM
 (SELECT id, ts, kind, title, detail FROM monitor_events WHERE profile = ? AND ts BETWEEN ? AND ? ORDER BY ts DESC, id DESC LIMIT ?)
 ORDER BY ts, id`, profile, from.UnixMilli(), to.UnixMilli(), limit)
	if err != nil {
		return nil, s.classify("read monitor events", err)
	}
	defer rows.Close()
	out := []dba.MonitorEvent{}
	for rows.Next() {
		e := dba.MonitorEvent{Profile: profile}
		var ts int64
		if err := rows.Scan(&e.ID, &ts, &e.Kind, &e.Title, &e.Detail); err != nil {
			return nil, s.classify("read monitor events", err)
		}
		e.At = time.UnixMilli(ts)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.classify("read monitor events", err)
	}
	return out, nil
}

// monitorSettingKey is the settings key under which a profile's last
// global variables are kept, so a variable changed while mydba was not
// running is still annotated.
func monitorSettingKey(profile string) string {
	return "monitor.variables." + profile
}

// MonitorVariables reads the global variables last seen on a profile,
// as SetMonitorVariables stored them ("" when none).
func (s *Store) MonitorVariables(ctx context.Context, profile string) (string, error) {
	v, _, err := s.Setting(ctx, monitorSettingKey(profile))
	return v, err
}

// SetMonitorVariables remembers a profile's global variables (encoded by
// the caller).
func (s *Store) SetMonitorVariables(ctx context.Context, profile, encoded string) error {
	return s.SetSetting(ctx, monitorSettingKey(profile), encoded)
}
