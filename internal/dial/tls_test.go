package dial

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// testCert is an issued certificate with its key, as PEM and as tls.Certificate.
type testCert struct {
	certPEM, keyPEM []byte
	tls             tls.Certificate
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func template(t *testing.T, cn string) *x509.Certificate {
	t.Helper()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatal(err)
	}
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
}

// newCA makes a root CA, or an intermediate when parent is not nil.
func newCA(t *testing.T, cn string, parent *testCA) *testCA {
	t.Helper()
	key := newKey(t)
	tmpl := template(t, cn)
	tmpl.IsCA = true
	tmpl.BasicConstraintsValid = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key}
}

func (ca *testCA) pem() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw})
}

// issue signs a leaf for names (DNS names or IP addresses); chain are
// intermediates the holder sends along.
func (ca *testCA) issue(t *testing.T, usage x509.ExtKeyUsage, names []string, chain ...*testCA) testCert {
	t.Helper()
	key := newKey(t)
	tmpl := template(t, "leaf")
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{usage}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	for _, c := range chain {
		certPEM = append(certPEM, c.pem()...)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return testCert{certPEM: certPEM, keyPEM: keyPEM, tls: pair}
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// testPKI is a root CA with an intermediate that signs the server and client
// certificates, plus an unrelated CA, all written to files.
type testPKI struct {
	rootFile, otherCAFile            string
	server, serverNoChain, wrongName testCert
	otherServer                      testCert
	clientCertFile, clientKeyFile    string
	serverKeyFile, notPEMFile        string
	rootCA                           *testCA
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	root := newCA(t, "root", nil)
	inter := newCA(t, "intermediate", root)
	other := newCA(t, "other", nil)
	server := inter.issue(t, x509.ExtKeyUsageServerAuth, []string{"127.0.0.1", "localhost"}, inter)
	client := inter.issue(t, x509.ExtKeyUsageClientAuth, nil, inter)
	return testPKI{
		rootCA:         root,
		rootFile:       writeFile(t, dir, "root.pem", root.pem()),
		otherCAFile:    writeFile(t, dir, "other.pem", other.pem()),
		server:         server,
		serverNoChain:  inter.issue(t, x509.ExtKeyUsageServerAuth, []string{"127.0.0.1", "localhost"}),
		wrongName:      inter.issue(t, x509.ExtKeyUsageServerAuth, []string{"db.example"}, inter),
		otherServer:    other.issue(t, x509.ExtKeyUsageServerAuth, []string{"127.0.0.1"}),
		clientCertFile: writeFile(t, dir, "client.pem", client.certPEM),
		clientKeyFile:  writeFile(t, dir, "client.key", client.keyPEM),
		serverKeyFile:  writeFile(t, dir, "server.key", server.keyPEM),
		notPEMFile:     writeFile(t, dir, "not.pem", []byte("this is not PEM\n")),
	}
}

// serveTLS runs a TLS server that greets each client with "hello".
func serveTLS(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			tc := c.(*tls.Conn)
			tc.SetDeadline(time.Now().Add(5 * time.Second))
			if tc.Handshake() == nil {
				tc.Write([]byte("hello"))
			}
			tc.Close()
		}
	}()
	return ln.Addr().String()
}

