package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// ErrSnapshotRace is a digest snapshot whose base changed while it was
// being prepared: another process stored a snapshot of the same profile in
// between. The caller reads its base again and retries.
var ErrSnapshotRace = errors.New("another digest snapshot of this profile was stored meanwhile")

const digestCounterColumns = `schema_name, digest, count, total_ns, min_ns, max_ns, lock_ns, cpu_ns, errors, warnings,
 rows_affected, rows_sent, rows_examined, tmp_tables, tmp_disk_tables, full_joins, full_range_joins, full_scans,
 sort_merge_passes, sort_rows, no_index, no_good_index, first_seen_us, last_seen_us`

const digestInfoColumns = "id, profile, at, uptime_s, server, full, digests, stored, lost_count, lost_ns"

// DigestSnapshotWrite is a snapshot to store: its description, the rows to
// store (every row when Info.Full, else those that changed since Base),
// the lost row, and the texts, examples and own marks of the rows.
type DigestSnapshotWrite struct {
	Info dba.DigestSnapshotInfo
	// Base is the profile's newest snapshot id the rows were compared
	// with (0 when there is none); the write fails with ErrSnapshotRace
	// if it is no longer the newest.
	Base     int64
	Rows     []dba.Digest
	Lost     *dba.DigestCounters
	Own      map[dba.DigestKey]bool
	Examples map[dba.DigestKey]dba.DigestExample
}

// AddDigestSnapshot stores a snapshot in one transaction and applies
// retention to the profile's snapshots. It returns the stored snapshot's
// description.
func (s *Store) AddDigestSnapshot(ctx context.Context, w DigestSnapshotWrite, keep Retention) (dba.DigestSnapshotInfo, error) {
	info := w.Info
	if info.At.IsZero() {
		info.At = s.now()
	}
	info.Stored = len(w.Rows)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return info, s.classify("store digest snapshot", err)
	}
	defer tx.Rollback()
	var newest sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT MAX(id) FROM digest_snapshots WHERE profile = ?", info.Profile).Scan(&newest); err != nil {
		return info, s.classify("store digest snapshot", err)
	}
	if newest.Int64 != w.Base {
		return info, ErrSnapshotRace
	}
	var lostCount, lostNs int64
	if w.Lost != nil {
		lostCount, lostNs = clampInt(w.Lost.Count), int64(w.Lost.TotalTime)
	}
	res, err := tx.ExecContext(ctx, "INSERT INTO digest_snapshots(profile, at, uptime_s, server, full, digests, stored, lost_count, lost_ns) VALUES (?,?,?,?,?,?,?,?,?)",
		info.Profile, info.At.UTC().Format(time.RFC3339Nano), int64(info.Uptime/time.Second), info.Server, boolInt(info.Full),
		info.Digests, info.Stored, lostCount, lostNs)
	if err != nil {
		return info, s.classify("store digest snapshot", err)
	}
	if info.ID, err = res.LastInsertId(); err != nil {
		return info, s.classify("store digest snapshot", err)
	}
	ins, err := tx.PrepareContext(ctx, "INSERT INTO digest_counters(snapshot_id, "+digestCounterColumns+") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
	if err != nil {
		return info, s.classify("store digest snapshot", err)
	}
	defer ins.Close()
	text, err := tx.PrepareContext(ctx, `INSERT INTO digest_texts(profile, schema_name, digest, digest_text) VALUES (?,?,?,?)
 ON CONFLICT(profile, schema_name, digest) DO NOTHING`)
	if err != nil {
		return info, s.classify("store digest snapshot", err)
	}
	defer text.Close()
	for _, d := range w.Rows {
		var cpu any
		if d.CPUTime != nil {
			cpu = int64(*d.CPUTime)
		}
		if _, err := ins.ExecContext(ctx, info.ID, d.Schema, d.Digest, clampInt(d.Count), int64(d.TotalTime), int64(d.MinTime), int64(d.MaxTime),
			int64(d.LockTime), cpu, clampInt(d.Errors), clampInt(d.Warnings), clampInt(d.RowsAffected), clampInt(d.RowsSent),
			clampInt(d.RowsExamined), clampInt(d.TmpTables), clampInt(d.TmpDiskTables), clampInt(d.FullJoins), clampInt(d.FullRangeJoins),
			clampInt(d.FullScans), clampInt(d.SortMergePasses), clampInt(d.SortRows), clampInt(d.NoIndexUsed), clampInt(d.NoGoodIndexUsed),
			unixMicro(d.FirstSeen), unixMicro(d.LastSeen)); err != nil {
			return info, s.classify("store digest snapshot", err)
		}
		if _, err := text.ExecContext(ctx, info.Profile, d.Schema, d.Digest, d.Text); err != nil {
			return info, s.classify("store digest snapshot", err)
		}
	}
	for key, own := range w.Own {
		if _, err := tx.ExecContext(ctx, "UPDATE digest_texts SET own = ? WHERE profile = ? AND schema_name = ? AND digest = ?",
			boolInt(own), info.Profile, key.Schema, key.Digest); err != nil {
			return info, s.classify("store digest snapshot", err)
		}
	}
	for key, ex := range w.Examples {
		if _, err := tx.ExecContext(ctx, "UPDATE digest_texts SET example = ?, example_source = ?, example_trunc = ? WHERE profile = ? AND schema_name = ? AND digest = ?",
			ex.Text, ex.Source, boolInt(ex.Truncated), info.Profile, key.Schema, key.Digest); err != nil {
			return info, s.classify("store digest snapshot", err)
		}
	}
	if err := pruneDigestSnapshots(ctx, tx, info.Profile, keep, s.now()); err != nil {
		return info, s.classify("prune digest snapshots", err)
	}
	if err := tx.Commit(); err != nil {
		return info, s.classify("store digest snapshot", err)
	}
	return info, nil
}

