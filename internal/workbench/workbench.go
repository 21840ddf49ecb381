// Package workbench holds mydba's use cases. Every presenter (CLI, web UI,
// MCP) calls these and nothing below them: the workbench is where profiles
// (store), secrets (secret), option files (mycnf) and engines (adapter) are
// wired together, so a presenter never touches a connection, the state file
// or the safety gate directly.
package workbench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mydba/mydba/internal/safety"
	"github.com/mydba/mydba/internal/secret"
	"github.com/mydba/mydba/internal/store"
)

// Options configure Open. Zero values are sensible defaults.
type Options struct {
	// StateDir holds the state file and the encrypted secrets file.
	StateDir string
	// DisableKeyring keeps secrets in the encrypted file even where an OS
	// keyring exists (MYDBA_KEYRING=off).
	DisableKeyring bool
	// Keyring overrides the OS keyring (tests).
	Keyring secret.Keyring
	// Notice receives one-time messages for the user (for example that the
	// OS keyring is unavailable). Default: discard.
	Notice func(string)
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// HomeDir locates ~/.mylogin.cnf; default os.UserHomeDir.
	HomeDir string
	// LoginFile overrides the .mylogin.cnf path (MYSQL_TEST_LOGIN_FILE).
	LoginFile string
	// HistoryMaxEntries and HistoryMaxAge bound the query history
	// (defaults DefaultHistoryEntries, DefaultHistoryAge).
	HistoryMaxEntries int
	HistoryMaxAge     time.Duration
	// Policy is the safety gate's approval rules per environment
	// (default safety.DefaultPolicy).
	Policy safety.Policy
	// KeepConnections keeps one pool per profile open across calls, for
	// long-running processes (mydba serve); idle pools close after 5 min.
	KeepConnections bool
	// Alerts are the alert rules and the webhook (see alerts.go).
	Alerts AlertOptions
	// AI configures the AI providers (see ai.go).
	AI AIOptions
}

// Workbench is an open state directory plus everything wired to it.
type Workbench struct {
	store *store.Store
	vault *secret.Vault
	opts  Options
	cache *connCache
	// alerts holds the rules and the webhook sender.
	alerts *alerting
	// ai holds the providers' circuit breakers (see ai.go).
	ai aiState
}

// DefaultStateDir is $MYDBA_HOME, else $XDG_DATA_HOME/mydba, else
// ~/.local/share/mydba.
func DefaultStateDir(getenv func(string) string) (string, error) {
	if d := getenv("MYDBA_HOME"); d != "" {
		return d, nil
	}
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "mydba"), nil
	}
	home := getenv("HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", fmt.Errorf("find state dir: %w (set MYDBA_HOME or --state)", err)
		}
	}
	return filepath.Join(home, ".local", "share", "mydba"), nil
}

// noticeSetting remembers, per state dir, that the keyring fallback was
// explained, so the user hears it once rather than on every command.
const noticeSetting = "notice.keyring_fallback"

// Open opens the state directory.
func Open(ctx context.Context, o Options) (*Workbench, error) {
	if o.StateDir == "" {
		return nil, errors.New("workbench: no state dir")
	}
	if o.Notice == nil {
		o.Notice = func(string) {}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(o.StateDir, "mydba.db"), Now: o.Now})
	if err != nil {
		return nil, err
	}
	w := &Workbench{store: st, opts: o, cache: &connCache{conns: map[string]*cachedConn{}, idleAfter: 5 * time.Minute}, alerts: newAlerting(o.Alerts, o.Now)}
	kr := o.Keyring
	if kr == nil && !o.DisableKeyring {
		kr = secret.SystemKeyring()
	}
	if o.DisableKeyring {
		kr = nil
	}
	w.vault, err = secret.Open(secret.Options{
		Dir:     o.StateDir,
		Keyring: kr,
		Notice:  w.noticeOnce,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	return w, nil
}

func (w *Workbench) noticeOnce(msg string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, seen, err := w.store.Setting(ctx, noticeSetting); err == nil && seen {
		return
	}
	w.opts.Notice(msg)
	// If remembering fails the user may see the note again; no harm.
	_ = w.store.SetSetting(ctx, noticeSetting, w.opts.Now().UTC().Format(time.RFC3339))
}

// StatePath is the state file, for `mydba version` and diagnostics.
func (w *Workbench) StatePath() string { return w.store.Path() }

// SecretBackend says where new secrets go.
func (w *Workbench) SecretBackend() string { return w.vault.Backend() }

// Close releases the state file.
func (w *Workbench) Close() error {
	w.cache.closeAll()
	w.alerts.close()
	w.ai.mu.Lock()
	if w.ai.kb != nil {
		w.ai.kb.Close()
	}
	w.ai.mu.Unlock()
	return w.store.Close()
}
