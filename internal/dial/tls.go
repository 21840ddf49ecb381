package dial

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// TLSMode says how much of the server's certificate is checked.
type TLSMode string

// The TLS modes, from weakest to strongest. Their names follow libpq's
// sslmode and MySQL's --ssl-mode (VERIFY_IDENTITY is accepted as verify-full).
const (
	// TLSDisabled sends everything in clear text; TLSConfig returns nil.
	TLSDisabled TLSMode = "disabled"
	// TLSRequired encrypts but does not check who answers: it stops passive
	// eavesdroppers, not a man in the middle.
	TLSRequired TLSMode = "required"
	// TLSVerifyCA checks the certificate chain against the CA but not the
	// host name, for servers whose certificates do not name the host.
	TLSVerifyCA TLSMode = "verify-ca"
	// TLSVerifyFull checks the chain and that the certificate names the host.
	TLSVerifyFull TLSMode = "verify-full"
)

// tlsModes lists the valid spellings of TLSMode, for error messages.
const tlsModes = "disabled, required, verify-ca, verify-full"

// ParseTLSMode reads a TLS mode as a user types it: case does not matter,
// "_" may stand for "-", "verify-identity" means verify-full, and "" means
// disabled (no TLS) so that an unset option keeps the driver's default of a
// plain connection.
func ParseTLSMode(s string) (TLSMode, error) {
	norm := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "_", "-")
	switch norm {
	case "", string(TLSDisabled):
		return TLSDisabled, nil
	case string(TLSRequired):
		return TLSRequired, nil
	case string(TLSVerifyCA):
		return TLSVerifyCA, nil
	case string(TLSVerifyFull), "verify-identity":
		return TLSVerifyFull, nil
	}
	return "", fmt.Errorf("unknown tls mode %q (valid: %s)", s, tlsModes)
}

// TLSOptions are the files and names that TLSConfig turns into a *tls.Config.
// All paths are PEM files.
type TLSOptions struct {
	Mode TLSMode
	// CAFile holds the CA certificates that sign the server's chain. Empty
	// means the system roots. Not allowed with TLSRequired, which would
	// ignore it and so give a false sense of safety.
	CAFile string
	// CertFile and KeyFile are the client certificate and its private key;
	// give both or neither.
	CertFile, KeyFile string
	// ServerName is the host name checked in verify-full and sent as SNI.
	// When empty in verify-full, go-sql-driver/mysql fills it in from the
	// address it dials; other callers must set it.
	ServerName string
	// Now is the clock used to check certificate validity; nil means
	// time.Now.
	Now func() time.Time
}

// TLSConfig builds the client TLS configuration for o. It returns nil, nil
// for TLSDisabled. Errors name the file that is wrong.
func TLSConfig(o TLSOptions) (*tls.Config, error) {
	mode, err := ParseTLSMode(string(o.Mode))
	if err != nil {
		return nil, err
	}
	if mode == TLSDisabled {
		if o.CAFile != "" || o.CertFile != "" || o.KeyFile != "" {
			return nil, errors.New("tls files given but tls mode is disabled")
		}
		return nil, nil
	}
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS12,
		ServerName: o.ServerName,
		Time:       o.Now,
	}
	if err := loadClientCert(cfg, o.CertFile, o.KeyFile); err != nil {
		return nil, err
	}

	var roots *x509.CertPool // nil: system roots
	if o.CAFile != "" {
		if mode == TLSRequired {
			return nil, fmt.Errorf("ca file %q given with tls mode required, which does not verify: use verify-ca or verify-full", o.CAFile)
		}
		if roots, err = loadCertPool(o.CAFile); err != nil {
			return nil, err
		}
	}

	switch mode {
	case TLSRequired:
		cfg.InsecureSkipVerify = true
	case TLSVerifyCA:
		// crypto/tls cannot verify the chain without the name, so its own
		// check is switched off and replaced by one that does everything
		// but the name.
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = verifyChain(roots, o.Now)
	case TLSVerifyFull:
		cfg.RootCAs = roots
	}
	return cfg, nil
}

// verifyChain returns a VerifyConnection callback that checks the server's
// chain (leaf, then any intermediates it sent) up to roots, for server use,
// at the time now returns.
func verifyChain(roots *x509.CertPool, now func() time.Time) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("verify-ca: server sent no certificate")
		}
		opts := x509.VerifyOptions{
			Roots:         roots,
			Intermediates: x509.NewCertPool(),
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		if now != nil {
			opts.CurrentTime = now()
		}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		if _, err := cs.PeerCertificates[0].Verify(opts); err != nil {
			return fmt.Errorf("verify-ca: %w", err)
		}
		return nil
	}
}

// loadCertPool reads every certificate in a PEM file into a pool.
func loadCertPool(path string) (*x509.CertPool, error) {
	certs, err := readCertificates(path, "ca file")
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// loadClientCert sets cfg.Certificates from a certificate and key file pair.
func loadClientCert(cfg *tls.Config, certFile, keyFile string) error {
	switch {
	case certFile == "" && keyFile == "":
		return nil
	case certFile == "":
		return fmt.Errorf("client key file %q given without a client certificate file", keyFile)
	case keyFile == "":
		return fmt.Errorf("client certificate file %q given without a client key file", certFile)
	}
	// Read both ourselves first so that each error names its own file;
	// tls.LoadX509KeyPair does not say which one it could not use.
	if _, err := readCertificates(certFile, "client certificate file"); err != nil {
		return err
	}
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return fmt.Errorf("client certificate file %q: %w", certFile, err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return fmt.Errorf("client key file %q: %w", keyFile, err)
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return fmt.Errorf("client key file %q: not a PEM file", keyFile)
	}
	if !strings.HasSuffix(block.Type, "PRIVATE KEY") {
		return fmt.Errorf("client key file %q: holds a %q block, not a private key", keyFile, block.Type)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("client key file %q does not fit certificate file %q: %w", keyFile, certFile, err)
	}
	cfg.Certificates = []tls.Certificate{pair}
	return nil
}

// readCertificates parses every CERTIFICATE block of a PEM file; what names
// the file's role in errors.
func readCertificates(path, what string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", what, path, err)
	}
	var certs []*x509.Certificate
	sawPEM := false
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		sawPEM = true
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s %q: certificate %d: %w", what, path, len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	switch {
	case !sawPEM:
		return nil, fmt.Errorf("%s %q: not a PEM file", what, path)
	case len(certs) == 0:
		return nil, fmt.Errorf("%s %q: no certificates in it", what, path)
	}
	return certs, nil
}
