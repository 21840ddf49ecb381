// Package store is mydba's local state: one embedded SQLite file (pure-Go
// driver) holding connection profiles and, as later features land, history,
// audit records and metric samples. It is safe for concurrent use from many
// goroutines and from several mydba processes on the same file.
//
// Secrets never enter this file; callers store references from the secret
// package instead.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// applicationID marks a SQLite file as mydba's ("MyDB" in ASCII), so mydba
// never migrates some other program's database by mistake.
const applicationID = 0x4d794442

// ErrCorrupt is a state file that is not a usable mydba database. The file
// is left untouched.
var ErrCorrupt = errors.New("state file is not a usable mydba database")

// ErrLocked is a state file another process holds locked past the timeout.
var ErrLocked = errors.New("state file is locked by another process")

// Options configure Open.
type Options struct {
	// Path of the SQLite file; its directory is created (0700) if missing.
	Path string
	// BusyTimeout is how long a write waits for another process's lock.
	// Default 5s.
	BusyTimeout time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Store is an open state file.
type Store struct {
	db   *sql.DB
	path string
	now  func() time.Time
}

// Open opens (creating if needed) and migrates the state file.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.Path == "" {
		return nil, errors.New("store: no state file path")
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(o.Path), 0o700); err != nil {
		return nil, fmt.Errorf("create state dir: %w", err)
	}
	created := false
	if _, err := os.Stat(o.Path); errors.Is(err, fs.ErrNotExist) {
		created = true
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", o.BusyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Writers take the lock at BEGIN, so two processes never deadlock on a
	// read-then-write upgrade; the loser waits up to busy_timeout.
	q.Set("_txlock", "immediate")
	dsn := "file:" + (&url.URL{Path: o.Path}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open state file %s: %w", o.Path, err)
	}
	s := &Store{db: db, path: o.Path, now: o.Now}
	if err := s.init(ctx, created); err != nil {
		db.Close()
		if created {
			// Nothing of the user's was in it; do not leave a half-made file.
			os.Remove(o.Path)
		}
		return nil, err
	}
	if created {
		if err := os.Chmod(o.Path, 0o600); err != nil {
			db.Close()
			return nil, fmt.Errorf("restrict state file: %w", err)
		}
	}
	return s, nil
}

func (s *Store) init(ctx context.Context, created bool) error {
	var appID int64
	if err := s.db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return s.classify("read state file", err)
	}
	if appID != 0 && appID != applicationID {
		return fmt.Errorf("%w: %s belongs to another program (application_id %#x); it was left untouched", ErrCorrupt, s.path, appID)
	}
	if appID == 0 && !created {
		var n int
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
			return s.classify("read state file", err)
		}
		if n > 0 {
			return fmt.Errorf("%w: %s is a SQLite file of another program; it was left untouched", ErrCorrupt, s.path)
		}
	}
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		return s.classify("enable WAL", err)
	}
	var check string
	err := s.db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&check)
	for try := 0; try < 3 && schemaChanged(err); try++ {
		// Another mydba process migrated the file while it was checked:
		// check the new schema.
		err = s.db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&check)
	}
	if err != nil {
		return s.classify("check state file", err)
	}
	if check != "ok" {
		return fmt.Errorf("%w: %s failed its integrity check (%s); it was left untouched — move it aside to start afresh", ErrCorrupt, s.path, check)
	}
	return s.migrate(ctx)
}

// migration is one embedded schema step; its number is its position.
type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		var v int
		if _, err := fmt.Sscanf(e.Name(), "%04d_", &v); err != nil {
			return nil, fmt.Errorf("migration %s: name must start with NNNN_", e.Name())
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d", m.name, i+1)
		}
	}
	return ms, nil
}

func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	for {
		done, err := s.migrateOne(ctx, ms)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next pending migration in its own immediate
// transaction, re-reading the version under the lock so two processes
// starting at once apply each step exactly once.
func (s *Store) migrateOne(ctx context.Context, ms []migration) (done bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, s.classify("migrate state file", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return false, s.classify("migrate state file", err)
	}
	if v > len(ms) {
		return false, fmt.Errorf("state file %s has schema version %d but this mydba knows only %d: it was written by a newer mydba; upgrade mydba", s.path, v, len(ms))
	}
	if v == len(ms) {
		return true, nil
	}
	m := ms[v]
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("apply migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
		return false, fmt.Errorf("apply migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID)); err != nil {
		return false, fmt.Errorf("apply migration %s: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, s.classify("migrate state file", err)
	}
	return false, nil
}

// classify turns SQLite's result codes into the errors users can act on.
func (s *Store) classify(op string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("%w: %s: %s; it was left untouched — move it aside to start afresh", ErrCorrupt, s.path, strings.TrimSpace(se.Error()))
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("%w: %s: %s", ErrLocked, op, s.path)
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Path is the state file's location.
func (s *Store) Path() string { return s.path }

// Close releases the file.
func (s *Store) Close() error { return s.db.Close() }

// Setting reads a key from the settings table.
func (s *Store) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, s.classify("read setting", err)
	}
	return v, true, nil
}

// SetSetting writes a key in the settings table.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	_, err := s.db.ExecContext(ctx, "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value)
	if err != nil {
		return s.classify("write setting", err)
	}
	return nil
}

// schemaChanged reports SQLITE_SCHEMA: the schema changed under a
// statement, which another process's migration does.
func schemaChanged(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_SCHEMA
}
