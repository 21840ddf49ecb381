package workbench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/adapter"
	"github.com/mydba/mydba/internal/adapter/mysql"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/mycnf"
)

// ConnRequest names a server: a saved profile, or an ad-hoc DSN.
type ConnRequest struct {
	Profile string
	DSN     string
	// Password given for this invocation (--password-stdin, MYDBA_PASSWORD,
	// a prompt). It wins over anything stored.
	Password *string
	// SSHPassphrase likewise (MYDBA_SSH_PASSPHRASE).
	SSHPassphrase *string
	// Timeout bounds connecting; statements get CallTimeout. Defaults 5s/30s.
	Timeout     time.Duration
	CallTimeout time.Duration
}

// target resolves a request into a profile (ad-hoc DSNs become an unsaved
// dev profile).
func (w *Workbench) target(ctx context.Context, r ConnRequest) (dba.Profile, string, bool, error) {
	switch {
	case r.Profile != "" && r.DSN != "":
		return dba.Profile{}, "", false, fmt.Errorf("%w: give either a profile (--conn) or --dsn, not both", dba.ErrInvalid)
	case r.Profile != "":
		p, err := w.Profile(ctx, r.Profile)
		return p, "", false, err
	case r.DSN != "":
		d, err := dba.ParseDSN(r.DSN)
		if err != nil {
			return dba.Profile{}, "", false, err
		}
		return dba.Profile{Name: "(dsn)", Env: dba.EnvDev, Target: d.Target}, d.Password, d.HasPassword, nil
	}
	return dba.Profile{}, "", false, fmt.Errorf("%w: no connection: give --conn NAME or --dsn URL", dba.ErrInvalid)
}

// resolve merges option files and fetches secrets: the only place a
// password exists in memory before it goes to the driver.
func (w *Workbench) resolve(ctx context.Context, r ConnRequest) (dba.Profile, adapter.ConnectParams, error) {
	p, dsnPassword, hasDSNPassword, err := w.target(ctx, r)
	if err != nil {
		return p, adapter.ConnectParams{}, err
	}
	t, filePassword, err := w.mergeOptionFiles(p.Target)
	if err != nil {
		return p, adapter.ConnectParams{}, err
	}
	params := adapter.ConnectParams{Target: t, ConnectTimeout: r.Timeout, CallTimeout: r.CallTimeout}
	switch {
	case r.Password != nil:
		params.Password = *r.Password
	case hasDSNPassword:
		params.Password = dsnPassword
	case p.PasswordRef != "":
		b, err := w.vault.Get(ctx, p.PasswordRef)
		if err != nil {
			return p, params, fmt.Errorf("read stored password of %q: %w", p.Name, err)
		}
		params.Password = string(b)
	case p.PasswordCommand != "":
		pw, err := runPasswordCommand(ctx, p.PasswordCommand)
		if err != nil {
			return p, params, err
		}
		params.Password = pw
	case filePassword != nil:
		params.Password = *filePassword
	}
	switch {
	case r.SSHPassphrase != nil:
		pp := []byte(*r.SSHPassphrase)
		params.SSHPassphrase = func() ([]byte, error) { return pp, nil }
	case p.SSHPassphraseRef != "":
		ref := p.SSHPassphraseRef
		params.SSHPassphrase = func() ([]byte, error) { return w.vault.Get(ctx, ref) }
	}
	return p, params, nil
}

// runPasswordCommand runs the profile's password_command through the shell
// and takes its first line of output. Its output never appears in errors.
func runPasswordCommand(ctx context.Context, command string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("password command did not finish within 30s")
		}
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return "", fmt.Errorf("password command failed: %w: %s", err, msg)
	}
	line, _, _ := strings.Cut(out.String(), "\n")
	return strings.TrimSuffix(line, "\r"), nil
}

// optionGroups are the groups the mysql and mariadb clients read.
var optionGroups = []string{"client", "client-server", "client-mariadb", "mysql", "mariadb-client"}

