package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/alert"
	"github.com/mydba/mydba/internal/dba"
)

const alertColumns = `id, profile, rule, instance, series, severity, op, threshold, since, fired_at, fired_value, message, detail,
 resolved_at, resolved_value, resolved_message`

// AlertWrite counts what RecordAlertEvents did.
type AlertWrite struct {
	// Opened are new active alerts; Kept firing events for an alert
	// already open (mydba restarted while it fired).
	Opened, Kept int
	// Resolved closed an active alert; Unmatched resolved events found
	// none (its firing was never stored, e.g. the disk was full then).
	Resolved, Unmatched int
}

// RecordAlertEvents stores firing and resolved events in one transaction,
// in order, and prunes closed alerts past keep. Active alerts are never
// pruned.
func (s *Store) RecordAlertEvents(ctx context.Context, events []alert.Event, keep Retention) (AlertWrite, error) {
	var w AlertWrite
	if len(events) == 0 {
		return w, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return w, s.classify("record alerts", err)
	}
	defer tx.Rollback()
	for _, ev := range events {
		switch ev.State {
		case alert.Firing:
			var id int64
			err := tx.QueryRowContext(ctx, "SELECT id FROM alerts WHERE profile = ? AND rule = ? AND instance = ? AND resolved_at IS NULL",
				ev.Profile, ev.Rule, ev.Instance).Scan(&id)
			switch {
			case err == nil:
				// Still open from before a restart: the same episode.
				if _, err := tx.ExecContext(ctx, "UPDATE alerts SET detail = ? WHERE id = ?", ev.Detail, id); err != nil {
					return w, s.classify("record alerts", err)
				}
				w.Kept++
			case errors.Is(err, sql.ErrNoRows):
				if _, err := tx.ExecContext(ctx, `INSERT INTO alerts(profile, rule, instance, series, severity, op, threshold, since, fired_at, fired_value, message, detail)
 VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
					ev.Profile, ev.Rule, ev.Instance, ev.Series, string(ev.Severity), string(ev.Op), ev.Threshold, alertTime(ev.Since), alertTime(ev.At), ev.Value, ev.Message, ev.Detail); err != nil {
					return w, s.classify("record alerts", err)
				}
				w.Opened++
			default:
				return w, s.classify("record alerts", err)
			}
		case alert.Resolved:
			res, err := tx.ExecContext(ctx, `UPDATE alerts SET resolved_at = ?, resolved_value = ?, resolved_message = ?
 WHERE profile = ? AND rule = ? AND instance = ? AND resolved_at IS NULL`,
				alertTime(ev.At), ev.Value, ev.Message, ev.Profile, ev.Rule, ev.Instance)
			if err != nil {
				return w, s.classify("record alerts", err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				w.Resolved++
			} else {
				w.Unmatched++
			}
		default:
			return w, fmt.Errorf("record alerts: event of %s/%s has state %q", ev.Profile, ev.Rule, ev.State)
		}
	}
	if err := pruneAlerts(ctx, tx, keep, s.now()); err != nil {
		return w, s.classify("prune alerts", err)
	}
	if err := tx.Commit(); err != nil {
		return w, s.classify("record alerts", err)
	}
	return w, nil
}

func pruneAlerts(ctx context.Context, tx *sql.Tx, keep Retention, now time.Time) error {
	if keep.MaxEntries > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM alerts WHERE resolved_at IS NOT NULL AND id <= (
 SELECT id FROM alerts WHERE resolved_at IS NOT NULL ORDER BY id DESC LIMIT 1 OFFSET ?)`, keep.MaxEntries); err != nil {
			return err
		}
	}
	if keep.MaxAge > 0 {
		if _, err := tx.ExecContext(ctx, "DELETE FROM alerts WHERE resolved_at IS NOT NULL AND resolved_at < ?", alertTime(now.Add(-keep.MaxAge))); err != nil {
			return err
		}
	}
	return nil
}

// CloseAlert resolves one active alert without an event from the engine
// (its rule was removed or disabled); false when it was not active.
func (s *Store) CloseAlert(ctx context.Context, id int64, at time.Time, message string) (bool, error) {
	res, err := s.db.ExecContext(ctx, "UPDATE alerts SET resolved_at = ?, resolved_message = ? WHERE id = ? AND resolved_at IS NULL", alertTime(at), message, id)
	if err != nil {
		return false, s.classify("close alert", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// ActiveAlerts lists the alerts firing now, for one profile or all (""),
// most severe first, then oldest first.
func (s *Store) ActiveAlerts(ctx context.Context, profile string) ([]dba.AlertRecord, error) {
	// INDEXED BY: without table statistics SQLite would take
	// alerts_profile and read the profile's whole history.
	q := "SELECT " + alertColumns + " FROM alerts INDEXED BY alerts_active WHERE resolved_at IS NULL"
	var args []any
	if profile != "" {
		q += " AND profile = ?"
		args = append(args, profile)
	}
	q += " ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, fired_at, id"
	return s.queryAlerts(ctx, "read active alerts", q, args...)
}

// CountActiveAlerts counts the alerts firing now, for one profile or all.
func (s *Store) CountActiveAlerts(ctx context.Context, profile string) (int, error) {
	// Every page's header badge runs this: only the active alerts'
	// partial index is read (see ActiveAlerts).
	q := "SELECT COUNT(*) FROM alerts INDEXED BY alerts_active WHERE resolved_at IS NULL"
	var args []any
	if profile != "" {
		q += " AND profile = ?"
		args = append(args, profile)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, s.classify("count active alerts", err)
	}
	return n, nil
}

// AlertHistory lists alerts, active and resolved, newest first.
func (s *Store) AlertHistory(ctx context.Context, f dba.AlertFilter) ([]dba.AlertRecord, error) {
	var where []string
	var args []any
	if f.Profile != "" {
		where = append(where, "profile = ?")
		args = append(args, f.Profile)
	}
	if !f.Since.IsZero() {
		where = append(where, "(resolved_at IS NULL OR resolved_at >= ?)")
		args = append(args, alertTime(f.Since))
	}
	q := "SELECT " + alertColumns + " FROM alerts"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY fired_at DESC, id DESC"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	return s.queryAlerts(ctx, "read alert history", q, args...)
}

func (s *Store) queryAlerts(ctx context.Context, op, q string, args ...any) ([]dba.AlertRecord, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.classify(op, err)
	}
	defer rows.Close()
	out := []dba.AlertRecord{}
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, s.classify(op, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, s.classify(op, err)
	}
	return out, nil
}

func scanAlert(r scanner) (dba.AlertRecord, error) {
	var a dba.AlertRecord
	var since, fired string
	var resolved sql.NullString
	var resolvedValue sql.NullFloat64
	if err := r.Scan(&a.ID, &a.Profile, &a.Rule, &a.Instance, &a.Series, &a.Severity, &a.Op, &a.Threshold, &since, &fired, &a.FiredValue,
		&a.Message, &a.Detail, &resolved, &resolvedValue, &a.ResolvedMessage); err != nil {
		return a, err
	}
	var err error
	if a.Since, err = time.Parse(time.RFC3339Nano, since); err != nil {
		return a, fmt.Errorf("alert %d: since %q: %w", a.ID, since, err)
	}
	if a.FiredAt, err = time.Parse(time.RFC3339Nano, fired); err != nil {
		return a, fmt.Errorf("alert %d: fired_at %q: %w", a.ID, fired, err)
	}
	if resolved.Valid {
		t, err := time.Parse(time.RFC3339Nano, resolved.String)
		if err != nil {
			return a, fmt.Errorf("alert %d: resolved_at %q: %w", a.ID, resolved.String, err)
		}
		a.ResolvedAt = &t
	}
	if resolvedValue.Valid {
		v := resolvedValue.Float64
		a.ResolvedValue = &v
	}
	return a, nil
}

// alertTime is the stored form of a time: RFC 3339 in UTC with nanoseconds, which
// sorts as text in time order only when every value has the same shape;
// fixed-width fractions keep it so.
func alertTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z07:00") }
