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

const auditColumns = "id, at, actor, source, profile, env, statement, class, risk, plan, verdict, confirmed, typed_name, reason, status, rows, duration_us, error"

// AddAudit appends one record and applies retention.
func (s *Store) AddAudit(ctx context.Context, e dba.AuditEntry, keep Retention) (int64, error) {
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	res, err := s.db.ExecContext(ctx, "INSERT INTO audit(at, actor, source, profile, env, statement, class, risk, plan, verdict, confirmed, typed_name, reason, status, rows, duration_us, error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		e.Time.UTC().Format(time.RFC3339Nano), e.Actor, e.Source, e.Profile, string(e.Env), e.Statement, e.Class, e.Risk, e.Plan, e.Verdict,
		boolInt(e.Confirmed), boolInt(e.TypedName), e.Reason, e.Status, e.Rows, e.Duration.Microseconds(), e.Error)
	if err != nil {
		return 0, s.classify("write audit record", err)
	}
	id, _ := res.LastInsertId()
	if keep.MaxEntries > 0 {
		if _, err := s.db.ExecContext(ctx, "DELETE FROM audit WHERE id <= (SELECT id FROM audit ORDER BY id DESC LIMIT 1 OFFSET ?)", keep.MaxEntries); err != nil {
			return id, s.classify("prune audit log", err)
		}
	}
	if keep.MaxAge > 0 {
		if _, err := s.db.ExecContext(ctx, "DELETE FROM audit WHERE at < ?", s.now().Add(-keep.MaxAge).UTC().Format(time.RFC3339Nano)); err != nil {
			return id, s.classify("prune audit log", err)
		}
	}
	return id, nil
}

// Audit lists records, newest first.
func (s *Store) Audit(ctx context.Context, f dba.AuditFilter) ([]dba.AuditEntry, error) {
	var where []string
	var args []any
	if f.Text != "" {
		where = append(where, "(statement LIKE ? ESCAPE '\\' OR reason LIKE ? ESCAPE '\\' OR error LIKE ? ESCAPE '\\')")
		like := "%" + likeEscape(f.Text) + "%"
		args = append(args, like, like, like)
	}
	if f.Profile != "" {
		where = append(where, "profile = ?")
		args = append(args, f.Profile)
	}
	if f.Status != "" {
		where = append(where, "status = ?")
		args = append(args, f.Status)
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, f.Since.UTC().Format(time.RFC3339Nano))
	}
	q := "SELECT " + auditColumns + " FROM audit"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.classify("read audit log", err)
	}
	defer rows.Close()
	var out []dba.AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, s.classify("read audit log", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AuditEntry returns one record.
func (s *Store) AuditEntry(ctx context.Context, id int64) (dba.AuditEntry, error) {
	e, err := scanAudit(s.db.QueryRowContext(ctx, "SELECT "+auditColumns+" FROM audit WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("audit record %d: %w", id, dba.ErrNotFound)
	}
	if err != nil {
		return e, s.classify("read audit log", err)
	}
	return e, nil
}

func scanAudit(r scanner) (dba.AuditEntry, error) {
	var e dba.AuditEntry
	var at, env string
	var confirmed, typed int
	var durUS int64
	if err := r.Scan(&e.ID, &at, &e.Actor, &e.Source, &e.Profile, &env, &e.Statement, &e.Class, &e.Risk, &e.Plan, &e.Verdict,
		&confirmed, &typed, &e.Reason, &e.Status, &e.Rows, &durUS, &e.Error); err != nil {
		return e, err
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return e, fmt.Errorf("audit %d: at: %w", e.ID, err)
	}
	e.Time, e.Env, e.Confirmed, e.TypedName = t, dba.Env(env), confirmed == 1, typed == 1
	e.Duration = time.Duration(durUS) * time.Microsecond
	return e, nil
}

// AddVariableChange records the value a variable had before a change.
func (s *Store) AddVariableChange(ctx context.Context, c dba.VariableChange) (int64, error) {
	if c.Time.IsZero() {
		c.Time = s.now()
	}
	res, err := s.db.ExecContext(ctx, "INSERT INTO variable_changes(at, profile, name, scope, old_value, new_value) VALUES (?,?,?,?,?,?)",
		c.Time.UTC().Format(time.RFC3339Nano), c.Profile, c.Name, c.Scope, c.OldValue, c.NewValue)
	if err != nil {
		return 0, s.classify("record variable change", err)
	}
	return res.LastInsertId()
}

// LastVariableChange is the newest change on a profile not undone yet.
func (s *Store) LastVariableChange(ctx context.Context, profile string) (dba.VariableChange, error) {
	var c dba.VariableChange
	var at string
	err := s.db.QueryRowContext(ctx, "SELECT id, at, profile, name, scope, old_value, new_value FROM variable_changes WHERE profile = ? AND undone = 0 ORDER BY id DESC LIMIT 1", profile).
		Scan(&c.ID, &at, &c.Profile, &c.Name, &c.Scope, &c.OldValue, &c.NewValue)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("no variable change to undo on %q: %w", profile, dba.ErrNotFound)
	}
	if err != nil {
		return c, s.classify("read variable changes", err)
	}
	c.Time, _ = time.Parse(time.RFC3339Nano, at)
	return c, nil
}

// MarkVariableChangeUndone marks a change as put back.
func (s *Store) MarkVariableChangeUndone(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, "UPDATE variable_changes SET undone = 1 WHERE id = ?", id)
	return s.classifyNil("update variable changes", err)
}

func (s *Store) classifyNil(op string, err error) error {
	if err == nil {
		return nil
	}
	return s.classify(op, err)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