// mergeOptionFiles fills the target's empty fields from its option file and
// login path, as the mysql client would; explicit profile fields win. The
// password found there, if any, is returned separately.
func (w *Workbench) mergeOptionFiles(t dba.Target) (dba.Target, *string, error) {
	var opts []map[string]string
	if t.OptionFile != "" {
		o, err := mycnf.ReadFile(expandHome(t.OptionFile, w.opts.HomeDir))
		if err != nil {
			return t, nil, fmt.Errorf("option file: %w", err)
		}
		opts = append(opts, o.Group(optionGroups...))
	}
	if t.LoginPath != "" {
		path := w.opts.LoginFile
		if path == "" {
			home := w.opts.HomeDir
			if home == "" {
				var err error
				if home, err = os.UserHomeDir(); err != nil {
					return t, nil, fmt.Errorf("login path: %w", err)
				}
			}
			path = filepath.Join(home, ".mylogin.cnf")
		}
		o, err := mycnf.ReadLoginFile(path)
		if err != nil {
			return t, nil, fmt.Errorf("login path %q: %w", t.LoginPath, err)
		}
		found := false
		for _, g := range o.Groups() {
			if strings.EqualFold(g, t.LoginPath) {
				found = true
			}
		}
		if !found {
			return t, nil, fmt.Errorf("%w: login path %q is not in %s (groups: %s)", dba.ErrNotFound, t.LoginPath, path, strings.Join(o.Groups(), ", "))
		}
		opts = append(opts, o.Group("client", t.LoginPath))
	}
	var password *string
	for _, m := range opts {
		if err := applyOptions(&t, m); err != nil {
			return t, nil, err
		}
		if pw, ok := m["password"]; ok {
			password = &pw
		}
	}
	return t, password, nil
}

func applyOptions(t *dba.Target, m map[string]string) error {
	set := func(dst *string, key string) {
		if v, ok := m[key]; ok && *dst == "" {
			*dst = v
		}
	}
	set(&t.Host, "host")
	set(&t.User, "user")
	set(&t.Socket, "socket")
	set(&t.Database, "database")
	set(&t.TLS.CA, "ssl-ca")
	set(&t.TLS.Cert, "ssl-cert")
	set(&t.TLS.Key, "ssl-key")
	if v, ok := m["port"]; ok && t.Port == 0 {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%w: option file: port %q is not a number from 1 to 65535", dba.ErrInvalid, v)
		}
		t.Port = n
	}
	if t.TLS.Mode == "" {
		if v, ok := m["ssl-mode"]; ok {
			mode, err := dba.ParseTLSMode(v)
			if err != nil && !strings.EqualFold(v, "preferred") {
				return fmt.Errorf("option file: ssl-mode: %w", err)
			}
			t.TLS.Mode = mode
		} else if v, ok := m["ssl-verify-server-cert"]; ok && v != "0" && !strings.EqualFold(v, "off") {
			t.TLS.Mode = dba.TLSVerifyFull
		} else if _, ok := m["ssl"]; ok || t.TLS.CA != "" {
			t.TLS.Mode = dba.TLSRequired
			if t.TLS.CA != "" {
				t.TLS.Mode = dba.TLSVerifyCA
			}
		}
	}
	// A host from an option file with a socket also set: the mysql client
	// uses the socket only for "localhost"; so does mydba.
	if t.Socket != "" && t.Host != "" {
		if t.Host == "localhost" {
			t.Host = ""
		} else {
			t.Socket = ""
		}
	}
	return nil
}

func expandHome(path, home string) string {
	if !strings.HasPrefix(path, "~/") {
		return path
	}
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, path[2:])
}

// open resolves a request and connects: the one way every use case reaches
// a server. The caller closes the DB (a no-op for pools the workbench keeps
// when Options.KeepConnections is set).
func (w *Workbench) open(ctx context.Context, r ConnRequest) (*mysql.DB, dba.Profile, error) {
	if w.opts.KeepConnections && r.Profile != "" && r.DSN == "" && r.Password == nil && r.SSHPassphrase == nil {
		return w.cachedOpen(ctx, r)
	}
	return w.dial(ctx, r)
}

// dial resolves a request and opens a new pool.
func (w *Workbench) dial(ctx context.Context, r ConnRequest) (*mysql.DB, dba.Profile, error) {
	p, params, err := w.resolve(ctx, r)
	if err != nil {
		return nil, p, err
	}
	db, err := mysql.Open(ctx, params)
	return db, p, err
}

// TestResult is a connection test: the profile used and what the server said.
type TestResult struct {
	Profile dba.Profile      `json:"profile"`
	Report  dba.ServerReport `json:"report"`
}

// TestConnection connects with a timeout (default 5s), detects the server
// and reports role, instrumentation and missing privileges.
func (w *Workbench) TestConnection(ctx context.Context, r ConnRequest) (TestResult, error) {
	if r.Timeout <= 0 {
		r.Timeout = 5 * time.Second
	}
	if r.CallTimeout <= 0 {
		r.CallTimeout = r.Timeout
	}
	db, p, err := w.open(ctx, r)
	if err != nil {
		return TestResult{Profile: p}, err
	}
	defer db.Close()
	rep, err := db.Report(ctx)
	if err != nil && errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%w: %w", dba.ErrTimeout, err)
	}
	return TestResult{Profile: p, Report: rep}, err
}