func TestTLSConfigHandshake(t *testing.T) {
	pki := newTestPKI(t)
	future := func() time.Time { return time.Now().AddDate(10, 0, 0) }
	tests := []struct {
		name       string
		server     testCert
		clientAuth tls.ClientAuthType
		serverMax  uint16
		opts       TLSOptions
		wantErr    string // "" means the client reads the greeting
	}{
		{name: "required accepts any certificate", server: pki.otherServer,
			opts: TLSOptions{Mode: TLSRequired}},
		{name: "verify-ca accepts chain through intermediate", server: pki.server,
			opts: TLSOptions{Mode: TLSVerifyCA, CAFile: pki.rootFile}},
		{name: "verify-ca ignores host name", server: pki.wrongName,
			opts: TLSOptions{Mode: TLSVerifyCA, CAFile: pki.rootFile, ServerName: "127.0.0.1"}},
		{name: "verify-ca rejects other CA", server: pki.otherServer,
			opts: TLSOptions{Mode: TLSVerifyCA, CAFile: pki.rootFile}, wantErr: "certificate signed by unknown authority"},
		{name: "verify-ca rejects wrong CA file", server: pki.server,
			opts: TLSOptions{Mode: TLSVerifyCA, CAFile: pki.otherCAFile}, wantErr: "certificate signed by unknown authority"},
		{name: "verify-ca without CA file uses system roots", server: pki.server,
			opts: TLSOptions{Mode: TLSVerifyCA}, wantErr: "verify-ca"},
		{name: "verify-ca rejects incomplete chain", server: pki.serverNoChain,
			opts: TLSOptions{Mode: TLSVerifyCA, CAFile: pki.rootFile}, wantErr: "certificate signed by unknown authority"},
		{name: "verify-ca rejects expired", server: pki.server,
			opts: TLSOptions{Mode: TLSVerifyCA, CAFile: pki.rootFile, Now: future}, wantErr: "expired"},
		{name: "verify-full accepts IP name", server: pki.server,
			opts: TLSOptions{Mode: TLSVerifyFull, CAFile: pki.rootFile, ServerName: "127.0.0.1"}},
		{name: "verify-full accepts DNS name", server: pki.server,
			opts: TLSOptions{Mode: TLSVerifyFull, CAFile: pki.rootFile, ServerName: "localhost"}},
		{name: "verify-full rejects wrong host name", server: pki.wrongName,
			opts: TLSOptions{Mode: TLSVerifyFull, CAFile: pki.rootFile, ServerName: "localhost"}, wantErr: "valid for db.example, not localhost"},
		{name: "verify-full rejects wrong IP", server: pki.wrongName,
			opts: TLSOptions{Mode: TLSVerifyFull, CAFile: pki.rootFile, ServerName: "127.0.0.1"}, wantErr: "doesn't contain any IP SANs"},
		{name: "verify-full rejects other CA", server: pki.otherServer,
			opts: TLSOptions{Mode: TLSVerifyFull, CAFile: pki.rootFile, ServerName: "127.0.0.1"}, wantErr: "unknown authority"},
		{name: "verify-full rejects expired", server: pki.server,
			opts: TLSOptions{Mode: TLSVerifyFull, CAFile: pki.rootFile, ServerName: "127.0.0.1", Now: future}, wantErr: "expired"},
		{name: "client certificate accepted", server: pki.server, clientAuth: tls.RequireAndVerifyClientCert,
			opts: TLSOptions{Mode: TLSVerifyFull, CAFile: pki.rootFile, ServerName: "localhost",
				CertFile: pki.clientCertFile, KeyFile: pki.clientKeyFile}},
		{name: "client certificate missing", server: pki.server, clientAuth: tls.RequireAndVerifyClientCert,
			opts: TLSOptions{Mode: TLSVerifyFull, CAFile: pki.rootFile, ServerName: "localhost"}, wantErr: "certificate required"},
		{name: "TLS 1.1 server refused", server: pki.server, serverMax: tls.VersionTLS11,
			opts: TLSOptions{Mode: TLSRequired}, wantErr: "protocol version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clientCAs := x509.NewCertPool()
			clientCAs.AddCert(pki.rootCA.cert)
			addr := serveTLS(t, &tls.Config{
				Certificates: []tls.Certificate{tt.server.tls},
				ClientAuth:   tt.clientAuth,
				ClientCAs:    clientCAs,
				MinVersion:   tls.VersionTLS10,
				MaxVersion:   tt.serverMax,
			})
			cfg, err := TLSConfig(tt.opts)
			if err != nil {
				t.Fatalf("TLSConfig: %v", err)
			}
			got, err := greeting(addr, cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("handshake failed: %v", err)
				}
				if diff := cmp.Diff("hello", got); diff != "" {
					t.Errorf("greeting (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func greeting(addr string, cfg *tls.Config) (string, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	return string(b), err
}

func TestTLSConfigOptions(t *testing.T) {
	pki := newTestPKI(t)
	type summary struct {
		MinVersion   uint16
		SkipVerify   bool
		CustomVerify bool
		RootCAs      bool
		ClientCerts  int
		ServerName   string
	}
	tests := []struct {
		name string
		opts TLSOptions
		want *summary
	}{
		{name: "disabled", opts: TLSOptions{}, want: nil},
		{name: "required", opts: TLSOptions{Mode: TLSRequired, ServerName: "db"},
			want: &summary{MinVersion: tls.VersionTLS12, SkipVerify: true, ServerName: "db"}},
		{name: "verify-ca", opts: TLSOptions{Mode: TLSVerifyCA, CAFile: pki.rootFile},
			want: &summary{MinVersion: tls.VersionTLS12, SkipVerify: true, CustomVerify: true}},
		{name: "verify-full with client cert", opts: TLSOptions{Mode: "VERIFY_IDENTITY", CAFile: pki.rootFile,
			CertFile: pki.clientCertFile, KeyFile: pki.clientKeyFile, ServerName: "db"},
			want: &summary{MinVersion: tls.VersionTLS12, RootCAs: true, ClientCerts: 1, ServerName: "db"}},
		{name: "verify-full system roots", opts: TLSOptions{Mode: TLSVerifyFull},
			want: &summary{MinVersion: tls.VersionTLS12}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := TLSConfig(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got *summary
			if cfg != nil {
				got = &summary{
					MinVersion:   cfg.MinVersion,
					SkipVerify:   cfg.InsecureSkipVerify,
					CustomVerify: cfg.VerifyConnection != nil,
					RootCAs:      cfg.RootCAs != nil,
					ClientCerts:  len(cfg.Certificates),
					ServerName:   cfg.ServerName,
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTLSConfigErrors(t *testing.T) {
	pki := newTestPKI(t)
	missing := filepath.Join(t.TempDir(), "missing.pem")
	tests := []struct {
		name string
		opts TLSOptions
		want []string // substrings of the error
	}{
		{name: "unknown mode", opts: TLSOptions{Mode: "prefered"},
			want: []string{`"prefered"`, "disabled, required, verify-ca, verify-full"}},
		{name: "files without tls", opts: TLSOptions{CAFile: pki.rootFile}, want: []string{"disabled"}},
		{name: "missing CA file", opts: TLSOptions{Mode: TLSVerifyCA, CAFile: missing},
			want: []string{"ca file", missing, "no such file"}},
		{name: "CA file not PEM", opts: TLSOptions{Mode: TLSVerifyFull, CAFile: pki.notPEMFile},
			want: []string{pki.notPEMFile, "not a PEM file"}},
		{name: "CA file without certificates", opts: TLSOptions{Mode: TLSVerifyFull, CAFile: pki.clientKeyFile},
			want: []string{pki.clientKeyFile, "no certificates"}},
		{name: "CA file with required", opts: TLSOptions{Mode: TLSRequired, CAFile: pki.rootFile},
			want: []string{pki.rootFile, "use verify-ca or verify-full"}},
		{name: "certificate without key", opts: TLSOptions{Mode: TLSRequired, CertFile: pki.clientCertFile},
			want: []string{pki.clientCertFile, "without a client key file"}},
		{name: "key without certificate", opts: TLSOptions{Mode: TLSRequired, KeyFile: pki.clientKeyFile},
			want: []string{pki.clientKeyFile, "without a client certificate"}},
		{name: "missing certificate file", opts: TLSOptions{Mode: TLSRequired, CertFile: missing, KeyFile: pki.clientKeyFile},
			want: []string{"client certificate file", missing}},
		{name: "certificate file not PEM", opts: TLSOptions{Mode: TLSRequired, CertFile: pki.notPEMFile, KeyFile: pki.clientKeyFile},
			want: []string{"client certificate file", pki.notPEMFile, "not a PEM file"}},
		{name: "missing key file", opts: TLSOptions{Mode: TLSRequired, CertFile: pki.clientCertFile, KeyFile: missing},
			want: []string{"client key file", missing, "no such file"}},
		{name: "key file not PEM", opts: TLSOptions{Mode: TLSRequired, CertFile: pki.clientCertFile, KeyFile: pki.notPEMFile},
			want: []string{"client key file", pki.notPEMFile, "not a PEM file"}},
		{name: "key file holds a certificate", opts: TLSOptions{Mode: TLSRequired, CertFile: pki.clientCertFile, KeyFile: pki.clientCertFile},
			want: []string{"client key file", "not a private key"}},
		{name: "key does not match certificate", opts: TLSOptions{Mode: TLSRequired, CertFile: pki.clientCertFile, KeyFile: pki.serverKeyFile},
			want: []string{pki.serverKeyFile, "does not fit", pki.clientCertFile}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := TLSConfig(tt.opts)
			if err == nil {
				t.Fatalf("got config %+v, want an error", cfg)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestTLSConfigMissingFileIsNotExist(t *testing.T) {
	_, err := TLSConfig(TLSOptions{Mode: TLSVerifyCA, CAFile: filepath.Join(t.TempDir(), "nope.pem")})
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v, want an error wrapping os.ErrNotExist", err)
	}
}

func TestParseTLSMode(t *testing.T) {
	tests := []struct {
		in      string
		want    TLSMode
		wantErr bool
	}{
		{in: "", want: TLSDisabled},
		{in: "disabled", want: TLSDisabled},
		{in: "REQUIRED", want: TLSRequired},
		{in: " verify-ca ", want: TLSVerifyCA},
		{in: "VERIFY_CA", want: TLSVerifyCA},
		{in: "verify-full", want: TLSVerifyFull},
		{in: "VERIFY_IDENTITY", want: TLSVerifyFull},
		{in: "preferred", wantErr: true},
		{in: "true", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTLSMode(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mode (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseTLSMode(f *testing.F) {
	for _, s := range []string{"", "required", "VERIFY_IDENTITY", "verify-ca", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseTLSMode(s)
		if err != nil {
			if m != "" {
				t.Errorf("error with mode %q", m)
			}
			return
		}
		again, err := ParseTLSMode(string(m))
		if err != nil || again != m {
			t.Errorf("mode %q does not parse back: %q, %v", m, again, err)
		}
	})
}