// pruneDigestSnapshots deletes a profile's snapshots past retention, but
// never the full snapshot the oldest kept one is rebuilt from, nor the
// newest snapshot. Texts of digests no snapshot refers to any more go too.
func pruneDigestSnapshots(ctx context.Context, tx *sql.Tx, profile string, keep Retention, now time.Time) error {
	var oldestKept sql.NullInt64
	var conds []string
	var args []any
	if keep.MaxEntries > 0 {
		conds = append(conds, "id >= COALESCE((SELECT id FROM digest_snapshots WHERE profile = ? ORDER BY id DESC LIMIT 1 OFFSET ?), 0)")
		args = append(args, profile, keep.MaxEntries-1)
	}
	if keep.MaxAge > 0 {
		conds = append(conds, "at >= ?")
		args = append(args, now.Add(-keep.MaxAge).UTC().Format(time.RFC3339Nano))
	}
	if len(conds) == 0 {
		return nil
	}
	q := "SELECT MIN(id) FROM digest_snapshots WHERE profile = ?"
	for _, c := range conds {
		q += " AND " + c
	}
	if err := tx.QueryRowContext(ctx, q, append([]any{profile}, args...)...).Scan(&oldestKept); err != nil {
		return err
	}
	if !oldestKept.Valid {
		// Everything is past retention: keep the newest, it is the base
		// of the next snapshot.
		if err := tx.QueryRowContext(ctx, "SELECT MAX(id) FROM digest_snapshots WHERE profile = ?", profile).Scan(&oldestKept); err != nil || !oldestKept.Valid {
			return err
		}
	}
	var base sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT MAX(id) FROM digest_snapshots WHERE profile = ? AND id <= ? AND full = 1", profile, oldestKept.Int64).Scan(&base); err != nil {
		return err
	}
	cut := oldestKept.Int64
	if base.Valid {
		cut = base.Int64
	}
	res, err := tx.ExecContext(ctx, "DELETE FROM digest_snapshots WHERE profile = ? AND id < ?", profile, cut)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM digest_texts WHERE profile = ? AND (schema_name, digest) NOT IN (
 SELECT c.schema_name, c.digest FROM digest_counters c JOIN digest_snapshots s ON s.id = c.snapshot_id WHERE s.profile = ?)`, profile, profile)
	return err
}

// DigestSnapshots lists a profile's snapshots, newest first (limit 0: all).
func (s *Store) DigestSnapshots(ctx context.Context, profile string, limit int) ([]dba.DigestSnapshotInfo, error) {
	q := "SELECT " + digestInfoColumns + " FROM digest_snapshots WHERE profile = ? ORDER BY id DESC"
	args := []any{profile}
	if limit > 0 {
		q += " LIMIT ?"
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.classify("read digest snapshots", err)
	}
	defer rows.Close()
	out := []dba.DigestSnapshotInfo{}
	for rows.Next() {
		info, _, err := scanDigestInfo(rows)
		if err != nil {
			return nil, s.classify("read digest snapshots", err)
		}
		out = append(out, info)
	}
	if err := rows.Err(); err != nil {
		return nil, s.classify("read digest snapshots", err)
	}
	return out, nil
}

type rowScanner interface{ Scan(dest ...any) error }

func scanDigestInfo(r rowScanner) (dba.DigestSnapshotInfo, *dba.DigestCounters, error) {
	var info dba.DigestSnapshotInfo
	var at string
	var uptime, lostCount, lostNs int64
	var full int
	if err := r.Scan(&info.ID, &info.Profile, &at, &uptime, &info.Server, &full, &info.Digests, &info.Stored, &lostCount, &lostNs); err != nil {
		return info, nil, err
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return info, nil, fmt.Errorf("snapshot %d: time %q: %w", info.ID, at, err)
	}
	info.At, info.Uptime, info.Full = t, time.Duration(uptime)*time.Second, full == 1
	var lost *dba.DigestCounters
	if lostCount > 0 {
		lost = &dba.DigestCounters{Count: uint64(lostCount), TotalTime: time.Duration(lostNs)}
	}
	return info, lost, nil
}

// DigestSnapshot returns snapshot id with the whole digest table as it was
// then, rebuilt from the profile's last full snapshot up to it, with the
// texts, examples and own marks known now; rows in schema, digest order.
func (s *Store) DigestSnapshot(ctx context.Context, id int64) (dba.DigestSnapshot, error) {
	var snap dba.DigestSnapshot
	info, lost, err := scanDigestInfo(s.db.QueryRowContext(ctx, "SELECT "+digestInfoColumns+" FROM digest_snapshots WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return snap, fmt.Errorf("digest snapshot %d: %w", id, dba.ErrNotFound)
	}
	if err != nil {
		return snap, s.classify("read digest snapshot", err)
	}
	snap.DigestSnapshotInfo, snap.Lost = info, lost
	var base sql.NullInt64
	if err := s.db.QueryRowContext(ctx, "SELECT MAX(id) FROM digest_snapshots WHERE profile = ? AND id <= ? AND full = 1", info.Profile, id).Scan(&base); err != nil {
		return snap, s.classify("read digest snapshot", err)
	}
	if !base.Valid {
		return snap, fmt.Errorf("digest snapshot %d of %q cannot be rebuilt: its full snapshot is gone", id, info.Profile)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT c.`+digestCounterColumnsPrefixed()+`, COALESCE(t.digest_text, ''), t.example, COALESCE(t.example_source, ''),
 COALESCE(t.example_trunc, 0), COALESCE(t.own, 0)
 FROM digest_counters c JOIN digest_snapshots s ON s.id = c.snapshot_id
 LEFT JOIN digest_texts t ON t.profile = s.profile AND t.schema_name = c.schema_name AND t.digest = c.digest
 WHERE s.profile = ? AND c.snapshot_id BETWEEN ? AND ? ORDER BY c.snapshot_id`, info.Profile, base.Int64, id)
	if err != nil {
		return snap, s.classify("read digest snapshot", err)
	}
	defer rows.Close()
	state := map[dba.DigestKey]int{}
	snap.Own = map[dba.DigestKey]bool{}
	snap.Examples = map[dba.DigestKey]dba.DigestExample{}
	for rows.Next() {
		d, ex, own, err := scanDigestCounters(rows)
		if err != nil {
			return snap, s.classify("read digest snapshot", err)
		}
		key := d.Key()
		if i, ok := state[key]; ok {
			snap.Digests[i] = d
		} else {
			state[key] = len(snap.Digests)
			snap.Digests = append(snap.Digests, d)
		}
		snap.Own[key] = own
		if ex != nil {
			snap.Examples[key] = *ex
		}
	}
	if err := rows.Err(); err != nil {
		return snap, s.classify("read digest snapshot", err)
	}
	sortDigests(snap.Digests)
	return snap, nil
}

