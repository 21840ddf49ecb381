package dial

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"
)

// quick keeps tests fast: keepalives off unless a test wants them. The
// timeout is only a bound: under the race detector on a loaded machine a
// handshake (and bcrypt of an encrypted key) takes seconds.
func quick(o SSHOptions) SSHOptions {
	if o.Timeout == 0 {
		o.Timeout = 15 * time.Second
	}
	if o.KeepaliveInterval == 0 {
		o.KeepaliveInterval = -1
	}
	return o
}

func TestTunnelAuth(t *testing.T) {
	_, hostKey := newEd25519(t)
	userPriv, userKey := newEd25519(t)
	agentPriv, agentKey := newEd25519(t)
	strangerPriv, _ := newEd25519(t)
	srv := startSSHServer(t, nil, []ssh.Signer{hostKey}, userKey.PublicKey(), agentKey.PublicKey())
	echoAddr := startEcho(t)
	knownHosts := writeKnownHosts(t, srv.addr, hostKey.PublicKey())
	agentSock := startAgent(t, agentPriv)
	strangerAgentSock := startAgent(t, strangerPriv)
	deadSock := filepath.Join(t.TempDir(), "no-agent.sock")
	// One encrypted key for all cases: bcrypt makes each one cost a second.
	encrypted := writeKeyFile(t, userPriv, "s3cret")

	tests := []struct {
		name       string
		opts       SSHOptions
		passphrase string // what the prompt answers
		wantErr    string // substring; "" means the echo works
		wantErrIs  error
		wantAsked  int // passphrase prompts
	}{
		{name: "key file", opts: SSHOptions{KeyFile: writeKeyFile(t, userPriv, "")}},
		// Asked once although the case connects twice.
		{name: "encrypted key, right passphrase", opts: SSHOptions{KeyFile: encrypted},
			passphrase: "s3cret", wantAsked: 1},
		{name: "encrypted key, wrong passphrase", opts: SSHOptions{KeyFile: encrypted},
			passphrase: "guess", wantAsked: 1, wantErr: "wrong passphrase", wantErrIs: ErrWrongPassphrase},
		{name: "encrypted key, no prompt", opts: SSHOptions{KeyFile: encrypted},
			wantErr: "no passphrase prompt"},
		{name: "unauthorized key", opts: SSHOptions{KeyFile: writeKeyFile(t, strangerPriv, "")},
			wantErr: "unable to authenticate"},
		{name: "missing key file", opts: SSHOptions{KeyFile: filepath.Join(t.TempDir(), "id_none")},
			wantErr: "id_none", wantErrIs: os.ErrNotExist},
		{name: "agent", opts: SSHOptions{UseAgent: true, AgentSocket: agentSock}},
		{name: "agent without the key", opts: SSHOptions{UseAgent: true, AgentSocket: strangerAgentSock},
			wantErr: "unable to authenticate"},
		{name: "unreachable agent", opts: SSHOptions{UseAgent: true, AgentSocket: deadSock},
			wantErr: "ssh agent at"},
		{name: "unauthorized key, agent has one", opts: SSHOptions{KeyFile: writeKeyFile(t, strangerPriv, ""),
			UseAgent: true, AgentSocket: agentSock}},
		{name: "key file, agent unreachable", opts: SSHOptions{KeyFile: writeKeyFile(t, userPriv, ""),
			UseAgent: true, AgentSocket: deadSock}},
		{name: "neither works, says agent unused", opts: SSHOptions{KeyFile: writeKeyFile(t, strangerPriv, ""),
			UseAgent: true, AgentSocket: deadSock}, wantErr: "agent not used"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked := 0
			o := quick(sshOptionsFor(t, srv.addr, tt.opts))
			o.KnownHostsFile = knownHosts
			if tt.passphrase != "" {
				o.Passphrase = func() ([]byte, error) {
					asked++
					return []byte(tt.passphrase), nil
				}
			}
			tun := newTestTunnel(t, o)
			conns := srv.conns.Load()
			got, err := dialEcho(tun, echoAddr, "ping")
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				// Authenticate again on a new connection, as after a
				// network failure.
				tun.sess.client.Close()
				<-tun.sess.dead
				again, err := dialEcho(tun, echoAddr, "pong")
				if err != nil {
					t.Fatalf("after reconnect: %v", err)
				}
				if diff := cmp.Diff([]string{"ping", "pong"}, []string{got, again}); diff != "" {
					t.Errorf("echo (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(int32(2), srv.conns.Load()-conns); diff != "" {
					t.Errorf("ssh connections (-want +got):\n%s", diff)
				}
			} else {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				if tt.wantErrIs != nil && !errors.Is(err, tt.wantErrIs) {
					t.Errorf("error %v does not wrap %v", err, tt.wantErrIs)
				}
			}
			if diff := cmp.Diff(tt.wantAsked, asked); diff != "" {
				t.Errorf("passphrase prompts (-want +got):\n%s", diff)
			}
		})
	}
}

