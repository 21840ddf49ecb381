// Package mysql is the adapter for MySQL and MariaDB over
// go-sql-driver/mysql. It detects flavour and version once at connect and
// chooses every SQL source from them. Every session it opens is read-only
// on the server side, has a server-side statement timeout, and every
// statement it sends is tagged /* mydba:<component> */.
package mysql

import (
	"context"
	"crypto/tls"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/mydba/mydba/internal/adapter"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dial"
)

// DB is an open read-only pool to one server.
type DB struct {
	// base connects without any session settings; the writer builds its
	// one writable session from it.
	base        driver.Connector
	stmtTimeout time.Duration
	pool        *sql.DB
	killer      *sql.DB
	server      dba.Server
	target      dba.Target
	tunnel      *dial.Tunnel
	callTimeout time.Duration
	connectTime time.Duration
	shared      atomic.Bool
}

var _ adapter.Conn = (*DB)(nil)

// Open connects, detects the server and returns a read-only pool. Errors
// say what failed (unreachable, TLS, access denied) and never carry the
// password.
func Open(ctx context.Context, p adapter.ConnectParams) (*DB, error) {
	if p.ConnectTimeout <= 0 {
		p.ConnectTimeout = 5 * time.Second
	}
	if p.CallTimeout <= 0 {
		p.CallTimeout = 30 * time.Second
	}
	if p.MaxOpen <= 0 {
		p.MaxOpen = 4
	}
	start := time.Now()
	cfg, tunnel, err := driverConfig(p)
	if err != nil {
		return nil, err
	}
	base, err := gomysql.NewConnector(cfg)
	if err != nil {
		closeTunnel(tunnel)
		return nil, fmt.Errorf("%w: %w", dba.ErrInvalid, err)
	}
	d := &DB{target: p.Target, tunnel: tunnel, callTimeout: p.CallTimeout}

	// Detect on one raw connection first: the session settings that make
	// the pool read-only and time-limited differ by flavour and version.
	cctx, cancel := context.WithTimeout(ctx, p.ConnectTimeout)
	defer cancel()
	raw, err := base.Connect(cctx)
	if err != nil {
		closeTunnel(tunnel)
		return nil, d.connectError(cctx, p, err)
	}
	server, err := detect(cctx, raw)
	raw.Close()
	if err != nil {
		closeTunnel(tunnel)
		return nil, d.connectError(cctx, p, err)
	}
	d.server = server
	stmtTimeout := p.StatementTimeout
	if stmtTimeout <= 0 {
		stmtTimeout = p.CallTimeout
	}
	d.base, d.stmtTimeout = base, stmtTimeout
	sc := &sessionConnector{inner: base, init: sessionInit(server, stmtTimeout)}
	d.pool = sql.OpenDB(sc)
	// Kills travel on their own connection: the pool may be exhausted by
	// the very statements that need killing.
	d.killer = sql.OpenDB(sc)
	d.killer.SetMaxOpenConns(1)
	d.killer.SetConnMaxIdleTime(30 * time.Second)
	d.pool.SetMaxOpenConns(p.MaxOpen)
	d.pool.SetMaxIdleConns(p.MaxOpen)
	d.pool.SetConnMaxIdleTime(time.Minute)
	if err := d.pool.PingContext(cctx); err != nil {
		d.Close()
		return nil, d.connectError(cctx, p, err)
	}
	d.connectTime = time.Since(start)
	return d, nil
}

func driverConfig(p adapter.ConnectParams) (*gomysql.Config, *dial.Tunnel, error) {
	t := p.Target
	cfg := gomysql.NewConfig()
	cfg.User = t.User
	cfg.Passwd = p.Password
	cfg.DBName = t.Database
	if t.Socket != "" {
		cfg.Net, cfg.Addr = "unix", t.Socket
	} else {
		cfg.Net, cfg.Addr = "tcp", t.Address()
	}
	cfg.Timeout = p.ConnectTimeout
	// A server that vanishes mid-query must not hang a read forever; the
	// server-side statement timeout fires first in the normal case.
	cfg.ReadTimeout = p.CallTimeout + 10*time.Second
	cfg.WriteTimeout = p.CallTimeout + 10*time.Second
	cfg.MultiStatements = false
	cfg.InterpolateParams = false
	cfg.ParseTime = !p.TemporalAsText
	cfg.Loc = time.UTC
	cfg.AllowNativePasswords = true
	cfg.ConnectionAttributes = "program_name:mydba"
	// The driver prints connection failures on stderr ("[mysql]
	// packets.go: unexpected EOF"); mydba returns them as errors instead.
	cfg.Logger = &gomysql.NopLogger{}
	if t.TLS.Mode != "" {
		if t.Socket != "" {
			return nil, nil, fmt.Errorf("%w: TLS over a unix socket is not supported; connect by host and port", dba.ErrInvalid)
		}
		mode, err := dial.ParseTLSMode(t.TLS.Mode)
		if err != nil {
			return nil, nil, fmt.Errorf("tls: %w: %w", dba.ErrInvalid, err)
		}
		serverName := t.TLS.ServerName
		if serverName == "" {
			serverName = t.Host
		}
		tc, err := dial.TLSConfig(dial.TLSOptions{Mode: mode, CAFile: t.TLS.CA, CertFile: t.TLS.Cert, KeyFile: t.TLS.Key, ServerName: serverName})
		if err != nil {
			return nil, nil, fmt.Errorf("tls: %w: %w", dba.ErrInvalid, err)
		}
		cfg.TLS = tc
	}
	var tunnel *dial.Tunnel
	if t.SSH != nil {
		if t.Socket != "" {
			return nil, nil, fmt.Errorf("%w: an SSH tunnel needs a host and port, not a socket", dba.ErrInvalid)
		}
		var err error
		tunnel, err = dial.NewTunnel(dial.SSHOptions{
			User: t.SSH.User, Host: t.SSH.Host, Port: t.SSH.Port,
			KeyFile: t.SSH.KeyFile, Passphrase: p.SSHPassphrase,
			UseAgent: t.SSH.Agent, KnownHostsFile: t.SSH.KnownHosts,
			Timeout: p.ConnectTimeout,
		})
		if err != nil {
			return nil, nil, fmt.Errorf("ssh: %w: %w", dba.ErrInvalid, err)
		}
		cfg.DialFunc = tunnel.DialContext
	}
	return cfg, tunnel, nil
}

