package dial

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gliderssh "github.com/gliderlabs/ssh"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// testSSHServer is an in-process SSH server that forwards direct-tcpip
// channels and counts what it sees.
type testSSHServer struct {
	addr       string
	conns      atomic.Int32 // TCP connections accepted
	keepalives atomic.Int32 // keepalive requests received
	frozen     atomic.Bool  // when set, keepalive requests are never answered
	srv        *gliderssh.Server
	done       chan struct{}
}

// startSSHServer serves on ln (a fresh loopback listener when nil) with the
// given host keys, accepting the authorized client keys.
func startSSHServer(t *testing.T, ln net.Listener, hostKeys []ssh.Signer, authorized ...ssh.PublicKey) *testSSHServer {
	t.Helper()
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	s := &testSSHServer{addr: ln.Addr().String(), done: make(chan struct{})}
	s.srv = &gliderssh.Server{
		PublicKeyHandler: func(_ gliderssh.Context, key gliderssh.PublicKey) bool {
			for _, k := range authorized {
				if gliderssh.KeysEqual(k, key) {
					return true
				}
			}
			return false
		},
		LocalPortForwardingCallback: func(gliderssh.Context, string, uint32) bool { return true },
		ChannelHandlers:             map[string]gliderssh.ChannelHandler{"direct-tcpip": gliderssh.DirectTCPIPHandler},
		RequestHandlers: map[string]gliderssh.RequestHandler{
			"keepalive@openssh.com": func(ctx gliderssh.Context, _ *gliderssh.Server, _ *ssh.Request) (bool, []byte) {
				s.keepalives.Add(1)
				if s.frozen.Load() {
					<-ctx.Done() // a server that stopped answering
				}
				return true, nil
			},
		},
		ConnCallback: func(_ gliderssh.Context, c net.Conn) net.Conn {
			s.conns.Add(1)
			return c
		},
	}
	for _, k := range hostKeys {
		s.srv.AddHostKey(k)
	}
	go func() {
		defer close(s.done)
		s.srv.Serve(ln)
	}()
	t.Cleanup(s.stop)
	return s
}

// stop closes the server and its connections; safe to call twice.
func (s *testSSHServer) stop() {
	s.srv.Close()
	<-s.done
}

// startEcho runs a TCP server that echoes what it reads.
func startEcho(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				io.Copy(c, c)
				c.Close()
			}()
		}
	}()
	return ln.Addr().String()
}

// startBlackHole accepts connections and never says a word.
func startBlackHole(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return ln.Addr().String()
}

// startAgent serves an in-memory ssh-agent holding keys on a unix socket.
func startAgent(t *testing.T, keys ...ed25519.PrivateKey) string {
	t.Helper()
	// Not t.TempDir: subtest names make paths longer than a unix socket allows.
	dir, err := os.MkdirTemp("", "dial-agent")
	if err != nil {
		t.Fatal(err)
	}
	kr := agent.NewKeyring()
	for _, k := range keys {
		if err := kr.Add(agent.AddedKey{PrivateKey: k}); err != nil {
			t.Fatal(err)
		}
	}
	sock := filepath.Join(dir, "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		os.RemoveAll(dir)
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				agent.ServeAgent(kr, c)
				c.Close()
			}()
		}
	}()
	return sock
}

func newEd25519(t *testing.T) (ed25519.PrivateKey, ssh.Signer) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return priv, s
}

func newECDSASigner(t *testing.T) ssh.Signer {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// writeKeyFile writes priv in OpenSSH format, encrypted when passphrase is
// not empty.
func writeKeyFile(t *testing.T, priv ed25519.PrivateKey, passphrase string) string {
	t.Helper()
	var block *pem.Block
	var err error
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "test")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "test", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, t.TempDir(), "id_ed25519", pem.EncodeToMemory(block))
}

// writeKnownHosts writes a known_hosts file trusting keys for addr.
func writeKnownHosts(t *testing.T, addr string, keys ...ssh.PublicKey) string {
	t.Helper()
	var b bytes.Buffer
	for _, k := range keys {
		b.WriteString(knownhosts.Line([]string{knownhosts.Normalize(addr)}, k) + "\n")
	}
	return writeFile(t, t.TempDir(), "known_hosts", b.Bytes())
}

// sshOptionsFor fills host and port from addr.
func sshOptionsFor(t *testing.T, addr string, o SSHOptions) SSHOptions {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	o.Host = host
	if o.Port, err = net.LookupPort("tcp", port); err != nil {
		t.Fatal(err)
	}
	if o.User == "" {
		o.User = "tester"
	}
	return o
}

// newTestTunnel makes a Tunnel that is closed, and checked for leftover
// goroutines, when the test ends.
func newTestTunnel(t *testing.T, o SSHOptions) *Tunnel {
	t.Helper()
	tun, err := NewTunnel(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tun.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if left := waitTunnelGoroutines(0); left != "" {
			t.Errorf("goroutines still running after Close:\n%s", left)
		}
	})
	return tun
}

// tunnelGoroutines returns the stacks of goroutines started by this
// package's own (non-test) code.
func tunnelGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var ours []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "created by github.com/mydba/mydba/internal/dial.(*Tunnel).") ||
			strings.Contains(g, "created by github.com/mydba/mydba/internal/dial.bridge") {
			ours = append(ours, g)
		}
	}
	return ours
}

// waitTunnelGoroutines waits up to 3 s for at most max of them to remain and
// returns the stacks of those left over otherwise.
func waitTunnelGoroutines(max int) string {
	deadline := time.Now().Add(3 * time.Second)
	for {
		g := tunnelGoroutines()
		if len(g) <= max {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(g, "\n\n")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// echo sends msg over c and returns what comes back.
func echo(c net.Conn, msg string) (string, error) {
	c.SetDeadline(time.Now().Add(5 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, msg); err != nil {
		return "", err
	}
	buf := make([]byte, len(msg))
	_, err := io.ReadFull(c, buf)
	return string(buf), err
}
