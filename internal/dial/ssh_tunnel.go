package dial

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Defaults for SSHOptions' zero values.
const (
	DefaultSSHTimeout         = 10 * time.Second
	DefaultKeepaliveInterval  = 30 * time.Second
	DefaultKeepaliveMaxMissed = 3
)

// SSHOptions describe the SSH server (bastion) a Tunnel goes through.
type SSHOptions struct {
	User, Host string
	Port       int // 0 means 22

	// KeyFile is a private key in any format ssh-keygen writes; it may be
	// passphrase-protected.
	KeyFile string
	// Passphrase is called, at most once per Tunnel unless the answer was
	// wrong, when KeyFile is encrypted. The returned bytes are zeroed.
	Passphrase func() ([]byte, error)

	// UseAgent also offers the keys of an ssh-agent, after KeyFile's.
	UseAgent bool
	// AgentSocket is the agent's unix socket; "" means $SSH_AUTH_SOCK.
	AgentSocket string

	// KnownHostsFile holds the trusted host keys; "" means
	// ~/.ssh/known_hosts. Host keys are always checked: there is no option
	// to skip it.
	KnownHostsFile string

	// Timeout bounds TCP connect plus SSH handshake; 0 means
	// DefaultSSHTimeout.
	Timeout time.Duration

	// KeepaliveInterval is how often a keepalive@openssh.com request checks
	// that the server still answers; 0 means DefaultKeepaliveInterval and a
	// negative value turns keepalives off.
	KeepaliveInterval time.Duration
	// KeepaliveMaxMissed unanswered keepalives in a row close the
	// connection; 0 means DefaultKeepaliveMaxMissed.
	KeepaliveMaxMissed int
}

// Tunnel dials TCP (or unix socket) connections from the SSH server's side.
// The SSH connection is made on the first DialContext, shared by all later
// ones, and made again once when it has died. A Tunnel is safe for
// concurrent use.
type Tunnel struct {
	opts SSHOptions // defaults filled in
	addr string     // SSH server, host:port

	// lock is a one-slot semaphore rather than a mutex so that DialContext
	// calls waiting for another's connect give up when their ctx does.
	lock   chan struct{}
	sess   *session   // guarded by lock
	key    ssh.Signer // KeyFile parsed once, so the passphrase is asked once; guarded by lock
	closed bool       // guarded by lock

	closing context.Context // done once Close is called; aborts a connect
	stop    context.CancelFunc
	wg      sync.WaitGroup // watch and keepalive goroutines
}

// session is one SSH connection.
type session struct {
	client *ssh.Client
	dead   chan struct{} // closed when the connection has ended
}

func (s *session) alive() bool {
	select {
	case <-s.dead:
		return false
	default:
		return true
	}
}

// NewTunnel checks o and fills in its defaults. It neither reads files nor
// touches the network: that happens on the first DialContext, so a key or
// known_hosts entry added afterwards is used.
func NewTunnel(o SSHOptions) (*Tunnel, error) {
	if o.User == "" {
		return nil, errors.New("ssh tunnel: user is required")
	}
	if o.Host == "" {
		return nil, errors.New("ssh tunnel: host is required")
	}
	if o.Port == 0 {
		o.Port = 22
	}
	if o.Port < 1 || o.Port > 65535 {
		return nil, fmt.Errorf("ssh tunnel: port %d is not from 1 to 65535", o.Port)
	}
	if o.KeyFile == "" && !o.UseAgent {
		return nil, errors.New("ssh tunnel: no authentication: set a key file, use the agent, or both")
	}
	if o.UseAgent && o.AgentSocket == "" {
		o.AgentSocket = os.Getenv("SSH_AUTH_SOCK")
		if o.AgentSocket == "" && o.KeyFile == "" {
			return nil, errors.New("ssh tunnel: agent requested but SSH_AUTH_SOCK is not set")
		}
		if o.AgentSocket == "" {
			o.UseAgent = false // the key file alone, as ssh(1) does without an agent
		}
	}
	if o.KnownHostsFile == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("ssh tunnel: known hosts file not set and no home directory: %w", err)
		}
		o.KnownHostsFile = filepath.Join(home, ".ssh", "known_hosts")
	}
	switch {
	case o.Timeout < 0:
		return nil, fmt.Errorf("ssh tunnel: negative timeout %s", o.Timeout)
	case o.Timeout == 0:
		o.Timeout = DefaultSSHTimeout
	}
	if o.KeepaliveInterval == 0 {
		o.KeepaliveInterval = DefaultKeepaliveInterval
	}
	switch {
	case o.KeepaliveMaxMissed < 0:
		return nil, fmt.Errorf("ssh tunnel: negative keepalive max missed %d", o.KeepaliveMaxMissed)
	case o.KeepaliveMaxMissed == 0:
		o.KeepaliveMaxMissed = DefaultKeepaliveMaxMissed
	}
	closing, stop := context.WithCancel(context.Background())
	return &Tunnel{
		opts:    o,
		addr:    net.JoinHostPort(o.Host, strconv.Itoa(o.Port)),
		lock:    make(chan struct{}, 1),
		closing: closing,
		stop:    stop,
	}, nil
}

