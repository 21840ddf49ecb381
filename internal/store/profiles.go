package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

const profileColumns = "name, env, label, color, target, password_ref, password_command, ssh_passphrase_ref, created_at, updated_at"

// CreateProfile saves a new profile; a taken name (case-insensitive) is
// dba.ErrExists.
func (s *Store) CreateProfile(ctx context.Context, p dba.Profile) (dba.Profile, error) {
	target, err := json.Marshal(p.Target)
	if err != nil {
		return dba.Profile{}, fmt.Errorf("encode profile target: %w", err)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	p.Created, p.Updated = now, now
	_, err = s.db.ExecContext(ctx, "INSERT INTO profiles("+profileColumns+") VALUES (?,?,?,?,?,?,?,?,?,?)",
		p.Name, string(p.Env), p.Label, p.Color, string(target), p.PasswordRef, p.PasswordCommand, p.SSHPassphraseRef,
		now.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano))
	if isUnique(err) {
		return dba.Profile{}, fmt.Errorf("profile %q: %w", p.Name, dba.ErrExists)
	}
	if err != nil {
		return dba.Profile{}, s.classify("save profile", err)
	}
	return p, nil
}

// UpdateProfile replaces the profile called name (which may be renamed to
// p.Name).
func (s *Store) UpdateProfile(ctx context.Context, name string, p dba.Profile) (dba.Profile, error) {
	target, err := json.Marshal(p.Target)
	if err != nil {
		return dba.Profile{}, fmt.Errorf("encode profile target: %w", err)
	}
	p.Updated = s.now().UTC().Truncate(time.Millisecond)
	res, err := s.db.ExecContext(ctx, `UPDATE profiles SET name=?, env=?, label=?, color=?, target=?, password_ref=?,
		password_command=?, ssh_passphrase_ref=?, updated_at=? WHERE name = ?`,
		p.Name, string(p.Env), p.Label, p.Color, string(target), p.PasswordRef, p.PasswordCommand, p.SSHPassphraseRef,
		p.Updated.Format(time.RFC3339Nano), name)
	if isUnique(err) {
		return dba.Profile{}, fmt.Errorf("profile %q: %w", p.Name, dba.ErrExists)
	}
	if err != nil {
		return dba.Profile{}, s.classify("update profile", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return dba.Profile{}, fmt.Errorf("profile %q: %w", name, dba.ErrNotFound)
	}
	return p, nil
}

// Profile returns one profile by name (case-insensitive).
func (s *Store) Profile(ctx context.Context, name string) (dba.Profile, error) {
	row := s.db.QueryRowContext(ctx, "SELECT "+profileColumns+" FROM profiles WHERE name = ?", name)
	p, err := scanProfile(row)
	if errors.Is(err, sql.ErrNoRows) {
		return dba.Profile{}, fmt.Errorf("profile %q: %w", name, dba.ErrNotFound)
	}
	if err != nil {
		return dba.Profile{}, s.classify("read profile", err)
	}
	return p, nil
}

// Profiles lists every profile ordered by name.
func (s *Store) Profiles(ctx context.Context) ([]dba.Profile, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+profileColumns+" FROM profiles ORDER BY name")
	if err != nil {
		return nil, s.classify("list profiles", err)
	}
	defer rows.Close()
	var ps []dba.Profile
	for rows.Next() {
		p, err := scanProfile(rows)
		if err != nil {
			return nil, s.classify("list profiles", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, s.classify("list profiles", err)
	}
	return ps, nil
}

// DeleteProfile removes a profile; a missing one is dba.ErrNotFound.
func (s *Store) DeleteProfile(ctx context.Context, name string) error {
	res, err := s.db.ExecContext(ctx, "DELETE FROM profiles WHERE name = ?", name)
	if err != nil {
		return s.classify("delete profile", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("profile %q: %w", name, dba.ErrNotFound)
	}
	return nil
}

type scanner interface{ Scan(...any) error }

func scanProfile(r scanner) (dba.Profile, error) {
	var p dba.Profile
	var env, target, created, updated string
	if err := r.Scan(&p.Name, &env, &p.Label, &p.Color, &target, &p.PasswordRef, &p.PasswordCommand, &p.SSHPassphraseRef, &created, &updated); err != nil {
		return p, err
	}
	p.Env = dba.Env(env)
	if err := json.Unmarshal([]byte(target), &p.Target); err != nil {
		return p, fmt.Errorf("profile %q: decode target: %w", p.Name, err)
	}
	var err error
	if p.Created, err = time.Parse(time.RFC3339Nano, created); err != nil {
		return p, fmt.Errorf("profile %q: created_at: %w", p.Name, err)
	}
	if p.Updated, err = time.Parse(time.RFC3339Nano, updated); err != nil {
		return p, fmt.Errorf("profile %q: updated_at: %w", p.Name, err)
	}
	return p, nil
}

func isUnique(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}