func closeTunnel(t *dial.Tunnel) {
	if t != nil {
		t.Close()
	}
}

// Server is the flavour and version detected at connect.
func (d *DB) Server() dba.Server { return d.server }

// Close closes the pool and the SSH tunnel, if any.
func (d *DB) Close() error {
	if d.shared.Load() {
		// A long-lived process keeps the pool; Release closes it.
		return nil
	}
	return d.Release()
}

// Share makes Close a no-op, for a pool a long-running process (mydba
// serve) keeps across requests; Release then closes it for good.
func (d *DB) Share() { d.shared.Store(true) }

// Release closes the pool and the tunnel whatever Share said.
func (d *DB) Release() error {
	var err error
	if d.pool != nil {
		err = d.pool.Close()
	}
	if d.killer != nil {
		d.killer.Close()
	}
	closeTunnel(d.tunnel)
	return err
}

// detect reads the version on a raw driver connection.
func detect(ctx context.Context, c driver.Conn) (dba.Server, error) {
	q, ok := c.(driver.QueryerContext)
	if !ok {
		return dba.Server{}, errors.New("driver connection cannot query")
	}
	rows, err := q.QueryContext(ctx, "/* mydba:connect */ SELECT @@version, @@version_comment", nil)
	if err != nil {
		return dba.Server{}, err
	}
	defer rows.Close()
	vals := make([]driver.Value, 2)
	if err := rows.Next(vals); err != nil {
		return dba.Server{}, fmt.Errorf("read server version: %w", err)
	}
	return dba.DetectServer(asString(vals[0]), asString(vals[1]))
}

func asString(v driver.Value) string {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case string:
		return x
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}

// sessionInit is what every pooled session runs first: read-only at the
// server and a server-side statement timeout, spelled for the flavour.
func sessionInit(s dba.Server, timeout time.Duration) []string {
	return append([]string{"/* mydba:session */ SET SESSION TRANSACTION READ ONLY"}, statementTimeout(s, timeout)...)
}

// statementTimeout is the server-side limit on each statement, spelled for
// the flavour.
func statementTimeout(s dba.Server, timeout time.Duration) []string {
	var init []string
	switch {
	case s.IsMariaDB():
		// max_statement_time is in seconds and applies to every statement.
		init = append(init, "/* mydba:session */ SET SESSION max_statement_time = "+strconv.FormatFloat(timeout.Seconds(), 'f', 3, 64))
	case s.Version.AtLeast(5, 7, 8):
		// max_execution_time is in milliseconds and covers SELECT only.
		init = append(init, "/* mydba:session */ SET SESSION max_execution_time = "+strconv.FormatInt(timeout.Milliseconds(), 10))
	}
	return init
}

// connectError turns driver and network failures into messages a user can
// act on. The password never appears: the server's own message names only
// the user and host.
func (d *DB) connectError(ctx context.Context, p adapter.ConnectParams, err error) error {
	where := d.target.Address()
	if d.target.SSH != nil {
		where += " via ssh " + d.target.SSH.Addr()
	}
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1045, 1698:
			return fmt.Errorf("connect to %s as %q: %w: wrong user or password (server said: %s)", where, d.target.User, dba.ErrAuth, me.Message)
		case 1044, 1049:
			return fmt.Errorf("connect to %s: %w (server said: %s)", where, dba.ErrAuth, me.Message)
		}
		return fmt.Errorf("connect to %s: server error %d: %s", where, me.Number, me.Message)
	}
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		return fmt.Errorf("connect to %s: %w: no answer within %s", where, dba.ErrUnreachable, p.ConnectTimeout)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("connect to %s: %w: no answer within %s", where, dba.ErrUnreachable, p.ConnectTimeout)
	}
	var te *tls.CertificateVerificationError
	if errors.As(err, &te) {
		return fmt.Errorf("connect to %s: tls: server certificate rejected: %w", where, err)
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return fmt.Errorf("connect to %s: %w: %w", where, dba.ErrUnreachable, oe.Err)
	}
	if errors.Is(err, gomysql.ErrNoTLS) {
		return fmt.Errorf("connect to %s: tls requested but the server does not offer it: %w", where, err)
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, gomysql.ErrInvalidConn) {
		return fmt.Errorf("connect to %s: %w: connection dropped during handshake", where, dba.ErrUnreachable)
	}
	return fmt.Errorf("connect to %s: %w", where, err)
}