// DialContext connects to addr as seen from the SSH server; network is
// "tcp", "tcp4", "tcp6" or "unix". Host names in addr are resolved by the
// SSH server, so names only the bastion knows work. It fits
// go-sql-driver/mysql's Config.DialFunc.
//
// The returned connection supports deadlines (an SSH channel alone does
// not, and the driver needs them for its read and write timeouts). Close it
// to release its two goroutines.
func (t *Tunnel) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	// Check what the SSH library would reject locally, so that such an
	// error is not taken for a dead connection below.
	switch network {
	case "tcp", "tcp4", "tcp6":
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("ssh tunnel: %w", err)
		}
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return nil, fmt.Errorf("ssh tunnel: address %q: bad port", addr)
		}
	case "unix":
	default:
		return nil, fmt.Errorf("ssh tunnel: network %q not supported (tcp or unix)", network)
	}
	s, fresh, err := t.session(ctx, nil)
	if err != nil {
		return nil, err
	}
	ch, err := s.client.DialContext(ctx, network, addr)
	if err != nil && !fresh && connectionLost(ctx, err) {
		// The connection died without us noticing yet (server restarted,
		// network changed): connect again, once.
		s.client.Close()
		if s, _, err = t.session(ctx, s); err != nil {
			return nil, err
		}
		ch, err = s.client.DialContext(ctx, network, addr)
	}
	if err != nil {
		return nil, fmt.Errorf("ssh tunnel: dial %s via %s: %w", addr, t.addr, err)
	}
	return bridge(ch, tunnelAddr{network: network, addr: addr}), nil
}

// connectionLost tells a dead SSH connection from a refusal by the server
// (target down, forwarding prohibited) or our own cancellation.
func connectionLost(ctx context.Context, err error) bool {
	var refused *ssh.OpenChannelError
	return ctx.Err() == nil && !errors.As(err, &refused)
}

// Close closes the SSH connection and waits for the Tunnel's goroutines.
// Connections already dialled die with it. Later DialContext calls fail
// with an error wrapping net.ErrClosed. Close may wait for a Passphrase
// prompt in progress.
func (t *Tunnel) Close() error {
	t.stop()
	t.lock <- struct{}{}
	s := t.sess
	t.sess, t.closed = nil, true
	<-t.lock
	var err error
	if s != nil {
		if err = s.client.Close(); errors.Is(err, net.ErrClosed) {
			err = nil
		}
	}
	t.wg.Wait()
	return err
}

// session returns a live SSH connection, connecting when there is none or
// when the current one is stale (a dial over it just failed); fresh reports
// a new connection.
func (t *Tunnel) session(ctx context.Context, stale *session) (s *session, fresh bool, err error) {
	select {
	case t.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, false, fmt.Errorf("ssh tunnel to %s: %w", t.addr, ctx.Err())
	case <-t.closing.Done():
		return nil, false, fmt.Errorf("ssh tunnel to %s: %w", t.addr, net.ErrClosed)
	}
	defer func() { <-t.lock }()
	if t.closed {
		return nil, false, fmt.Errorf("ssh tunnel to %s: %w", t.addr, net.ErrClosed)
	}
	if t.sess != nil && t.sess != stale && t.sess.alive() {
		return t.sess, false, nil
	}
	if t.sess != nil {
		t.sess.client.Close()
		t.sess = nil
	}
	if s, err = t.connect(ctx); err != nil {
		return nil, false, err
	}
	t.sess = s
	t.wg.Add(1)
	go t.watch(s)
	if t.opts.KeepaliveInterval > 0 {
		t.wg.Add(1)
		go t.keepalive(s)
	}
	return s, true, nil
}

