package mysql

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/adapter"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

// pki is a throwaway CA with a server certificate, written as PEM files.
type pki struct {
	dir                           string
	caFile, certFile, keyFile     string
	otherCAFile                   string
	clientCertFile, clientKeyFile string
}

func newPKI(t *testing.T) pki {
	t.Helper()
	dir := t.TempDir()
	p := pki{dir: dir}
	ca, caKey := makeCA(t, "mydba test CA")
	p.caFile = writePEM(t, dir, "ca.pem", "CERTIFICATE", ca.Raw)
	other, _ := makeCA(t, "some other CA")
	p.otherCAFile = writePEM(t, dir, "other-ca.pem", "CERTIFICATE", other.Raw)
	srvDER, srvKey := makeLeaf(t, ca, caKey, "mydba test server", []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}, x509.ExtKeyUsageServerAuth)
	p.certFile = writePEM(t, dir, "server.pem", "CERTIFICATE", srvDER)
	p.keyFile = writeKey(t, dir, "server-key.pem", srvKey)
	cliDER, cliKey := makeLeaf(t, ca, caKey, "mydba test client", nil, nil, x509.ExtKeyUsageClientAuth)
	p.clientCertFile = writePEM(t, dir, "client.pem", "CERTIFICATE", cliDER)
	p.clientKeyFile = writeKey(t, dir, "client-key.pem", cliKey)
	return p
}

func makeCA(t *testing.T, cn string) (*x509.Certificate, *ecdsa.PrivateKey) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, key
}

func makeLeaf(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, cn string, dns []string, ips []net.IP, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: dns, IPAddresses: ips, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return der, key
}

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeKey(t *testing.T, dir, name string, key *ecdsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := writePEM(t, dir, name, "PRIVATE KEY", der)
	os.Chmod(path, 0o644) // mariadbd may run as another user
	return path
}

// TestTLS starts a private MariaDB with certificates made here, then checks
// each mode connects when it should and refuses when it must.
func TestTLS(t *testing.T) {
	p := newPKI(t)
	inst := dbtest.StartInstance(t, dbtest.InstanceOptions{ExtraConfig: []string{
		"ssl-ca=" + p.caFile, "ssl-cert=" + p.certFile, "ssl-key=" + p.keyFile,
	}})
	inst.SQL(t, "CREATE USER 'tls_user'@'%' IDENTIFIED BY 'tls-pw' REQUIRE SSL; GRANT SELECT ON *.* TO 'tls_user'@'%';"+
		"CREATE USER 'x509_user'@'%' IDENTIFIED BY 'x509-pw' REQUIRE X509; GRANT SELECT ON *.* TO 'x509_user'@'%';")
	base := adapter.ConnectParams{
		Target:         dba.Target{Host: "127.0.0.1", Port: inst.Port, User: "tls_user"},
		Password:       "tls-pw",
		ConnectTimeout: 5 * time.Second, CallTimeout: 10 * time.Second,
	}
	tests := []struct {
		name    string
		tls     dba.TLS
		user    string
		host    string
		wantErr string
	}{
		{"required", dba.TLS{Mode: dba.TLSRequired}, "", "", ""},
		{"verify-ca", dba.TLS{Mode: dba.TLSVerifyCA, CA: p.caFile}, "", "", ""},
		{"verify-full by IP", dba.TLS{Mode: dba.TLSVerifyFull, CA: p.caFile}, "", "", ""},
		{"verify-full by name", dba.TLS{Mode: dba.TLSVerifyFull, CA: p.caFile}, "", "localhost", ""},
		{"verify-ca ignores the name", dba.TLS{Mode: dba.TLSVerifyCA, CA: p.caFile, ServerName: "db.example.com"}, "", "", ""},
		{"verify-full wrong name", dba.TLS{Mode: dba.TLSVerifyFull, CA: p.caFile, ServerName: "db.example.com"}, "", "", "db.example.com"},
		{"verify-ca wrong CA", dba.TLS{Mode: dba.TLSVerifyCA, CA: p.otherCAFile}, "", "", "certificate"},
		{"verify-full wrong CA", dba.TLS{Mode: dba.TLSVerifyFull, CA: p.otherCAFile}, "", "", "certificate"},
		{"no TLS for a REQUIRE SSL user", dba.TLS{}, "", "", "wrong user or password"},
		{"client certificate", dba.TLS{Mode: dba.TLSVerifyFull, CA: p.caFile, Cert: p.clientCertFile, Key: p.clientKeyFile}, "x509_user", "", ""},
		{"REQUIRE X509 without a client certificate", dba.TLS{Mode: dba.TLSVerifyFull, CA: p.caFile}, "x509_user", "", "wrong user or password"},
		{"key that does not match the cert", dba.TLS{Mode: dba.TLSRequired, Cert: p.clientCertFile, Key: p.keyFile}, "", "", "match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cp := base
			cp.Target.TLS = tt.tls
			if tt.user == "x509_user" {
				cp.Target.User, cp.Password = "x509_user", "x509-pw"
			}
			if tt.host != "" {
				cp.Target.Host = tt.host
			}
			db, err := Open(context.Background(), cp)
			if tt.wantErr != "" {
				if err == nil {
					db.Close()
					t.Fatal("connected, want an error")
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
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
			if !strings.Contains(r.TLS, "TLS") {
				t.Errorf("report TLS = %q, want a negotiated TLS version and cipher", r.TLS)
			}
		})
	}
}
