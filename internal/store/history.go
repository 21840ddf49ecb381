package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// Retention bounds the history: entries beyond MaxEntries or older than
// MaxAge are pruned, except favourites and tagged entries.
type Retention struct {
	MaxEntries int
	MaxAge     time.Duration
}

const historyColumns = "id, profile, database, statement, fingerprint, source, started_at, duration_us, rows, error, favourite, tags"

// AddHistory records one statement and applies retention.
func (s *Store) AddHistory(ctx context.Context, e dba.HistoryEntry, keep Retention) (int64, error) {
	if e.Started.IsZero() {
		e.Started = s.now()
	}
	res, err := s.db.ExecContext(ctx, "INSERT INTO history(profile, database, statement, fingerprint, source, started_at, duration_us, rows, error) VALUES (?,?,?,?,?,?,?,?,?)",
		e.Profile, e.Database, e.Statement, e.Fingerprint, e.Source, e.Started.UTC().Format(time.RFC3339Nano), e.Duration.Microseconds(), e.Rows, e.Error)
	if err != nil {
		return 0, s.classify("record history", err)
	}
	id, _ := res.LastInsertId()
	if err := s.PruneHistory(ctx, keep); err != nil {
		return id, err
	}
	return id, nil
}

// PruneHistory applies retention now.
func (s *Store) PruneHistory(ctx context.Context, keep Retention) error {
	if keep.MaxEntries > 0 {
		_, err := s.db.ExecContext(ctx, `DELETE FROM history WHERE favourite = 0 AND tags = '' AND id <= (
			SELECT id FROM history WHERE favourite = 0 AND tags = '' ORDER BY id DESC LIMIT 1 OFFSET ?)`, keep.MaxEntries)
		if err != nil {
			return s.classify("prune history", err)
		}
	}
	if keep.MaxAge > 0 {
		cutoff := s.now().Add(-keep.MaxAge).UTC().Format(time.RFC3339Nano)
		if _, err := s.db.ExecContext(ctx, "DELETE FROM history WHERE favourite = 0 AND tags = '' AND started_at < ?", cutoff); err != nil {
			return s.classify("prune history", err)
		}
	}
	return nil
}

// History lists entries, newest first.
func (s *Store) History(ctx context.Context, f dba.HistoryFilter) ([]dba.HistoryEntry, error) {
	var where []string
	var args []any
	text := strings.TrimSpace(f.Text)
	from := "history h"
	switch {
	case len([]rune(text)) >= 3:
		from = "history h JOIN history_fts ON history_fts.rowid = h.id"
		where = append(where, "history_fts MATCH ?")
		args = append(args, ftsPhrase(text))
	case text != "":
		where = append(where, "(h.statement LIKE ? ESCAPE '\\' OR h.tags LIKE ? ESCAPE '\\')")
		like := "%" + likeEscape(text) + "%"
		args = append(args, like, like)
	}
	if f.Profile != "" {
		where = append(where, "h.profile = ?")
		args = append(args, f.Profile)
	}
	if f.Favourites {
		where = append(where, "h.favourite = 1")
	}
	if f.Tag != "" {
		where = append(where, "(',' || h.tags || ',') LIKE ? ESCAPE '\\'")
		args = append(args, "%,"+likeEscape(f.Tag)+",%")
	}
	if f.ErrorsOnly {
		where = append(where, "h.error <> ''")
	}
	if !f.Since.IsZero() {
		where = append(where, "h.started_at >= ?")
		args = append(args, f.Since.UTC().Format(time.RFC3339Nano))
	}
	q := "SELECT " + prefixed("h.", historyColumns) + " FROM " + from
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY h.id DESC"
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	q += " LIMIT ?"
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.classify("search history", err)
	}
	defer rows.Close()
	var out []dba.HistoryEntry
	for rows.Next() {
		e, err := scanHistory(rows)
		if err != nil {
			return nil, s.classify("search history", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// HistoryEntry returns one entry.
func (s *Store) HistoryEntry(ctx context.Context, id int64) (dba.HistoryEntry, error) {
	e, err := scanHistory(s.db.QueryRowContext(ctx, "SELECT "+historyColumns+" FROM history WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("history entry %d: %w", id, dba.ErrNotFound)
	}
	if err != nil {
		return e, s.classify("read history", err)
	}
	return e, nil
}

// MarkHistory sets the favourite flag and the tags of an entry.
func (s *Store) MarkHistory(ctx context.Context, id int64, favourite bool, tags []string) error {
	fav := 0
	if favourite {
		fav = 1
	}
	res, err := s.db.ExecContext(ctx, "UPDATE history SET favourite = ?, tags = ? WHERE id = ?", fav, strings.Join(tags, ","), id)
	if err != nil {
		return s.classify("update history", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("history entry %d: %w", id, dba.ErrNotFound)
	}
	return nil
}

// DeleteHistory removes entries by id; a missing id is dba.ErrNotFound and
// nothing is deleted.
func (s *Store) DeleteHistory(ctx context.Context, ids []int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.classify("delete history", err)
	}
	defer tx.Rollback()
	for _, id := range ids {
		res, err := tx.ExecContext(ctx, "DELETE FROM history WHERE id = ?", id)
		if err != nil {
			return s.classify("delete history", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("history entry %d: %w", id, dba.ErrNotFound)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.classify("delete history", err)
	}
	return nil
}

// ClearHistory removes every entry older than before (all when zero),
// favourites included only when withFavourites is set. It returns how many
// went.
func (s *Store) ClearHistory(ctx context.Context, before time.Time, withFavourites bool) (int64, error) {
	q := "DELETE FROM history WHERE 1=1"
	var args []any
	if !before.IsZero() {
		q += " AND started_at < ?"
		args = append(args, before.UTC().Format(time.RFC3339Nano))
	}
	if !withFavourites {
		q += " AND favourite = 0"
	}
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, s.classify("clear history", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

func scanHistory(r scanner) (dba.HistoryEntry, error) {
	var e dba.HistoryEntry
	var started, tags string
	var durUS int64
	var fav int
	if err := r.Scan(&e.ID, &e.Profile, &e.Database, &e.Statement, &e.Fingerprint, &e.Source, &started, &durUS, &e.Rows, &e.Error, &fav, &tags); err != nil {
		return e, err
	}
	t, err := time.Parse(time.RFC3339Nano, started)
	if err != nil {
		return e, fmt.Errorf("history %d: started_at: %w", e.ID, err)
	}
	e.Started = t
	e.Duration = time.Duration(durUS) * time.Microsecond
	e.Favourite = fav == 1
	if tags != "" {
		e.Tags = strings.Split(tags, ",")
	}
	return e, nil
}

// ftsPhrase makes user text one FTS5 phrase, so operators and quotes in
// SQL ("a*b", "x:y") are searched literally, never parsed as query syntax.
func ftsPhrase(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}