// connect makes one SSH connection within ctx, Timeout and Close. Called
// with lock held.
func (t *Tunnel) connect(ctx context.Context) (*session, error) {
	if t.key == nil && t.opts.KeyFile != "" {
		key, err := loadKeyFile(t.opts.KeyFile, t.opts.Passphrase)
		if err != nil {
			return nil, err
		}
		t.key = key
	}
	cctx, cancel := context.WithTimeout(ctx, t.opts.Timeout)
	defer cancel()
	defer context.AfterFunc(t.closing, cancel)()

	fail := func(step string, err error) (*session, error) {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// conn's deadline is cctx's, and the two timers race: let
			// cctx catch up to tell its cause.
			<-cctx.Done()
		}
		switch {
		case ctx.Err() != nil:
			err = ctx.Err()
		case t.closing.Err() != nil:
			err = net.ErrClosed
		case cctx.Err() != nil:
			// A black-holed endpoint shows up as an i/o timeout from deep in
			// the handshake; say what it means.
			return nil, fmt.Errorf("ssh tunnel: %s %s: no answer within %s: %w", step, t.addr, t.opts.Timeout, context.DeadlineExceeded)
		}
		return nil, fmt.Errorf("ssh tunnel: %s %s: %w", step, t.addr, err)
	}

	a, err := newAuth(cctx, t.key, t.opts.UseAgent, t.opts.AgentSocket)
	if err != nil {
		return fail("authenticate to", err)
	}
	defer a.close()

	var d net.Dialer
	conn, err := d.DialContext(cctx, "tcp", t.addr)
	if err != nil {
		return fail("connect to", err)
	}
	hk, err := loadHostKeyCheck(t.opts.KnownHostsFile, t.opts.Host, t.opts.Port, conn.RemoteAddr())
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("ssh tunnel: %w", err)
	}
	cfg := &ssh.ClientConfig{
		User:              t.opts.User,
		Auth:              a.methods(),
		HostKeyCallback:   hk.callback,
		HostKeyAlgorithms: hk.algorithms,
	}
	// The handshake reads from conn with no deadline of its own: bound it
	// by cctx, and wake it at once when ctx is cancelled or Close is called.
	// A TCP conn never fails SetDeadline before Close; if it did, the
	// handshake itself would report the broken conn.
	if dl, ok := cctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	wake := context.AfterFunc(cctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	c, chans, reqs, err := ssh.NewClientConn(conn, t.addr, cfg)
	if !wake() && err == nil {
		c.Close()
		err = cctx.Err()
	}
	if err != nil {
		conn.Close()
		if a.agentErr != nil {
			err = fmt.Errorf("%w (agent not used: %w)", err, a.agentErr)
		}
		return fail("handshake with", err)
	}
	_ = conn.SetDeadline(time.Time{})
	return &session{client: ssh.NewClient(c, chans, reqs), dead: make(chan struct{})}, nil
}

// watch marks s dead when its connection ends for any reason.
func (t *Tunnel) watch(s *session) {
	defer t.wg.Done()
	_ = s.client.Wait() // why it ended does not matter: any end means reconnect
	close(s.dead)
}

// keepalive asks the server to answer every interval and closes the
// connection after KeepaliveMaxMissed misses in a row, so that a server
// gone silent (crashed host, dropped NAT entry) is noticed before a query
// hangs on it. A reply of "unknown request" still proves the server alive.
func (t *Tunnel) keepalive(s *session) {
	defer t.wg.Done()
	every := t.opts.KeepaliveInterval
	tick := time.NewTicker(every)
	defer tick.Stop()
	missed := 0
	for {
		select {
		case <-s.dead:
			return
		case <-tick.C:
		}
		reply := make(chan error, 1)
		t.wg.Add(1)
		go func() {
			// Returns when the server answers or the connection closes.
			defer t.wg.Done()
			_, _, err := s.client.SendRequest("keepalive@openssh.com", true, nil)
			reply <- err
		}()
		wait := time.NewTimer(every)
		select {
		case err := <-reply:
			if err != nil {
				missed++
			} else {
				missed = 0
			}
		case <-wait.C:
			missed++
		case <-s.dead:
			wait.Stop()
			return
		}
		wait.Stop()
		if missed >= t.opts.KeepaliveMaxMissed {
			s.client.Close()
			return
		}
	}
}