// DigestKeyHistory rebuilds only the given digests at each of a profile's
// snapshots with id from..to: for each such snapshot id, the rows among keys
// that the table held then (what DigestSnapshot would return, filtered to
// keys, without texts, examples or own marks). One range read of the
// counters replaces a whole-table rebuild per snapshot, so a trend over
// many snapshots of a table with thousands of digests stays cheap.
func (s *Store) DigestKeyHistory(ctx context.Context, profile string, from, to int64, keys []dba.DigestKey) (map[int64][]dba.Digest, error) {
	out := map[int64][]dba.Digest{}
	if len(keys) == 0 || from > to {
		return out, nil
	}
	var base sql.NullInt64
	if err := s.db.QueryRowContext(ctx, "SELECT MAX(id) FROM digest_snapshots WHERE profile = ? AND id <= ? AND full = 1", profile, from).Scan(&base); err != nil {
		return nil, s.classify("read digest history", err)
	}
	if !base.Valid {
		return nil, fmt.Errorf("digest snapshot %d of %q cannot be rebuilt: its full snapshot is gone", from, profile)
	}
	snaps, err := s.snapshotKinds(ctx, profile, base.Int64, to)
	if err != nil {
		return nil, s.classify("read digest history", err)
	}
	// The keys travel as one JSON parameter: no SQL is built from them.
	pairs := make([][2]string, len(keys))
	for i, k := range keys {
		pairs[i] = [2]string{k.Schema, k.Digest}
	}
	keyJSON, err := json.Marshal(pairs)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT c.snapshot_id, c.`+digestCounterColumnsPrefixed()+`, '', NULL, '', 0, 0
 FROM digest_counters c JOIN digest_snapshots s ON s.id = c.snapshot_id
 WHERE s.profile = ? AND c.snapshot_id BETWEEN ? AND ?
 AND (c.schema_name, c.digest) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))
 ORDER BY c.snapshot_id`, profile, base.Int64, to, string(keyJSON))
	if err != nil {
		return nil, s.classify("read digest history", err)
	}
	defer rows.Close()
	type keyRow struct {
		id int64
		d  dba.Digest
	}
	var found []keyRow
	for rows.Next() {
		var r keyRow
		if r.d, _, _, err = scanDigestCounters(prefixScanner{rows, &r.id}); err != nil {
			return nil, s.classify("read digest history", err)
		}
		found = append(found, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.classify("read digest history", err)
	}
	// Walk the snapshots oldest first: a full one replaces the table, an
	// incremental one updates the rows it holds.
	state := map[dba.DigestKey]dba.Digest{}
	for _, sn := range snaps {
		if sn.full {
			clear(state)
		}
		for len(found) > 0 && found[0].id <= sn.id {
			state[found[0].d.Key()] = found[0].d
			found = found[1:]
		}
		if sn.id >= from {
			out[sn.id] = sortedDigests(state)
		}
	}
	return out, nil
}

type snapshotKind struct {
	id   int64
	full bool
}

// snapshotKinds lists a profile's snapshots with id from..to, oldest first,
// and whether each is full.
func (s *Store) snapshotKinds(ctx context.Context, profile string, from, to int64) ([]snapshotKind, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, full FROM digest_snapshots WHERE profile = ? AND id BETWEEN ? AND ? ORDER BY id", profile, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []snapshotKind
	for rows.Next() {
		var k snapshotKind
		if err := rows.Scan(&k.id, &k.full); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// prefixScanner scans one leading column into id and hands the rest to the
// row's own scan, so scanDigestCounters serves both readers.
type prefixScanner struct {
	rows *sql.Rows
	id   *int64
}

func (p prefixScanner) Scan(dest ...any) error {
	return p.rows.Scan(append([]any{p.id}, dest...)...)
}

func sortedDigests(state map[dba.DigestKey]dba.Digest) []dba.Digest {
	out := make([]dba.Digest, 0, len(state))
	for _, d := range state {
		out = append(out, d)
	}
	sortDigests(out)
	return out
}

// sortDigests puts rows in schema, digest order.
func sortDigests(ds []dba.Digest) {
	sort.Slice(ds, func(i, j int) bool {
		if ds[i].Schema != ds[j].Schema {
			return ds[i].Schema < ds[j].Schema
		}
		return ds[i].Digest < ds[j].Digest
	})
}

func digestCounterColumnsPrefixed() string {
	return `schema_name, c.digest, c.count, c.total_ns, c.min_ns, c.max_ns, c.lock_ns, c.cpu_ns, c.errors, c.warnings,
 c.rows_affected, c.rows_sent, c.rows_examined, c.tmp_tables, c.tmp_disk_tables, c.full_joins, c.full_range_joins, c.full_scans,
 c.sort_merge_passes, c.sort_rows, c.no_index, c.no_good_index, c.first_seen_us, c.last_seen_us`
}

func scanDigestCounters(r rowScanner) (dba.Digest, *dba.DigestExample, bool, error) {
	var d dba.Digest
	var count, total, minNs, maxNs, lock, errs, warns, aff, sent, exam, tmp, tmpDisk, fj, frj, fs, smp, sr, ni, ngi, first, last int64
	var cpu sql.NullInt64
	var example sql.NullString
	var source string
	var trunc, own int
	err := r.Scan(&d.Schema, &d.Digest, &count, &total, &minNs, &maxNs, &lock, &cpu, &errs, &warns, &aff, &sent, &exam, &tmp, &tmpDisk,
		&fj, &frj, &fs, &smp, &sr, &ni, &ngi, &first, &last, &d.Text, &example, &source, &trunc, &own)
	if err != nil {
		return d, nil, false, err
	}
	u := func(v int64) uint64 {
		if v < 0 {
			return 0
		}
		return uint64(v)
	}
	d.Count, d.TotalTime, d.MinTime, d.MaxTime, d.LockTime = u(count), time.Duration(total), time.Duration(minNs), time.Duration(maxNs), time.Duration(lock)
	if cpu.Valid {
		c := time.Duration(cpu.Int64)
		d.CPUTime = &c
	}
	d.Errors, d.Warnings, d.RowsAffected, d.RowsSent, d.RowsExamined = u(errs), u(warns), u(aff), u(sent), u(exam)
	d.TmpTables, d.TmpDiskTables, d.FullJoins, d.FullRangeJoins, d.FullScans = u(tmp), u(tmpDisk), u(fj), u(frj), u(fs)
	d.SortMergePasses, d.SortRows, d.NoIndexUsed, d.NoGoodIndexUsed = u(smp), u(sr), u(ni), u(ngi)
	d.AvgTime = d.DigestCounters.AvgTime()
	d.FirstSeen, d.LastSeen = fromUnixMicro(first), fromUnixMicro(last)
	var ex *dba.DigestExample
	if example.Valid {
		ex = &dba.DigestExample{Text: example.String, Source: source, Truncated: trunc == 1}
	}
	return d, ex, own == 1, nil
}

func clampInt(v uint64) int64 {
	if v > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(v)
}

func unixMicro(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromUnixMicro(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}
