package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// sessionConnector runs the session settings on every new pooled
// connection, so no pooled session is ever writable or unbounded, and
// remembers each session's server thread id so a timed-out statement can be
// killed on the server.
type sessionConnector struct {
	inner driver.Connector
	init  []string
}

func (c *sessionConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	ex, ok := conn.(driver.ExecerContext)
	q, ok2 := conn.(driver.QueryerContext)
	if !ok || !ok2 {
		conn.Close()
		return nil, errors.New("driver connection cannot execute")
	}
	for _, s := range c.init {
		if _, err := ex.ExecContext(ctx, s, nil); err != nil {
			conn.Close()
			return nil, fmt.Errorf("prepare session: %w", err)
		}
	}
	rows, err := q.QueryContext(ctx, "/* mydba:session */ SELECT CONNECTION_ID()", nil)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("prepare session: %w", err)
	}
	vals := make([]driver.Value, 1)
	err = rows.Next(vals)
	rows.Close()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("prepare session: read connection id: %w", err)
	}
	id, err := strconv.ParseInt(asString(vals[0]), 10, 64)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("prepare session: connection id %q: %w", asString(vals[0]), err)
	}
	return &sessionConn{Conn: conn, id: id}, nil
}

func (c *sessionConnector) Driver() driver.Driver { return c.inner.Driver() }

// sessionConn is a driver connection that knows its server thread id. It
// forwards every optional interface go-sql-driver/mysql implements, so
// database/sql treats it exactly like the driver's own connection.
type sessionConn struct {
	driver.Conn
	id int64
}

var (
	_ driver.ConnBeginTx        = (*sessionConn)(nil)
	_ driver.ConnPrepareContext = (*sessionConn)(nil)
	_ driver.ExecerContext      = (*sessionConn)(nil)
	_ driver.QueryerContext     = (*sessionConn)(nil)
	_ driver.Pinger             = (*sessionConn)(nil)
	_ driver.SessionResetter    = (*sessionConn)(nil)
	_ driver.Validator          = (*sessionConn)(nil)
	_ driver.NamedValueChecker  = (*sessionConn)(nil)
)

func (c *sessionConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return nil, errors.New("driver connection cannot begin with options")
}

func (c *sessionConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.Prepare(query)
}

func (c *sessionConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if e, ok := c.Conn.(driver.ExecerContext); ok {
		return e.ExecContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

func (c *sessionConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := c.Conn.(driver.QueryerContext); ok {
		return q.QueryContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

func (c *sessionConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *sessionConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *sessionConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *sessionConn) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := c.Conn.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// Session is one pooled read-only connection lent to a caller for the
// duration of a call.
type Session struct {
	*sql.Conn
	// ID is the server's thread id for this session (CONNECTION_ID()).
	ID int64
}

// withSession lends fn one read-only session under the call timeout (or the
// caller's shorter deadline). If ctx ends first — timeout or cancel — mydba
// sends KILL QUERY for the session's thread on a separate connection: the
// driver only closes its socket, and the server would otherwise keep
// working on the statement.
func (d *DB) withSession(ctx context.Context, fn func(ctx context.Context, s Session) error) error {
	ctx, cancel := context.WithTimeout(ctx, d.callTimeout)
	defer cancel()
	conn, err := d.pool.Conn(ctx)
	if err != nil {
		return d.callError("get a session", err)
	}
	var id int64
	_ = conn.Raw(func(dc any) error {
		if sc, ok := dc.(*sessionConn); ok {
			id = sc.id
		}
		return nil
	})
	killed := d.killOnDone(ctx, id)
	err = fn(ctx, Session{Conn: conn, ID: id})
	killed()
	conn.Close()
	return err
}

// killOnDone sends KILL QUERY for thread id when ctx ends, and returns the
// function to call once the statement has returned. That function waits
// for a kill in progress, so the caller's next call never races with it,
// and sends the kill itself when ctx ended but the kill had not started:
// the driver gives up on the same deadline, and when it returns first,
// stopping the pending kill would leave the server working on.
func (d *DB) killOnDone(ctx context.Context, id int64) func() {
	killed := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(killed)
		d.killQuery(id)
	})
	return func() {
		switch {
		case !stop():
			<-killed
		case ctx.Err() != nil:
			d.killQuery(id)
		}
	}
}

// killQuery stops the statement running on thread id, on its own short
// connection (killing one's own statements needs no privilege).
func (d *DB) killQuery(id int64) { d.kill("KILL QUERY ", id) }

// killConnection ends session id on the server, for a session mydba is
// discarding anyway.
func (d *DB) killConnection(id int64) { d.kill("KILL CONNECTION ", id) }

func (d *DB) kill(verb string, id int64) {
	if id == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// The id is our own integer, never user text. A session that already
	// ended is no error worth reporting: the point was that it stops.
	_, _ = d.killer.ExecContext(ctx, "/* mydba:kill */ "+verb+strconv.FormatInt(id, 10))
}