// dialEcho dials addr over tun, echoes msg and closes the connection.
func dialEcho(tun *Tunnel, addr, msg string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := tun.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	return echo(c, msg)
}

func TestTunnelHostKey(t *testing.T) {
	userPriv, userKey := newEd25519(t)
	_, edHost := newEd25519(t)
	ecHost := newECDSASigner(t)
	_, impostor := newEd25519(t)
	// Most servers have several host keys; known_hosts may hold any of them.
	multi := startSSHServer(t, nil, []ssh.Signer{edHost, ecHost}, userKey.PublicKey())
	// A server with one key, so that which key it shows is known.
	single := startSSHServer(t, nil, []ssh.Signer{edHost}, userKey.PublicKey())
	host, portText, _ := net.SplitHostPort(single.addr)
	port, _ := strconv.Atoi(portText)
	echoAddr := startEcho(t)
	keyFile := writeKeyFile(t, userPriv, "")
	missing := filepath.Join(t.TempDir(), "known_hosts")
	otherHost := writeKnownHosts(t, "db.example:22", edHost.PublicKey())
	changed := writeKnownHosts(t, single.addr, impostor.PublicKey())
	revoked := writeFile(t, t.TempDir(), "known_hosts_revoked",
		[]byte("@revoked * "+string(ssh.MarshalAuthorizedKey(edHost.PublicKey()))))
	edType, edPrint := edHost.PublicKey().Type(), ssh.FingerprintSHA256(edHost.PublicKey())

	tests := []struct {
		name       string
		server     *testSSHServer
		knownHosts string
		want       error // nil means the echo works; compared with cmp for the typed errors
		wantText   []string
	}{
		{name: "ed25519 known", server: multi, knownHosts: writeKnownHosts(t, multi.addr, edHost.PublicKey())},
		{name: "only ecdsa known", server: multi, knownHosts: writeKnownHosts(t, multi.addr, ecHost.PublicKey())},
		{name: "both known", server: multi, knownHosts: writeKnownHosts(t, multi.addr, ecHost.PublicKey(), edHost.PublicKey())},
		{name: "unknown host", server: single, knownHosts: otherHost,
			want:     &UnknownHostKeyError{Host: host, Port: port, KeyType: edType, Fingerprint: edPrint, KnownHostsFile: otherHost},
			wantText: []string{edPrint, fmt.Sprintf("ssh-keyscan -p %d %s >> %s", port, host, otherHost)}},
		{name: "missing known_hosts", server: single, knownHosts: missing,
			want:     &UnknownHostKeyError{Host: host, Port: port, KeyType: edType, Fingerprint: edPrint, KnownHostsFile: missing},
			wantText: []string{"ssh-keyscan -p"}},
		{name: "changed key", server: single, knownHosts: changed,
			want: &HostKeyChangedError{Host: host, Port: port, KeyType: edType, Fingerprint: edPrint,
				Known: []string{changed + ":1"}, KnownHostsFile: changed},
			wantText: []string{"CHANGED", "man-in-the-middle", "ssh-keygen -R"}},
		{name: "revoked key", server: single, knownHosts: revoked, want: errors.New("any other"), wantText: []string{"@revoked"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := quick(sshOptionsFor(t, tt.server.addr, SSHOptions{KeyFile: keyFile, KnownHostsFile: tt.knownHosts}))
			tun := newTestTunnel(t, o)
			got, err := dialEcho(tun, echoAddr, "ping")
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff("ping", got); diff != "" {
					t.Errorf("echo (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil {
				t.Fatal("connected, want a host key error")
			}
			var unknown *UnknownHostKeyError
			var changed *HostKeyChangedError
			switch want := tt.want.(type) {
			case *UnknownHostKeyError:
				if !errors.As(err, &unknown) {
					t.Fatalf("got %v, want an UnknownHostKeyError", err)
				}
				if diff := cmp.Diff(want, unknown); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
			case *HostKeyChangedError:
				if !errors.As(err, &changed) {
					t.Fatalf("got %v, want a HostKeyChangedError", err)
				}
				if diff := cmp.Diff(want, changed); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
			default:
				if errors.As(err, &unknown) || errors.As(err, &changed) {
					t.Errorf("got %v, want neither unknown nor changed", err)
				}
			}
			for _, w := range tt.wantText {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestTunnelConnectTimeout(t *testing.T) {
	hole := startBlackHole(t)
	keyPriv, _ := newEd25519(t)
	keyFile := writeKeyFile(t, keyPriv, "")
	tests := []struct {
		name       string
		timeout    time.Duration
		ctxTimeout time.Duration
		closeAfter time.Duration
		wantIs     error
	}{
		{name: "timeout option", timeout: 300 * time.Millisecond, ctxTimeout: 10 * time.Second, wantIs: context.DeadlineExceeded},
		{name: "caller's context", timeout: 10 * time.Second, ctxTimeout: 300 * time.Millisecond, wantIs: context.DeadlineExceeded},
		{name: "Close during connect", timeout: 10 * time.Second, ctxTimeout: 10 * time.Second, closeAfter: 300 * time.Millisecond, wantIs: net.ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := sshOptionsFor(t, hole, SSHOptions{KeyFile: keyFile, Timeout: tt.timeout, KeepaliveInterval: -1,
				KnownHostsFile: filepath.Join(t.TempDir(), "known_hosts")})
			tun := newTestTunnel(t, o)
			if tt.closeAfter > 0 {
				timer := time.AfterFunc(tt.closeAfter, func() { tun.Close() })
				defer timer.Stop()
			}
			ctx, cancel := context.WithTimeout(context.Background(), tt.ctxTimeout)
			defer cancel()
			start := time.Now()
			_, err := tun.DialContext(ctx, "tcp", "127.0.0.1:3306")
			took := time.Since(start)
			if !errors.Is(err, tt.wantIs) {
				t.Errorf("got %v, want an error wrapping %v", err, tt.wantIs)
			}
			if took < 250*time.Millisecond || took > 2*time.Second {
				t.Errorf("gave up after %s, want about 300ms", took)
			}
		})
	}
}

// newEchoTunnel starts an SSH server and an echo server and returns a
// tunnel to them, with keepalive options from o.
func newEchoTunnel(t *testing.T, o SSHOptions) (*Tunnel, *testSSHServer, string) {
	t.Helper()
	_, hostKey := newEd25519(t)
	userPriv, userKey := newEd25519(t)
	srv := startSSHServer(t, nil, []ssh.Signer{hostKey}, userKey.PublicKey())
	o = quick(sshOptionsFor(t, srv.addr, o))
	o.KeyFile = writeKeyFile(t, userPriv, "")
	o.KnownHostsFile = writeKnownHosts(t, srv.addr, hostKey.PublicKey())
	return newTestTunnel(t, o), srv, startEcho(t)
}

func TestTunnelReconnectAfterServerRestart(t *testing.T) {
	_, hostKey := newEd25519(t)
	userPriv, userKey := newEd25519(t)
	first := startSSHServer(t, nil, []ssh.Signer{hostKey}, userKey.PublicKey())
	echoAddr := startEcho(t)
	o := quick(sshOptionsFor(t, first.addr, SSHOptions{
		KeyFile:        writeKeyFile(t, userPriv, ""),
		KnownHostsFile: writeKnownHosts(t, first.addr, hostKey.PublicKey()),
	}))
	tun := newTestTunnel(t, o)

	ctx := context.Background()
	old, err := tun.DialContext(ctx, "tcp", echoAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if _, err := echo(old, "before"); err != nil {
		t.Fatal(err)
	}

	first.stop()
	ln, err := net.Listen("tcp", first.addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", first.addr, err)
	}
	second := startSSHServer(t, ln, []ssh.Signer{hostKey}, userKey.PublicKey())

	got, err := dialEcho(tun, echoAddr, "after")
	if err != nil {
		t.Fatalf("dial after restart: %v", err)
	}
	if diff := cmp.Diff("after", got); diff != "" {
		t.Errorf("echo (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(int32(1), second.conns.Load()); diff != "" {
		t.Errorf("connections to the restarted server (-want +got):\n%s", diff)
	}
	if _, err := echo(old, "x"); err == nil {
		t.Error("connection over the old SSH connection still works")
	}
}

func TestTunnelKeepalive(t *testing.T) {
	tun, srv, echoAddr := newEchoTunnel(t, SSHOptions{KeepaliveInterval: 50 * time.Millisecond, KeepaliveMaxMissed: 2})
	c, err := tun.DialContext(context.Background(), "tcp", echoAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	// Answered keepalives keep the connection.
	deadline := time.Now().Add(3 * time.Second)
	for srv.keepalives.Load() < 4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := srv.keepalives.Load(); n < 4 {
		t.Fatalf("server saw %d keepalives in 3s, want at least 4", n)
	}
	if _, err := echo(c, "alive"); err != nil {
		t.Fatalf("connection dropped while the server answers keepalives: %v", err)
	}

	// A server that stops answering is dropped: the open connection ends
	// (rather than hanging until its deadline).
	srv.frozen.Store(true)
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	start := time.Now()
	_, err = c.Read(make([]byte, 1))
	if !errors.Is(err, io.EOF) {
		t.Fatalf("read on the silent connection: got %v, want EOF from the keepalive closing it", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %s to notice", took)
	}

	// The next dial reconnects.
	srv.frozen.Store(false)
	got, err := dialEcho(tun, echoAddr, "again")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("again", got); diff != "" {
		t.Errorf("echo (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(int32(2), srv.conns.Load()); diff != "" {
		t.Errorf("ssh connections (-want +got):\n%s", diff)
	}
}

func TestTunnelKeepaliveOff(t *testing.T) {
	tun, srv, echoAddr := newEchoTunnel(t, SSHOptions{KeepaliveInterval: -1})
	if _, err := dialEcho(tun, echoAddr, "x"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if diff := cmp.Diff(int32(0), srv.keepalives.Load()); diff != "" {
		t.Errorf("keepalives with keepalive off (-want +got):\n%s", diff)
	}
}

func TestTunnelConcurrentDials(t *testing.T) {
	tun, srv, echoAddr := newEchoTunnel(t, SSHOptions{KeepaliveInterval: 20 * time.Millisecond})
	const n = 16
	got := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			got[i], errs[i] = dialEcho(tun, echoAddr, fmt.Sprintf("msg-%02d", i))
		})
	}
	wg.Wait()
	var want []string
	for i := range n {
		if errs[i] != nil {
			t.Errorf("dial %d: %v", i, errs[i])
		}
		want = append(want, fmt.Sprintf("msg-%02d", i))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("echoes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(int32(1), srv.conns.Load()); diff != "" {
		t.Errorf("ssh connections shared by concurrent dials (-want +got):\n%s", diff)
	}
}

func TestTunnelDialErrors(t *testing.T) {
	tun, srv, echoAddr := newEchoTunnel(t, SSHOptions{})
	if _, err := dialEcho(tun, echoAddr, "x"); err != nil {
		t.Fatal(err)
	}
	closedPort := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		network string
		addr    string
		wantErr string
		wantIs  error
	}{
		{name: "target refuses", ctx: context.Background(), network: "tcp", addr: closedPort, wantErr: "connection refused"},
		{name: "bad network", ctx: context.Background(), network: "udp", addr: echoAddr, wantErr: `network "udp" not supported`},
		{name: "bad address", ctx: context.Background(), network: "tcp", addr: "no-port", wantErr: "missing port"},
		{name: "cancelled", ctx: cancelled, network: "tcp", addr: echoAddr, wantIs: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tun.DialContext(tt.ctx, tt.network, tt.addr)
			if err == nil {
				c.Close()
				t.Fatal("dial succeeded, want an error")
			}
			if tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %v, want an error containing %q", err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("got %v, want an error wrapping %v", err, tt.wantIs)
			}
		})
	}
	// None of these is the SSH connection's fault: it was kept.
	if diff := cmp.Diff(int32(1), srv.conns.Load()); diff != "" {
		t.Errorf("ssh connections (-want +got):\n%s", diff)
	}

	if err := tun.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tun.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := tun.DialContext(context.Background(), "tcp", echoAddr); !errors.Is(err, net.ErrClosed) {
		t.Errorf("dial after Close: got %v, want net.ErrClosed", err)
	}
}

func TestTunnelConnDeadline(t *testing.T) {
	tun, _, echoAddr := newEchoTunnel(t, SSHOptions{})
	c, err := tun.DialContext(context.Background(), "tcp", echoAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if diff := cmp.Diff(echoAddr, c.RemoteAddr().String()); diff != "" {
		t.Errorf("RemoteAddr (-want +got):\n%s", diff)
	}
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err = c.Read(make([]byte, 1))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read past deadline: got %v, want a timeout", err)
	}
	// A deadline that fired leaves the connection usable.
	got, err := echo(c, "still here")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("still here", got); diff != "" {
		t.Errorf("echo (-want +got):\n%s", diff)
	}
}

func TestTunnelCloseStopsGoroutines(t *testing.T) {
	tun, _, echoAddr := newEchoTunnel(t, SSHOptions{KeepaliveInterval: 10 * time.Millisecond})
	c, err := tun.DialContext(context.Background(), "tcp", echoAddr)
	if err != nil {
		t.Fatal(err)
	}
	// watch, keepalive and two pumps at least.
	if n := len(tunnelGoroutines()); n < 4 {
		t.Fatalf("%d tunnel goroutines while connected, want at least 4", n)
	}
	c.Close()
	if err := tun.Close(); err != nil {
		t.Fatal(err)
	}
	if left := waitTunnelGoroutines(0); left != "" {
		t.Errorf("goroutines still running after Close:\n%s", left)
	}
}

func TestNewTunnel(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSH_AUTH_SOCK", "/run/agent.sock")
	defaultKnown := filepath.Join(home, ".ssh", "known_hosts")
	tests := []struct {
		name    string
		in      SSHOptions
		want    SSHOptions
		wantErr string
	}{
		{name: "defaults",
			in: SSHOptions{User: "u", Host: "h", KeyFile: "k"},
			want: SSHOptions{User: "u", Host: "h", Port: 22, KeyFile: "k", KnownHostsFile: defaultKnown,
				Timeout: 10 * time.Second, KeepaliveInterval: 30 * time.Second, KeepaliveMaxMissed: 3}},
		{name: "agent from environment",
			in: SSHOptions{User: "u", Host: "h", Port: 2222, UseAgent: true, KnownHostsFile: "kh",
				Timeout: time.Second, KeepaliveInterval: -1, KeepaliveMaxMissed: 5},
			want: SSHOptions{User: "u", Host: "h", Port: 2222, UseAgent: true, AgentSocket: "/run/agent.sock",
				KnownHostsFile: "kh", Timeout: time.Second, KeepaliveInterval: -1, KeepaliveMaxMissed: 5}},
		{name: "no user", in: SSHOptions{Host: "h", KeyFile: "k"}, wantErr: "user is required"},
		{name: "no host", in: SSHOptions{User: "u", KeyFile: "k"}, wantErr: "host is required"},
		{name: "bad port", in: SSHOptions{User: "u", Host: "h", Port: 70000, KeyFile: "k"}, wantErr: "port 70000"},
		{name: "no auth", in: SSHOptions{User: "u", Host: "h"}, wantErr: "no authentication"},
		{name: "negative timeout", in: SSHOptions{User: "u", Host: "h", KeyFile: "k", Timeout: -1}, wantErr: "negative timeout"},
		{name: "negative missed", in: SSHOptions{User: "u", Host: "h", KeyFile: "k", KeepaliveMaxMissed: -1}, wantErr: "negative keepalive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tun, err := NewTunnel(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer tun.Close()
			if diff := cmp.Diff(tt.want, tun.opts); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewTunnelAgentNotSet(t *testing.T) {
	t.Setenv("SSH_AUTH_SOCK", "")
	tests := []struct {
		name     string
		in       SSHOptions
		wantErr  string
		useAgent bool
	}{
		{name: "agent only", in: SSHOptions{User: "u", Host: "h", UseAgent: true}, wantErr: "SSH_AUTH_SOCK is not set"},
		{name: "agent and key file", in: SSHOptions{User: "u", Host: "h", UseAgent: true, KeyFile: "k"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tun, err := NewTunnel(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer tun.Close()
			if diff := cmp.Diff(tt.useAgent, tun.opts.UseAgent); diff != "" {
				t.Errorf("UseAgent (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConnectionLost(t *testing.T) {
	live := context.Background()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want bool
	}{
		{name: "connection closed", ctx: live, err: io.EOF, want: true},
		{name: "network error", ctx: live, err: &net.OpError{Op: "write", Err: errors.New("broken pipe")}, want: true},
		{name: "target refused", ctx: live, err: &ssh.OpenChannelError{Reason: ssh.ConnectionFailed}, want: false},
		{name: "forwarding prohibited", ctx: live, err: fmt.Errorf("x: %w", &ssh.OpenChannelError{Reason: ssh.Prohibited}), want: false},
		{name: "caller cancelled", ctx: cancelled, err: context.Canceled, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, connectionLost(tt.ctx, tt.err)); diff != "" {
				t.Errorf("connectionLost (-want +got):\n%s", diff)
			}
		})
	}
}

// DialContext has the shape of go-sql-driver/mysql's Config.DialFunc.
var _ func(context.Context, string, string) (net.Conn, error) = (*Tunnel)(nil).DialContext
