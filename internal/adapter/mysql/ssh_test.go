package mysql

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gliderssh "github.com/gliderlabs/ssh"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

// bastion is an in-process SSH server that forwards to anything on
// loopback, standing in front of the sandbox like a real jump host.
type bastion struct {
	addr      string
	forwarded atomic.Int32
}

func startBastion(t *testing.T, hostKey ssh.Signer, authorized ssh.PublicKey) *bastion {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &bastion{addr: ln.Addr().String()}
	srv := &gliderssh.Server{
		PublicKeyHandler: func(_ gliderssh.Context, key gliderssh.PublicKey) bool {
			return gliderssh.KeysEqual(key, authorized)
		},
		LocalPortForwardingCallback: func(_ gliderssh.Context, host string, _ uint32) bool {
			b.forwarded.Add(1)
			return host == "127.0.0.1"
		},
		ChannelHandlers: map[string]gliderssh.ChannelHandler{"direct-tcpip": gliderssh.DirectTCPIPHandler},
	}
	srv.AddHostKey(hostKey)
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return b
}

func newSigner(t *testing.T) (ed25519.PrivateKey, ssh.Signer) {
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

// TestSSHTunnel connects to the sandbox primary through an in-process SSH
// server, with host key checking, an encrypted client key and a wrong
// known_hosts entry.
func TestSSHTunnel(t *testing.T) {
	d := dbtest.Primary(t)
	_, hostSigner := newSigner(t)
	clientKey, clientSigner := newSigner(t)
	b := startBastion(t, hostSigner, clientSigner.PublicKey())
	dir := t.TempDir()
	block, err := ssh.MarshalPrivateKeyWithPassphrase(clientKey, "", []byte("key-passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "id_ed25519")
	os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600)
	host, portText, _ := net.SplitHostPort(b.addr)
	port, err := strconv.Atoi(portText)
	if err != nil {
		t.Fatal(err)
	}
	knownHosts := filepath.Join(dir, "known_hosts")
	os.WriteFile(knownHosts, []byte(knownhosts.Line([]string{knownhosts.Normalize(b.addr)}, hostSigner.PublicKey())+"\n"), 0o600)
	_, otherHost := newSigner(t)
	wrongKnownHosts := filepath.Join(dir, "known_hosts_wrong")
	os.WriteFile(wrongKnownHosts, []byte(knownhosts.Line([]string{knownhosts.Normalize(b.addr)}, otherHost.PublicKey())+"\n"), 0o600)

	tests := []struct {
		name       string
		known      string
		passphrase string
		wantErr    string
	}{
		{"through the tunnel", knownHosts, "key-passphrase", ""},
		{"unknown host key", filepath.Join(dir, "empty_known_hosts"), "key-passphrase", "ssh-keyscan"},
		{"changed host key", wrongKnownHosts, "key-passphrase", "changed"},
		{"wrong passphrase", knownHosts, "not-it", "passphrase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := params(d)
			p.Target.SSH = &dba.SSH{User: "ops", Host: host, Port: port, KeyFile: keyFile, KnownHosts: tt.known}
			pp := tt.passphrase
			p.SSHPassphrase = func() ([]byte, error) { return []byte(pp), nil }
			before := b.forwarded.Load()
			db, err := Open(context.Background(), p)
			if tt.wantErr != "" {
				if err == nil {
					db.Close()
					t.Fatal("connected, want an error")
				}
				if !strings.Contains(strings.ToLower(err.Error()), tt.wantErr) {
					t.Errorf("error %q does not mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			r, err := db.Report(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if r.Server.Flavor != dba.FlavorMariaDB || r.ServerID != 1 {
				t.Errorf("through the tunnel: %+v", r)
			}
			if b.forwarded.Load() == before {
				t.Error("the connection did not go through the bastion")
			}
		})
	}
}

// TestSSHBlackHole checks an SSH endpoint that accepts and never speaks
// fails within the connect timeout.
func TestSSHBlackHole(t *testing.T) {
	d := dbtest.Primary(t)
	port := startBlackHole(t)
	dir := t.TempDir()
	clientKey, _ := newSigner(t)
	block, _ := ssh.MarshalPrivateKey(clientKey, "")
	keyFile := filepath.Join(dir, "id")
	os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600)
	p := params(d)
	p.ConnectTimeout = time.Second
	p.Target.SSH = &dba.SSH{User: "ops", Host: "127.0.0.1", Port: port, KeyFile: keyFile, KnownHosts: filepath.Join(dir, "kh")}
	start := time.Now()
	db, err := Open(context.Background(), p)
	if err == nil {
		db.Close()
		t.Fatal("connected through a black hole")
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("took %v with a 1s timeout", d)
	}
	if !strings.Contains(err.Error(), "via ssh") {
		t.Errorf("error %q does not say the SSH hop failed", err)
	}
}
